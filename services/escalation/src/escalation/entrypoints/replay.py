"""How ``helpdesk replay escalation`` rebuilds the cases and stall timers from the log (helpdesk_runtime.replay).

Ticket events are applied exactly as live (``react``: SLA facts, reopens and VIP customers are decided
again from the case, which is a function of the log; stall timers are armed at event time plus the level's
``after_minutes``). The service's own ``TicketEscalated`` events in the log record the decisions that had
no input event of their own:

* trigger ``unassigned_too_long`` / ``no_agent_reply``: the stall timer fired there. The replay fires the
  armed timer of that ticket, trigger and due time (the event's ``occurred_at`` is the timer's due time)
  through the live timer handler, and deletes the fired row as the scheduler does;
* trigger ``manual``: an agent's HTTP request. The replay climbs the next manual level again (as the
  endpoint does) with the reason the log recorded. The idempotency answers (``manual_requests``: request
  id and tenant are not in the event) are carried over from the live schema;
* the other triggers were decided from an input event the replay has just applied: nothing to do.

Then the event itself is folded into the case, as live does when its echo comes back. A recorded stall
escalation with no matching armed timer, or a manual one with no manual level left, is logged: the live
service decided it on a case that had not yet seen an input the log holds before the escalation (a race
between a firing and an assignment, say); the comparison with the live schema then shows the ticket.

The notices consumer is not replayed (it would deliver the notices again); instead the replay schema takes
over the live notices consumer's stored offsets and dedupe keys, so after a switch the notices already
delivered are not delivered twice.

Configuration is not versioned: escalation.yaml, teams.yaml and routing.yaml are replayed as they are now.
A matrix or tier ladder edited since the history was written re-decides differently; the comparison shows
it (a recorded escalation the replay did not decide is logged).
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from helpdesk_events import TicketEscalated, TicketEvent
from helpdesk_runtime.consumer import Record
from helpdesk_runtime.db import check_schema_name
from helpdesk_runtime.replay import Compare, ReplaySpec
from helpdesk_runtime.timers import Timer, TimerHandler
from helpdesk_runtime.uow import Tx

from ..adapters import store
from ..domain.decide import request_manual
from ..domain.events import PRODUCER
from ..domain.matrix import STALL_TRIGGERS, Directory, Matrix
from ..domain.stalls import timer_key
from .apply import commit
from .tickets_consumer import tickets_consumer

log = logging.getLogger("helpdesk.escalation.replay")

NOTICES = "escalation.notices"


async def fire_recorded(tx: Tx, event: TicketEscalated, fire: TimerHandler) -> bool:
    """Fire the armed stall timer the live service fired to record ``event``; False if none is armed."""
    rows = await tx.conn.fetch(
        """SELECT timer_key, due_at, kind, entity_id, payload, attempts FROM timers
           WHERE entity_id = $1 AND kind = $2 AND starts_with(timer_key, $3) ORDER BY timer_key FOR UPDATE""",
        event.ticket_id,
        event.data.trigger,
        timer_key(event.ticket_id, ""),
    )
    due = [r for r in rows if datetime.fromisoformat(str(r["payload"].get("due"))) == event.occurred_at]
    # Two levels of one trigger due at the same instant: the level the event names first.
    due.sort(key=lambda r: not str(r["payload"].get("key", "")).endswith(f":{event.data.level}"))
    if not due:
        return False
    row = due[0]
    timer = Timer(row["timer_key"], row["due_at"], row["kind"], row["entity_id"], row["payload"], row["attempts"])
    # The scheduler fires a timer at or after its due time: the handler sees at least that instant.
    firing = Tx(tx.conn, schema=tx.schema, now=max(tx.now, event.occurred_at), topic_prefix=tx.topic_prefix)
    await fire(firing, timer)
    tx.rows.extend(firing.rows)
    # As the scheduler does: the fired row goes, unless the handler re-armed it with another due time.
    await tx.conn.execute("DELETE FROM timers WHERE timer_key = $1 AND due_at = $2", timer.key, timer.due_at)
    return True


async def request_recorded(tx: Tx, matrix: Matrix, directory: Directory, event: TicketEscalated) -> bool:
    """Climb the manual level the agent's request climbed, as the endpoint does; False if there is none."""
    row = await store.lock(tx.conn, event.ticket_id)
    if row is None or row.case is None:
        return False
    reaction = request_manual(matrix, directory, row.case, None, None)
    if not reaction.escalations:
        return False
    [esc] = reaction.escalations
    if (esc.level, esc.to_team) != (event.data.level, event.data.to_team):
        log.warning(
            "recorded manual escalation differs from the one replayed",
            extra={"ticket_id": event.ticket_id, "recorded": event.data.level, "replayed": esc.level},
        )
    # The reason holds the agent and their words, which only the event kept.
    reaction = dataclasses.replace(reaction, escalations=[dataclasses.replace(esc, reason=event.data.reason)])
    await commit(tx, matrix, reaction, row.armed, at=event.occurred_at, correlation=row.correlation)
    return True


