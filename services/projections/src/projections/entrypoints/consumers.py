"""Every topic → read models, with the shared fold from libs/events (exactly once: runtime offsets + dedupe).

The subscriber stays thin: fold, derive the row, timeline entry and facts (pure, in ``domain``), write them
(``adapters``) in the runtime's transaction, and notify the change for live dashboards at commit. A poll's
fresh records go through ``handle_batch``: the affected tickets are locked and loaded in one query, folded
in memory in log order, and written set-based (each ticket's row once); if that raises, the runtime
re-applies the records one by one through ``handle``, which writes the same rows.
"""

from __future__ import annotations

from helpdesk_events import (
    DirectoryEvent,
    TicketEvent,
    decode_directory_event,
    decode_ticket_event,
)
from helpdesk_runtime.consumer import ConsumerSpec, Record
from helpdesk_runtime.uow import Tx

from ..adapters.batch_writes import load_tickets, write_batch
from ..adapters.directory import apply_directory
from ..adapters.writes import load_ticket, notify_change, write_event
from ..domain.projection import Current, project, step


def tickets_consumer(*, topic: str) -> ConsumerSpec[TicketEvent]:
    async def handle(tx: Tx, event: TicketEvent, record: Record) -> None:
        before, description = await load_ticket(tx.conn, event.ticket_id)
        after, entry = step(Current(before, description) if before is not None else None, event)
        await write_event(
            tx.conn,
            state=after.state,
            description=after.description,
            event=event,
            summary=entry.summary,
            actor=entry.actor,
            applied=entry.applied,
            facts=entry.facts,
            change=entry.change,
        )

    async def handle_batch(tx: Tx, batch: list[tuple[TicketEvent, Record]]) -> None:
        events = [event for event, _ in batch]
        loaded = await load_tickets(tx.conn, (e.ticket_id for e in events))
        await write_batch(tx.conn, project(loaded, events))

    return ConsumerSpec(
        name="projections.tickets",
        topics=[topic],
        decode=decode_ticket_event,
        handle=handle,
        handle_batch=handle_batch,
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
