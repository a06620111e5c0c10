"""Stall timers firing: escalate when the ticket is still unassigned / still without an agent reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from helpdesk_runtime.timers import Timer
from helpdesk_runtime.uow import Tx

from ..adapters import store
from ..domain.decide import fire_timer
from ..domain.matrix import Directory, Matrix
from .apply import commit

RETRY_LOCKED = timedelta(milliseconds=500)


def timer_handler(matrix: Matrix, directory: Directory) -> Callable[[Tx, Timer], Awaitable[None]]:
    async def on_timer(tx: Tx, timer: Timer) -> None:
        # SKIP LOCKED: a consumer holding the ticket may be waiting on this very timer row; never wait on it.
        row = await store.lock(tx.conn, timer.entity_id, skip_locked=True)
        if row is None or row.case is None:
            if await store.exists(tx.conn, timer.entity_id):  # busy: look again shortly (a new due keeps the row)
                await tx.set_timer(timer.key, tx.now + RETRY_LOCKED, timer.kind, timer.entity_id, timer.payload)
            return
        key = str(timer.payload["key"])
        due = datetime.fromisoformat(str(timer.payload["due"]))
        reaction = fire_timer(matrix, directory, row.case, key, tx.now)
        armed = {k: v for k, v in row.armed.items() if k != key}
        await commit(tx, matrix, reaction, armed, at=due, correlation=row.correlation)

    return on_timer