async def carry_notices_position(tx: Tx, live: str, record: Record, *, live_exists: bool) -> None:
    """Take over the live notices consumer's offsets and dedupe keys (once: the first replayed record).

    With no live schema (PostgreSQL lost, no backup) there is no position to take over: the notices of
    everything replayed count as delivered, so the recovered service does not page everyone again about
    the whole history (a notice the lost database had not delivered yet is not sent: its escalation is
    in the log and on the dashboards)."""
    if not live_exists:
        await tx.conn.execute(
            """INSERT INTO consumer_offsets (consumer, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
               ON CONFLICT (consumer, topic, partition) DO UPDATE
               SET next_offset = GREATEST(consumer_offsets.next_offset, EXCLUDED.next_offset), updated_at = now()""",
            NOTICES,
            record.topic,
            record.partition,
            record.offset + 1,
        )
        return
    if await tx.conn.fetchval("SELECT true FROM consumer_offsets WHERE consumer = $1 LIMIT 1", NOTICES):
        return
    for table in ("consumer_offsets", "processed"):
        await tx.conn.execute(
            f"INSERT INTO {table} SELECT * FROM {live}.{table} WHERE consumer = $1 ON CONFLICT DO NOTHING",  # noqa: S608 - checked name
            NOTICES,
        )


def replay_spec(matrix: Matrix, directory: Directory, fire: TimerHandler, *, topic: str, live: str) -> ReplaySpec:
    live = check_schema_name(live)

    applied = tickets_consumer(matrix, directory, topic=topic)

    live_exists: bool | None = None  # the live schema does not come or go during a replay

    async def handle(tx: Tx, event: TicketEvent, record: Record) -> None:
        nonlocal live_exists
        if live_exists is None:
            live_exists = bool(await tx.conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f"{live}.consumer_offsets"))
        await carry_notices_position(tx, live, record, live_exists=live_exists)
        if isinstance(event, TicketEscalated) and event.producer == PRODUCER:
            await redo(tx, event)
        await applied.handle(tx, event, record)  # then fold it, as live does when the echo comes back

    async def redo(tx: Tx, event: TicketEscalated) -> None:
        trigger = event.data.trigger
        if trigger in STALL_TRIGGERS and not await fire_recorded(tx, event, fire):
            log.warning(
                "recorded stall escalation has no armed timer in the replay",
                extra={"ticket_id": event.ticket_id, "trigger": trigger, "due": event.occurred_at.isoformat()},
            )
        elif trigger == "manual" and not await request_recorded(tx, matrix, directory, event):
            log.warning("recorded manual escalation has no manual level left", extra={"ticket_id": event.ticket_id})
        row = await store.load(tx.conn, event.ticket_id)
        if row is None or row.case is None or row.case.level < event.data.level:
            log.warning(
                "recorded escalation not decided by the replay (configuration changed since?)",
                extra={"ticket_id": event.ticket_id, "trigger": trigger, "level": event.data.level},
            )

    return ReplaySpec(
        consumers=[dataclasses.replace(applied, handle=handle, handle_batch=None, wants=None)],
        compare=[
            Compare("tickets", "ticket_id", ignore=("updated_at",)),
            Compare("timers", "timer_key", ignore=("attempts",)),
        ],
        carry=["manual_requests"],
    )
