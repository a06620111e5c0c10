"""Durable timers: rows in the service's ``timers`` table, fired by a scheduler loop.

Any number of replicas run the loop: ``SELECT … FOR UPDATE SKIP LOCKED`` hands each due row to exactly
one of them, and the firing (the handler's events in the outbox, its state changes) commits together with
the timer's deletion, so each timer fires once. Only the firing reads the injected clock; due times come
from event time and policy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from .clock import Clock
from .metrics import TIMER_DELAY, TIMERS_FIRED
from .uow import OutboxRow, Tx, flush

log = logging.getLogger("helpdesk.timers")


@dataclass(frozen=True)
class Timer:
    key: str
    due_at: datetime
    kind: str
    entity_id: str
    payload: dict[str, Any]
    attempts: int


TimerHandler = Callable[[Tx, Timer], Awaitable[None]]


class TimerScheduler:
    def __init__(
        self,
        *,
        pool: asyncpg.Pool,
        schema: str,
        clock: Clock,
        handler: TimerHandler,
        topic_prefix: str = "",
        batch: int = 200,
        max_sleep: float = 0.2,
        attempts: int = 3,
    ) -> None:
        self.pool = pool
        self.schema = schema
        self.clock = clock
        self.handler = handler
        self.topic_prefix = topic_prefix
        self.batch = batch
        self.max_sleep = max_sleep
        self.attempts = attempts
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                fired = await self.fire_due()
                if fired >= self.batch:
                    continue
                sleep = await self._sleep_for()
            except Exception as exc:  # noqa: BLE001 - keep the loop alive through database outages
                log.warning("timer loop failed", extra={"error": repr(exc)})
                sleep = 1.0
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), sleep)

    async def _sleep_for(self) -> float:
        next_due: datetime | None = await self.pool.fetchval("SELECT min(due_at) FROM timers")
        if next_due is None:
            return self.max_sleep
        return max(0.0, min(self.max_sleep, (next_due - self.clock.now()).total_seconds()))

    async def fire_due(self) -> int:
        """Fire up to one batch of due timers in one transaction; returns how many were handled."""
        now = self.clock.now()
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT timer_key, due_at, kind, entity_id, payload, attempts FROM timers
                   WHERE due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED""",
                now,
                self.batch,
            )
            if not rows:
                return 0
            out: list[OutboxRow] = []
            done: list[str] = []
            for row in rows:
                timer = Timer(
                    row["timer_key"], row["due_at"], row["kind"], row["entity_id"], row["payload"], row["attempts"]
                )
                tx = Tx(conn, schema=self.schema, now=now, topic_prefix=self.topic_prefix)
                try:
                    async with conn.transaction():
                        await self.handler(tx, timer)
                except Exception as exc:  # noqa: BLE001 - a failing timer must not block the others
                    log.error("timer handler failed", extra={"timer": timer.key, "error": repr(exc)})
                    if timer.attempts + 1 >= self.attempts:
                        done.append(timer.key)
                    else:
                        await conn.execute(
                            "UPDATE timers SET attempts = attempts + 1, due_at = $2 WHERE timer_key = $1",
                            timer.key,
                            now,
                        )
                    continue
                out.extend(tx.rows)
                done.append(timer.key)
                TIMERS_FIRED.labels(timer.kind).inc()
                TIMER_DELAY.observe(max(0.0, (now - timer.due_at).total_seconds()))
            # A handler may have re-armed its own timer (same key, later due): delete only unchanged rows.
            await conn.execute(
                "DELETE FROM timers t USING unnest($1::text[], $2::timestamptz[]) AS f(k, d) "
                "WHERE t.timer_key = f.k AND t.due_at = f.d",
                done,
                [next(r["due_at"] for r in rows if r["timer_key"] == k) for k in done],
            )
            await flush(conn, self.schema, out)
            return len(rows)
