"""helpdesk.tickets → the work list: new tickets wait for an agent, closed ones free capacity."""

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
from helpdesk_runtime.consumer import ConsumerSpec, Record
from helpdesk_runtime.uow import Tx

from ..adapters.store import ASSIGN_CHANNEL
from ..domain.choice import choose_team
from ..domain.config import RoutingRules


async def _release(tx: Tx, ticket_id: str, *, requeue_team: str | None = None) -> None:
    row = await tx.conn.fetchrow("SELECT state, agent_id, team FROM work WHERE ticket_id = $1 FOR UPDATE", ticket_id)
    if row is None or row["state"] == "done":
        return  # unknown, or already closed: an escalation racing a close changes nothing
    if requeue_team is None:
        await tx.conn.execute("UPDATE work SET state = 'done', ready = false WHERE ticket_id = $1", ticket_id)
    else:
        await tx.conn.execute(
            """UPDATE work SET state = 'waiting', team = $2, agent_id = NULL, ready = true, announced = false,
               skills = '{}', rule = 'escalation' WHERE ticket_id = $1""",
            ticket_id,
            requeue_team,
        )
    if row["state"] == "assigned" and row["agent_id"]:
        teams = await tx.conn.fetchval("SELECT teams FROM agents WHERE agent_id = $1", row["agent_id"])
        await tx.conn.execute(
            "UPDATE work SET ready = true WHERE state = 'waiting' AND NOT ready AND team = ANY($1::text[])", teams or []
        )
    await tx.conn.execute("SELECT pg_notify($1, '')", ASSIGN_CHANNEL)


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
                                         queued_at, correlation)
                       VALUES ($1, $2, $3, $4, 'waiting', $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING""",
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
                )
                await tx.conn.execute("SELECT pg_notify($1, '')", ASSIGN_CHANNEL)
            case TicketStatusChanged(data=d) if d.to_status in ("resolved", "closed"):
                await _release(tx, event.ticket_id)
            case TicketStatusChanged(data=d) if d.from_status == "resolved" and d.to_status == "open":
                await tx.conn.execute(
                    """UPDATE work SET state = 'waiting', agent_id = NULL, ready = true, announced = false
                       WHERE ticket_id = $1 AND state = 'done'""",
                    event.ticket_id,
                )
                await tx.conn.execute("SELECT pg_notify($1, '')", ASSIGN_CHANNEL)
            case TicketMerged():
                await _release(tx, event.ticket_id)
            case TicketEscalated(data=d):
                raised = await tx.conn.fetchval(
                    "UPDATE work SET level = $2 WHERE ticket_id = $1 AND level < $2 RETURNING true",
                    event.ticket_id,
                    d.level,
                )
                if raised and d.to_team:
                    await _release(tx, event.ticket_id, requeue_team=d.to_team)
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
    )
