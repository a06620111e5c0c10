"""Every topic → read models, with the shared fold from libs/events (exactly once: runtime offsets + dedupe).

The subscriber stays thin: fold, derive the row, timeline entry and facts (pure, in ``domain``), write them
(``adapters``) in the runtime's transaction, and notify the change for live dashboards at commit.
"""

from __future__ import annotations

from helpdesk_events import (
    DirectoryEvent,
    TicketEvent,
    TicketOpened,
    applies,
    decode_directory_event,
    decode_ticket_event,
    evolve,
)
from helpdesk_runtime.consumer import ConsumerSpec, Record
from helpdesk_runtime.uow import Tx

from ..adapters.directory import apply_directory
from ..adapters.writes import load_ticket, notify_change, write_event
from ..domain.facts import facts
from ..domain.timeline import describe


def tickets_consumer(*, topic: str) -> ConsumerSpec[TicketEvent]:
    async def handle(tx: Tx, event: TicketEvent, record: Record) -> None:
        before, description = await load_ticket(tx.conn, event.ticket_id)
        applied = applies(before, event)
        after = evolve(before, event)
        if isinstance(event, TicketOpened) and applied:
            description = event.data.body
        summary, actor = describe(event)
        change = {
            "kind": "ticket",
            "ticket_id": after.ticket_id,
            "tenant": after.tenant,
            "folio": after.folio,
            "status": after.status,
            "team": after.team,
            "assignee": after.assignee,
            "version": after.version,
            "event": event.type,
            "summary": summary,
        }
        await write_event(
            tx.conn,
            state=after,
            description=description,
            event=event,
            summary=summary,
            actor=actor,
            applied=applied,
            facts=facts(before, after, event),
            change=change,
        )

    return ConsumerSpec(
        name="projections.tickets",
        topics=[topic],
        decode=decode_ticket_event,
        handle=handle,
        dedupe_key=lambda e: str(e.event_id),
        correlation=lambda e: str(e.correlation_id) if e.correlation_id else None,
    )


def directory_consumer(*, topic: str) -> ConsumerSpec[DirectoryEvent]:
    async def handle(tx: Tx, event: DirectoryEvent, record: Record) -> None:
        kind = await apply_directory(tx.conn, event)
        if kind is not None:
            await notify_change(tx.conn, {"kind": kind, "id": event.entity_id, "event": event.type})

    return ConsumerSpec(
        name="projections.directory",
        topics=[topic],
        decode=decode_directory_event,
        handle=handle,
        dedupe_key=lambda e: str(e.event_id),
    )
