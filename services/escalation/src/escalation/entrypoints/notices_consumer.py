"""helpdesk.tickets → notices delivered: its own consumer (own offsets, dedupe by event id), so a notice is
delivered once it is committed, and a failed delivery is retried by the runtime and then dead-lettered."""

from __future__ import annotations

from helpdesk_events import EscalationNoticeRequested, TicketEvent, decode_ticket_event
from helpdesk_runtime.consumer import ConsumerSpec, Record, by_header
from helpdesk_runtime.uow import Tx

from ..adapters.notifiers import Notifier


def _decode(value: bytes) -> TicketEvent | None:
    """Undecodable records are the tickets consumer's dead letters; this one skips them."""
    try:
        return decode_ticket_event(value)
    except Exception:  # noqa: BLE001
        return None


def notices_consumer(notifier: Notifier, *, topic: str) -> ConsumerSpec[TicketEvent | None]:
    async def handle(tx: Tx, event: TicketEvent | None, record: Record) -> None:
        if isinstance(event, EscalationNoticeRequested):
            await notifier.deliver(event)  # raises DeliveryFailed: retried, then dead-lettered

    return ConsumerSpec(
        name="escalation.notices",
        topics=[topic],
        decode=_decode,
        handle=handle,
        dedupe_key=lambda e: str(e.event_id) if isinstance(e, EscalationNoticeRequested) else None,
        correlation=lambda e: str(e.correlation_id) if e is not None and e.correlation_id else None,
        wants=by_header(["EscalationNoticeRequested"]),  # the rest of the topic is not even decoded
    )
