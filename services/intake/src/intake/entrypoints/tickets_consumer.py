"""helpdesk.tickets → intake's ticket state: the facts other services own (team, assignee, SLA, escalation).

Intake folds its own events when it decides them (under the ticket's row lock, so the next command sees
them at once) and skips them when they come back from the log; everything else is folded here, so the
state agent commands are checked against is the whole ticket, and ``version`` counts every event.
"""

from __future__ import annotations

from helpdesk_events import TicketEvent, decode_ticket_event, evolve
from helpdesk_runtime.consumer import ConsumerSpec, Record
from helpdesk_runtime.uow import Tx

from ..adapters import store
from ..domain.decide import PRODUCER


def tickets_consumer(*, topic: str) -> ConsumerSpec[TicketEvent]:
    async def handle(tx: Tx, event: TicketEvent, record: Record) -> None:
        if event.producer == PRODUCER:
            return
        state = await store.load_ticket(tx.conn, event.ticket_id)
        if state is None:
            return
        new = evolve(state, event)
        await tx.conn.execute(
            "UPDATE tickets SET state = $2, version = $3, status = $4 WHERE ticket_id = $1",
            event.ticket_id,
            new.model_dump(mode="json"),
            new.version,
            new.status,
        )

    return ConsumerSpec(
        name="intake.tickets",
        topics=[topic],
        decode=decode_ticket_event,
        handle=handle,
        dedupe_key=lambda e: str(e.event_id),
    )
