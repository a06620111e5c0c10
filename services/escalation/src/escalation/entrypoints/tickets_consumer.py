"""helpdesk.tickets → escalations: keeps each ticket's team and level, decides on SLA warnings/breaches."""

from __future__ import annotations

import uuid

from helpdesk_events import (
    EscalationNoticeRequested,
    EscalationNoticeRequestedData,
    Recipient,
    SlaBreached,
    SlaWarning,
    TicketAssigned,
    TicketEscalated,
    TicketEscalatedData,
    TicketEvent,
    TicketMerged,
    TicketOpened,
    TicketPriorityChanged,
    TicketQueued,
    TicketStatusChanged,
    decode_ticket_event,
)
from helpdesk_runtime.consumer import ConsumerSpec, Record
from helpdesk_runtime.uow import Tx

from ..domain.matrix import Matrix, TeamInfo, TicketFacts, Trigger, decide

PRODUCER = "escalation"


def tickets_consumer(
    matrix: Matrix, teams: dict[str, TeamInfo], tiers: dict[str, dict[str, str]], *, topic: str
) -> ConsumerSpec[TicketEvent]:
    async def escalate(tx: Tx, event: TicketEvent, trigger: Trigger, target: str) -> None:
        case = await tx.conn.fetchrow("SELECT * FROM cases WHERE ticket_id = $1 FOR UPDATE", event.ticket_id)
        if case is None or not case["open"]:
            return
        facts = TicketFacts(
            priority=case["priority"],
            category=case["category"],
            tier=case["tier"],
            team=case["team"],
            origin_team=case["origin_team"],
            fired=frozenset(case["fired"]),
        )
        decisions = decide(matrix, tiers, teams, facts, trigger, target)
        if not decisions:
            return
        level, team, fired = case["level"], case["team"], list(case["fired"])
        for esc in decisions:
            fired.append(esc.key)
            level = max(level, esc.level)
            escalated_id = uuid.uuid4()
            tx.emit(
                TicketEscalated(
                    event_id=escalated_id,
                    ticket_id=event.ticket_id,
                    tenant=event.tenant,
                    occurred_at=event.occurred_at,
                    producer=PRODUCER,
                    causation_id=event.event_id,
                    correlation_id=event.correlation_id,
                    data=TicketEscalatedData(
                        level=esc.level,
                        trigger=esc.trigger,
                        reason=esc.reason,
                        from_team=esc.from_team,
                        to_team=esc.to_team,
                    ),
                )
            )
            if esc.to_team:
                team = esc.to_team
            if esc.recipients:
                tx.emit(
                    EscalationNoticeRequested(
                        event_id=uuid.uuid4(),
                        ticket_id=event.ticket_id,
                        tenant=event.tenant,
                        occurred_at=event.occurred_at,
                        producer=PRODUCER,
                        causation_id=escalated_id,
                        correlation_id=event.correlation_id,
                        data=EscalationNoticeRequestedData(
                            level=esc.level,
                            trigger=esc.trigger,
                            reason=esc.reason,
                            recipients=[Recipient(role=role, id=who) for role, who in esc.recipients],
                        ),
                    )
                )
        await tx.conn.execute(
            "UPDATE cases SET level = $2, team = $3, fired = $4 WHERE ticket_id = $1",
            event.ticket_id,
            level,
            team,
            fired,
        )

    async def handle(tx: Tx, event: TicketEvent, record: Record) -> None:
        match event:
            case TicketOpened(data=d):
                await tx.conn.execute(
                    """INSERT INTO cases (ticket_id, tenant, priority, category, tier, correlation)
                       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
                    event.ticket_id,
                    event.tenant,
                    d.priority,
                    d.category,
                    d.customer.tier,
                    event.correlation_id,
                )
            case TicketAssigned(data=d) | TicketQueued(data=d):
                await tx.conn.execute(
                    "UPDATE cases SET team = $2, origin_team = coalesce(origin_team, $2) WHERE ticket_id = $1",
                    event.ticket_id,
                    d.team,
                )
            case TicketPriorityChanged(data=d):
                await tx.conn.execute(
                    "UPDATE cases SET priority = $2 WHERE ticket_id = $1", event.ticket_id, d.to_priority
                )
            case TicketStatusChanged(data=d):
                await tx.conn.execute(
                    "UPDATE cases SET open = $2 WHERE ticket_id = $1",
                    event.ticket_id,
                    d.to_status not in ("resolved", "closed"),
                )
            case TicketMerged():
                await tx.conn.execute("UPDATE cases SET open = false WHERE ticket_id = $1", event.ticket_id)
            case SlaWarning(data=d):
                await escalate(tx, event, "sla_warning", d.target)
            case SlaBreached(data=d):
                await escalate(tx, event, "sla_breach", d.target)
            case _:
                pass

    return ConsumerSpec(
        name="escalation.tickets",
        topics=[topic],
        decode=decode_ticket_event,
        handle=handle,
        dedupe_key=lambda e: str(e.event_id),
        correlation=lambda e: str(e.correlation_id) if e.correlation_id else None,
    )
