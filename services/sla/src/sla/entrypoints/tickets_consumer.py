"""helpdesk.tickets → SLA clocks: every ticket event goes through the pure decision (domain.decide)."""

from __future__ import annotations

from helpdesk_events import (
    AgentReplied,
    CustomerMessageReceived,
    TicketCategoryChanged,
    TicketEvent,
    TicketMerged,
    TicketOpened,
    TicketPriorityChanged,
    TicketStatusChanged,
    decode_ticket_event,
)
from helpdesk_runtime.consumer import ConsumerSpec, Record, by_header
from helpdesk_runtime.uow import Tx

from .process import Configuration, step

RELEVANT = (
    TicketOpened,
    AgentReplied,
    CustomerMessageReceived,
    TicketStatusChanged,
    TicketPriorityChanged,
    TicketCategoryChanged,
    TicketMerged,
)
RELEVANT_TYPES = [cls.model_fields["type"].default for cls in RELEVANT]
"""The others are not even decoded (their ``type`` header says what they are)."""


def tickets_consumer(config: Configuration, *, topic: str) -> ConsumerSpec[TicketEvent]:
    async def handle(tx: Tx, event: TicketEvent, record: Record) -> None:
        if isinstance(event, RELEVANT):
            await step(tx, config, event.ticket_id, event)

    return ConsumerSpec(
        name="sla.tickets",
        topics=[topic],
        decode=decode_ticket_event,
        handle=handle,
        dedupe_key=lambda e: str(e.event_id),
        correlation=lambda e: str(e.correlation_id) if e.correlation_id else None,
        wants=by_header(RELEVANT_TYPES),
    )
