"""The unit of work a handler runs in: one PostgreSQL transaction holding state, offsets, outbox and timers.

Handlers write their own state through ``tx.conn`` and record what they decide with ``tx.emit``; the
runtime writes the outbox rows in one statement when the transaction is about to commit, so the events
and the state change commit together or not at all.

Ordering: rows of the same key must be inserted under the entity's row lock (``SELECT … FOR UPDATE`` on
the service's row for that ticket or agent), which every service does before deciding. Then the outbox id
order equals the commit order per key, and the relay, which publishes in id order, keeps per-key order.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
from helpdesk_events import AnyEvent, encode, partition_key
from helpdesk_events.topics import DIRECTORY, TICKETS

from .logs import correlation_id


@dataclass(frozen=True)
class OutboxRow:
    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)


def outbox_channel(schema: str) -> str:
    return f"outbox_{schema}"


class Tx:
    """What a handler may do inside the processing transaction."""

    def __init__(self, conn: asyncpg.Connection, *, schema: str, now: datetime, topic_prefix: str = "") -> None:
        self.conn = conn
        self.schema = schema
        self.now = now
        self.topic_prefix = topic_prefix
        self.rows: list[OutboxRow] = []

    def topic(self, base: str) -> str:
        return f"{self.topic_prefix}{base}"

    def emit(self, event: AnyEvent, topic: str | None = None) -> None:
        """Record an event for publication. The default topic follows the event's kind."""
        if topic is None:
            topic = self.topic(DIRECTORY if hasattr(event, "entity_id") else TICKETS)
        headers: list[tuple[str, str]] = [("type", str(event.type)), ("producer", str(event.producer))]
        if event.correlation_id is not None:
            headers.append(("correlation_id", str(event.correlation_id)))
        self.rows.append(OutboxRow(topic, partition_key(event), encode(event), headers))

    def publish(
        self, topic: str, key: bytes | None, value: bytes, headers: list[tuple[str, str]] | None = None
    ) -> None:
        """Record a raw record (dead letters, inbound messages accepted over HTTP)."""
        self.rows.append(OutboxRow(topic, key, value, headers or []))

    async def set_timer(
        self, key: str, due_at: datetime, kind: str, entity_id: str, payload: dict[str, Any] | None = None
    ) -> None:
        await self.conn.execute(
            """INSERT INTO timers (timer_key, due_at, kind, entity_id, payload) VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (timer_key) DO UPDATE SET due_at = EXCLUDED.due_at, kind = EXCLUDED.kind,
               entity_id = EXCLUDED.entity_id, payload = EXCLUDED.payload, attempts = 0""",
            key,
            due_at,
            kind,
            entity_id,
            payload or {},
        )

    async def cancel_timer(self, key: str) -> None:
        await self.conn.execute("DELETE FROM timers WHERE timer_key = $1", key)

    async def cancel_timers(self, prefix: str) -> None:
        await self.conn.execute("DELETE FROM timers WHERE timer_key LIKE $1", prefix.replace("%", r"\%") + "%")


async def flush(conn: asyncpg.Connection, schema: str, rows: list[OutboxRow]) -> None:
    """Insert outbox rows in one statement and wake the relay at commit."""
    if not rows:
        return
    await conn.execute(
        """INSERT INTO outbox (topic, key, value, headers)
           SELECT t, k, v, h::jsonb FROM unnest($1::text[], $2::bytea[], $3::bytea[], $4::text[]) AS u(t, k, v, h)""",
        [r.topic for r in rows],
        [r.key for r in rows],
        [r.value for r in rows],
        [json.dumps(r.headers) for r in rows],
    )
    await conn.execute("SELECT pg_notify($1, '')", outbox_channel(schema))


@asynccontextmanager
async def unit_of_work(pool: asyncpg.Pool, *, schema: str, now: datetime, topic_prefix: str = "") -> AsyncIterator[Tx]:
    """One transaction for an HTTP command or a job: state, outbox and timers commit together."""
    async with pool.acquire() as conn, conn.transaction():
        tx = Tx(conn, schema=schema, now=now, topic_prefix=topic_prefix)
        yield tx
        await flush(conn, schema, tx.rows)


def current_correlation() -> str | None:
    return correlation_id.get()
