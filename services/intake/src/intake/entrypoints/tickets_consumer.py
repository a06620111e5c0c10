"""helpdesk.tickets → intake's ticket state: the facts other services own (team, assignee, SLA, escalation).

Intake folds its own events when it decides them (under the ticket's row lock, so the next command sees
them at once) and skips them when they come back from the log; everything else is folded here, so the
state agent commands are checked against is the whole ticket, and ``version`` counts every event.
"""

from __future__ import annotations

from helpdesk_events import TicketEvent, TicketState, decode_ticket_event, evolve
from helpdesk_runtime.consumer import ConsumerSpec, Record, by_header
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

    async def handle_batch(tx: Tx, items: list[tuple[TicketEvent, Record]]) -> None:
        """The same as ``handle`` for a whole poll: one read and one write for all its tickets."""
        events = [e for e, _ in items if e.producer != PRODUCER]
        if not events:
            return
        ids = sorted({e.ticket_id for e in events})  # rows locked in one order
        rows = await tx.conn.fetch(
            "SELECT ticket_id, state FROM tickets WHERE ticket_id = ANY($1::text[]) ORDER BY ticket_id FOR UPDATE", ids
        )
        states = {r["ticket_id"]: TicketState.model_validate(r["state"]) for r in rows}
        for event in events:  # in log order per ticket (one partition each)
            state = states.get(event.ticket_id)
            if state is not None:
                states[event.ticket_id] = evolve(state, event)
        if not states:
            return
        ordered = sorted(states)
        await tx.conn.execute(
            """UPDATE tickets t SET state = u.state, version = u.version, status = u.status
               FROM unnest($1::text[], $2::jsonb[], $3::int[], $4::text[]) AS u(ticket_id, state, version, status)
               WHERE t.ticket_id = u.ticket_id""",
            ordered,
            [states[t].model_dump(mode="json") for t in ordered],
            [states[t].version for t in ordered],
            [states[t].status for t in ordered],
        )

    return ConsumerSpec(
        name="intake.tickets",
        topics=[topic],
        decode=decode_ticket_event,
        handle=handle,
        dedupe_key=lambda e: str(e.event_id),
        handle_batch=handle_batch,
        wants=by_header(not_from=PRODUCER),  # its own events are skipped above: not even decoded
    )
