"""helpdesk.tickets → escalations: folds each ticket's events into its case and reacts (SLA facts, reopen,
VIP customer), and keeps the ticket's stall timers armed or cancelled."""

from __future__ import annotations

from helpdesk_events import TicketEvent, decode_ticket_event
from helpdesk_runtime.consumer import ConsumerSpec, Record
from helpdesk_runtime.uow import Tx

from ..adapters import store
from ..domain.decide import react
from ..domain.matrix import Directory, Matrix
from .apply import commit


def tickets_consumer(matrix: Matrix, directory: Directory, *, topic: str) -> ConsumerSpec[TicketEvent]:
    async def handle(tx: Tx, event: TicketEvent, record: Record) -> None:
        row = await store.lock(tx.conn, event.ticket_id)
        case, armed = (row.case, row.armed) if row else (None, {})
        correlation = (row.correlation if row else None) or event.correlation_id
        reaction = react(matrix, directory, case, event)
        await commit(tx, matrix, reaction, armed, at=event.occurred_at, correlation=correlation)

    return ConsumerSpec(
        name="escalation.tickets",
        topics=[topic],
        decode=decode_ticket_event,
        handle=handle,
        dedupe_key=lambda e: str(e.event_id),
        correlation=lambda e: str(e.correlation_id) if e.correlation_id else None,
    )
