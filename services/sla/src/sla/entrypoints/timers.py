"""SLA timers firing: a warning or a breach, decided by domain.decide like any other input."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from helpdesk_runtime.timers import Timer
from helpdesk_runtime.uow import Tx

from ..domain.decide import TimerFired
from ..domain.publish import Cause
from .process import Configuration, step


def timer_handler(config: Configuration) -> Callable[[Tx, Timer], Awaitable[None]]:
    async def on_timer(tx: Tx, timer: Timer) -> None:
        target = timer.payload.get("target")
        threshold = timer.payload.get("threshold")
        if target not in ("first_response", "next_response", "resolution") or timer.kind not in ("breach", "warning"):
            return
        fired = TimerFired(
            target=target,
            kind="breach" if timer.kind == "breach" else "warning",
            at=timer.due_at,
            threshold=float(threshold) if threshold is not None else None,
        )
        row = await tx.conn.fetchrow(
            "SELECT tenant, correlation FROM sla_tickets WHERE ticket_id = $1", timer.entity_id
        )
        if row is None:
            return
        cause = Cause(
            f"{timer.key}@{timer.due_at.isoformat()}", timer.entity_id, row["tenant"], None, row["correlation"]
        )
        await step(tx, config, timer.entity_id, fired, cause)

    return on_timer
