"""helpdesk.tickets → the work list: new tickets wait for an agent, closed ones free capacity.

The handler touches only the work row of the event's ticket (under its row lock) and wakes the assigners;
finding waiting work for freed capacity is the assigner's job.
"""

from __future__ import annotations

from helpdesk_events import (
    SlaPolicyApplied,
    TicketEscalated,
    TicketEvent,
    TicketMerged,
    TicketOpened,
    TicketPriorityChanged,
    TicketStatusChanged,
    decode_ticket_event,
    priority_rank,
)
from helpdesk_runtime.consumer import ConsumerSpec, Record, by_header
from helpdesk_runtime.uow import Tx

from ..adapters import facts
from ..adapters.store import ASSIGN_CHANNEL
from ..domain.choice import choose_team
from ..domain.config import RoutingRules


async def _wake(tx: Tx) -> None:
    await tx.conn.execute("SELECT pg_notify($1, '')", ASSIGN_CHANNEL)


async def _release(tx: Tx, ticket_id: str) -> None:
    """Resolved, closed or merged: the ticket leaves the queue or frees its agent's capacity."""
    done = await tx.conn.fetchval(
        "UPDATE work SET state = 'done' WHERE ticket_id = $1 AND state <> 'done' RETURNING agent_id", ticket_id
    )
    if done is not None:
        await _wake(tx)


async def _move(tx: Tx, ticket_id: str, team: str, rules: RoutingRules) -> None:
    """Escalation to another team: the ticket goes back to the queue of that team (its agent is freed)."""
    row = await tx.conn.fetchrow("SELECT * FROM work WHERE ticket_id = $1 FOR UPDATE", ticket_id)
    if row is None or row["state"] == "done" or row["team"] == team:
        return  # unknown, closed (an escalation racing a close changes nothing) or already there
    if row["manual"] and row["state"] == "assigned" and not rules.reassign_manual:
        await tx.conn.execute("UPDATE work SET team = $2 WHERE ticket_id = $1", ticket_id, team)
        return  # a supervisor's choice is respected: the agent keeps it
    if row["state"] == "assigned":
        tx.emit(facts.unassigned(row, reason=f"escalated to team {team}", now=tx.now))
    await tx.conn.execute(
        """UPDATE work SET state = 'waiting', team = $2, previous_agent = agent_id, agent_id = NULL,
           announced = false, manual = false, skills = '{}', rule = 'escalation' WHERE ticket_id = $1""",
        ticket_id,
        team,
    )
    await _wake(tx)


HANDLED = (
    TicketOpened,
    TicketStatusChanged,
    TicketMerged,
    TicketEscalated,
    TicketPriorityChanged,
    SlaPolicyApplied,
)
"""What ``handle`` matches on; the other events are not even decoded (their ``type`` header says what they are)."""


def tickets_consumer(rules: RoutingRules, *, topic: str) -> ConsumerSpec[TicketEvent]:
    async def handle(tx: Tx, event: TicketEvent, record: Record) -> None:
        match event:
            case TicketOpened(data=d):
                rule = choose_team(
                    rules,
                    {"category": d.category, "channel": d.channel, "language": d.language, "tier": d.customer.tier},
                )
                await tx.conn.execute(
                    """INSERT INTO work (ticket_id, tenant, team, rule, state, priority, rank, language, skills,
                                         queued_at, correlation, channel)
                       VALUES ($1, $2, $3, $4, 'waiting', $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING""",
                    event.ticket_id,
                    event.tenant,
                    rule.team,
                    rule.name,
                    d.priority,
                    priority_rank(d.priority),
                    d.language,
                    rule.skills,
                    event.occurred_at,
                    event.correlation_id,
                    d.channel,
                )
                await _wake(tx)
            case TicketStatusChanged(data=d) if d.to_status in ("resolved", "closed"):
                await _release(tx, event.ticket_id)
            case TicketStatusChanged(data=d) if d.from_status in ("resolved", "closed") and d.to_status == "open":
                await tx.conn.execute(
                    """UPDATE work SET state = 'waiting', previous_agent = agent_id, agent_id = NULL,
                       announced = false, manual = false WHERE ticket_id = $1 AND state = 'done'""",
                    event.ticket_id,
                )
                await _wake(tx)
            case TicketMerged():
                await _release(tx, event.ticket_id)
            case TicketEscalated(data=d):
                raised = await tx.conn.fetchval(
                    "UPDATE work SET level = $2 WHERE ticket_id = $1 AND level < $2 RETURNING true",
                    event.ticket_id,
                    d.level,
                )
                if raised and d.raise_priority_to:
                    # Only ever up, as the fold does: the queue serves the raised ticket sooner.
                    await tx.conn.execute(
                        "UPDATE work SET priority = $2, rank = $3 WHERE ticket_id = $1 AND rank > $3",
                        event.ticket_id,
                        d.raise_priority_to,
                        priority_rank(d.raise_priority_to),
                    )
                if raised and d.to_team:
                    await _move(tx, event.ticket_id, d.to_team, rules)
            case TicketPriorityChanged(data=d):
                await tx.conn.execute(
                    "UPDATE work SET priority = $2, rank = $3 WHERE ticket_id = $1",
                    event.ticket_id,
                    d.to_priority,
                    priority_rank(d.to_priority),
                )
            case SlaPolicyApplied(data=d):
                dues = [t.due_at for t in d.targets if t.due_at is not None]
                if dues:
                    await tx.conn.execute(
                        "UPDATE work SET due_at = $2 WHERE ticket_id = $1", event.ticket_id, min(dues)
                    )
            case _:
                pass

    return ConsumerSpec(
        name="routing.tickets",
        topics=[topic],
        decode=decode_ticket_event,
        handle=handle,
        dedupe_key=lambda e: str(e.event_id),
        correlation=lambda e: str(e.correlation_id) if e.correlation_id else None,
        wants=by_header([cls.model_fields["type"].default for cls in HANDLED]),
    )
