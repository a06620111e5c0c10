"""One ``LISTEN`` connection shared by every live subscriber (GET /v1/stream), opened with the first
subscriber and closed with the last, outside the pool so streams never starve queries."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg

from .writes import CHANGES_CHANNEL

CLOSED = ""
"""Put on every subscriber's queue when the listening connection is lost: the stream ends and the
client (EventSource) reconnects."""


class ChangeFeed:
    def __init__(self, dsn: str, *, queue_size: int = 1000) -> None:
        self._dsn = dsn
        self._queue_size = queue_size
        self._subscribers: set[asyncio.Queue[str]] = set()
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()

    async def subscribe(self) -> asyncio.Queue[str]:
        async with self._lock:
            if self._conn is None or self._conn.is_closed():
                conn = await asyncpg.connect(self._dsn)
                await conn.add_listener(CHANGES_CHANNEL, self._on_notify)
                conn.add_termination_listener(self._on_lost)
                self._conn = conn
            queue: asyncio.Queue[str] = asyncio.Queue(maxsize=self._queue_size)
            self._subscribers.add(queue)
            return queue

    async def unsubscribe(self, queue: asyncio.Queue[str]) -> None:
        async with self._lock:
            self._subscribers.discard(queue)
            if not self._subscribers and self._conn is not None:
                conn, self._conn = self._conn, None
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        for queue in self._subscribers:
            with contextlib.suppress(asyncio.QueueFull):  # a stalled client misses changes, others don't wait
                queue.put_nowait(payload)

    def _on_lost(self, _conn: Any) -> None:
        self._conn = None
        for queue in self._subscribers:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(CLOSED)
