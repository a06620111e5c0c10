"""Escalations as events: a TicketEscalated each, and an EscalationNoticeRequested when someone is notified."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from helpdesk_events import (
    EscalationNoticeRequested,
    EscalationNoticeRequestedData,
    Recipient,
    TicketEscalated,
    TicketEscalatedData,
    TicketEvent,
)

from .case import Case
from .decide import Escalation

PRODUCER = "escalation"


def escalation_events(
    case: Case,
    escalations: list[Escalation],
    *,
    at: datetime,
    correlation_id: UUID | None,
    new_id: Callable[[], UUID],
) -> list[TicketEvent]:
    """``at`` is event time (the cause's ``occurred_at`` or the timer's due time), never "now"."""
    out: list[TicketEvent] = []
    ticket_id, tenant = case.ticket.ticket_id, case.ticket.tenant
    for esc in escalations:
        escalated = TicketEscalated(
            event_id=new_id(),
            ticket_id=ticket_id,
            tenant=tenant,
            occurred_at=at,
            producer=PRODUCER,
            causation_id=esc.cause,
            correlation_id=correlation_id,
            data=TicketEscalatedData(
                level=esc.level,
                trigger=esc.trigger,
                reason=esc.reason,
                from_team=esc.from_team,
                to_team=esc.to_team,
                raise_priority_to=esc.raise_priority_to,
            ),
        )
        out.append(escalated)
        if esc.recipients:
            out.append(
                EscalationNoticeRequested(
                    event_id=new_id(),
                    ticket_id=ticket_id,
                    tenant=tenant,
                    occurred_at=at,
                    producer=PRODUCER,
                    causation_id=escalated.event_id,
                    correlation_id=correlation_id,
                    data=EscalationNoticeRequestedData(
                        level=esc.level,
                        trigger=esc.trigger,
                        reason=esc.reason,
                        recipients=[Recipient(role=r.role, id=r.id, email=r.email) for r in esc.recipients],
                        folio=case.ticket.folio,
                        from_team=esc.from_team,
                        to_team=esc.to_team,
                    ),
                )
            )
    return out
