"""The batch path (one set-based write per poll) leaves exactly the rows the per-record path leaves: the
same events applied both ways into two schemas give byte-identical tickets, timeline and facts tables,
and the same change notifications in the same order."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from helpdesk_events import TicketEvent
from helpdesk_events import testing as b
from helpdesk_runtime.consumer import Record
from helpdesk_runtime.db import create_pool, migrate
from helpdesk_runtime.uow import Tx
from projections.adapters.schema import ddl
from projections.adapters.writes import CHANGES_CHANNEL
from projections.entrypoints.consumers import tickets_consumer

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
TABLES = ("tickets", "timeline", "facts")


def _for(event: Any, ticket: str) -> Any:
    """A builder's event (some are fixed to T-1) for ``ticket``, with its own event id."""
    return event.model_copy(update={"ticket_id": ticket, "event_id": uuid.uuid4()})


def life(n: int, tag: str) -> list[TicketEvent]:
    tid = f"eq-{tag}-{n}"
    at = [T0 + timedelta(minutes=n + 7 * i) for i in range(14)]
    folio = f"HD-2026-{uuid.uuid4().int % 10**6:06d}"
    subject = ["Impresora no imprime", 'VPN "caída" otra vez', "Laptop won't boot", "Ñandú \\ acentos"][n % 4]
    opened = b.opened(
        at=at[0],
        ticket=tid,
        folio=folio,
        subject=subject,
        body=f"Descripción {n}: {subject}",
        language=["es", "en", None, "pt"][n % 4],
        tags=[["vip", 'say "hi"'], [], ["a,b", "c\\d", "{x}"], ["NULL"]][n % 4],
        category="hardware" if n % 2 else None,
    )
    events: list[TicketEvent] = [
        b.assigned("ana", "l1", at=at[1], ticket=tid),  # folded before the opening: a placeholder first
        opened,
        b.policy(b.due("first_response", at[3]), b.due("resolution", at[9], 480), at=at[1], ticket=tid),
        _for(b.warned("first_response", at[3], 0.75, at=at[2]), tid),
        b.customer_message(at=at[2], ticket=tid),
        b.note(at=at[3], ticket=tid),
        b.replied(at=at[4], ticket=tid, agent="lucia"),
        _for(b.met("first_response", at[4], at[3]), tid),
        b.reprioritised("P1", at=at[5], ticket=tid),
        b.escalated(1, at=at[5], ticket=tid, to_team="l2"),
        b.escalated(1, at=at[6], ticket=tid),  # stale: ignored, still on the timeline
        b.status("resolved", at=at[7], ticket=tid, resolution=f"Cambio de tóner {n}"),
        b.status("open", at=at[8], ticket=tid, frm="resolved"),
        b.status("closed", at=at[9], ticket=tid),
        b.rated(1 + n % 5, at=at[10], ticket=tid),
        b.assigned("pedro", "l1", at=at[11], ticket=tid),  # after close: recorded, not applied
    ]
    if n % 3 == 0:
        events.append(_for(b.breached("resolution", at[9], at=at[12]), tid))
    return events


def interleave(lives: list[list[TicketEvent]]) -> list[TicketEvent]:
    """Events of several tickets mixed as a partition holds them (each ticket's own order kept)."""
    out: list[TicketEvent] = []
    for i in range(max(len(lf) for lf in lives)):
        out += [lf[i] for lf in lives if i < len(lf)]
    return out


def record(offset: int) -> Record:
    return Record("t", 0, offset, None, b"", 0)


@pytest.fixture
async def schemas(database: str) -> AsyncIterator[tuple[asyncpg.Pool, str, str, str]]:
    one, batch = (f"eq_{kind}_{uuid.uuid4().hex[:6]}" for kind in ("one", "batch"))
    pool = await create_pool(database, "public", max_size=2)
    try:
        for schema in (one, batch):
            await migrate(pool, schema, ddl(schema, analytics=False))
        yield pool, database, one, batch
    finally:
        async with pool.acquire() as conn:
            for schema in (one, batch):
                await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await pool.close()


async def apply(
    pool: asyncpg.Pool, dsn: str, schema: str, chunks: list[list[TicketEvent]], *, batch: bool
) -> list[str]:
    """Apply each chunk in one transaction (as one poll); returns the notifications, in order."""
    spec = tickets_consumer(topic="t")
    assert spec.handle_batch is not None
    heard: list[str] = []
    listener = await asyncpg.connect(dsn)
    await listener.add_listener(CHANGES_CHANNEL, lambda *args: heard.append(args[-1]))
    try:
        async with pool.acquire() as conn:
            await conn.execute(f"SET search_path = {schema}, public")
            offset = 0
            for chunk in chunks:
                async with conn.transaction():
                    tx = Tx(conn, schema=schema, now=T0, topic_prefix="")
                    if batch:
                        await spec.handle_batch(tx, [(e, record(offset + i)) for i, e in enumerate(chunk)])
                    else:
                        for i, e in enumerate(chunk):
                            await spec.handle(tx, e, record(offset + i))
                offset += len(chunk)
            await conn.execute("RESET search_path")
            await conn.execute("SELECT pg_sleep(0.2)")  # let the listener's connection deliver
        await listener.execute("SELECT 1")
    finally:
        await listener.close()
    return heard


async def digest(pool: asyncpg.Pool, schema: str, table: str) -> str:
    return str(
        await pool.fetchval(
            f"SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {schema}.{table} t"
        )
    )


async def test_batch_and_per_record_paths_write_identical_read_models(schemas):
    pool, dsn, one, batch = schemas
    tag = uuid.uuid4().hex[:6]
    events = interleave([life(n, tag) for n in range(12)])
    sizes = [1, 5, 40, 3, 500]  # polls of every size; later polls find the tickets already written
    chunks, at = [], 0
    for size in sizes:
        chunks.append(events[at : at + size])
        at += size
    assert at >= len(events) and all(chunks)

    heard_one = await apply(pool, dsn, one, chunks, batch=False)
    heard_batch = await apply(pool, dsn, batch, chunks, batch=True)

    for table in TABLES:
        assert await digest(pool, one, table) == await digest(pool, batch, table), table
    counts = await pool.fetchrow(
        f"SELECT (SELECT count(*) FROM {batch}.tickets) AS t, (SELECT count(*) FROM {batch}.timeline) AS e,"
        f" (SELECT count(*) FROM {batch}.facts) AS f"
    )
    assert (counts["t"], counts["e"]) == (12, len(events)) and counts["f"] > 12 * 5
    assert heard_batch == heard_one and len(heard_one) == len(events)
    assert [json.loads(p)["ticket_id"] for p in heard_batch] == [e.ticket_id for e in events]
    found = await pool.fetchval(
        f"SELECT count(*) FROM {batch}.tickets WHERE search @@ plainto_tsquery('spanish', 'impresora')"
        " AND kb_text LIKE '%descripcion%'"
    )
    assert found == 3
