"""``helpdesk replay SERVICE``: rebuild a deciding service's state from the Kafka log, without deciding again.

A deciding service's state (SLA clocks and timers, escalation cases) is a function of the log *and* of when
its own timers fired. Replaying the input topics alone would re-decide with today's clock; instead a
service declares a :class:`ReplaySpec`: consumers that apply the inputs as live does and treat the
service's **own events found in the log** as the decisions that were taken (a ``SlaBreached`` in the log
means "the breach timer fired here"), so the replay reaches the state the live service had, in the order
the log recorded it. What the replay would emit goes to the replay schema's outbox and is never published
(those events are already in the log); it is counted, and dropped before a switch.

Steps:
1. ``<schema>_replay`` is created fresh with the service's DDL; configuration history that is not in the
   log (``ReplaySpec.carry``, e.g. SLA policy-set versions) is copied from the live schema;
2. the replay consumers run from the beginning of every input topic under their own consumer group up to
   the end offsets seen at start (a progress bar shows events/s);
3. the result is compared with the live schema table by table (``ReplaySpec.compare``), printing equal /
   different / missing rows and the first differences;
4. with ``--switch``: refused while the live service runs (its outbox relay holds an advisory lock) or
   while its outbox holds unpublished events (decisions the log does not show yet); otherwise, in one
   transaction, the live schema is renamed ``<schema>_old_<time>`` and the replay schema takes its name.
   The service resumes from the replay's stored offsets. ``--drop-old`` drops the previous schema afterwards.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from .consumer import Consumer, ConsumerSpec, Record
from .db import check_schema_name, connect_options, create_pool, migrate
from .progress import Offsets, Progress, caught_up, progress, render


@dataclass(frozen=True)
class Compare:
    """A state table compared row by row, keyed by ``key``, ignoring bookkeeping columns."""

    table: str
    key: str
    ignore: tuple[str, ...] = ()


@dataclass
class ReplaySpec:
    consumers: list[ConsumerSpec[Any]]
    compare: list[Compare]
    carry: list[str] = field(default_factory=list)
    """Tables copied from the live schema first: configuration history the log does not hold."""
    prescan: Callable[[Record], None] | None = None
    """Shown every input record once before the replay, to learn what the log recorded of later decisions
    (e.g. which policy-set version a ticket opened under: a decision the replay must not take afresh)."""


@dataclass
class TableDiff:
    table: str
    equal: int = 0
    different: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)
    """For the first differences: what differs, as ``path: live → replay``."""
    only_live: list[str] = field(default_factory=list)
    only_replay: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return not (self.different or self.only_live or self.only_replay)


@dataclass
class ReplayResult:
    schema: str
    events: int
    seconds: float
    rederived: int
    diffs: list[TableDiff]
    switched_old: str | None = None

    @property
    def same(self) -> bool:
        return all(d.same for d in self.diffs)


async def topic_bounds(bootstrap: str, topics: list[str], kafka_options: dict[str, Any]) -> tuple[Offsets, Offsets]:
    """Beginning and end offsets of every partition of ``topics``."""
    client = AIOKafkaConsumer(bootstrap_servers=bootstrap, **kafka_options)
    await client.start()
    try:
        await client._client.force_metadata_update()  # noqa: SLF001 - metadata of topics not subscribed to
        tps = [TopicPartition(t, p) for t in topics for p in sorted(client.partitions_for_topic(t) or ())]
        starts = await client.beginning_offsets(tps)
        ends = await client.end_offsets(tps)
        return _keyed(starts), _keyed(ends)
    finally:
        await client.stop()


async def scan(
    bootstrap: str, start: Offsets, end: Offsets, kafka_options: dict[str, Any], see: Callable[[Record], None]
) -> int:
    """Show ``see`` every record between ``start`` and ``end`` (read-only; no consumer group)."""
    wanted = {TopicPartition(t, p): off for (t, p), off in end.items() if off > start[(t, p)]}
    if not wanted:
        return 0
    client = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, isolation_level="read_committed", **kafka_options
    )
    await client.start()
    seen = 0
    try:
        client.assign(list(wanted))
        for tp in wanted:
            client.seek(tp, start[(tp.topic, tp.partition)])
        while wanted:
            batch = await client.getmany(*wanted, timeout_ms=500, max_records=5000)
            for tp, messages in batch.items():
                for m in messages:
                    if m.offset < wanted.get(tp, 0):
                        see(
                            Record(m.topic, m.partition, m.offset, m.key, m.value or b"", m.timestamp, tuple(m.headers))
                        )
                        seen += 1
            for tp in list(wanted):
                if await client.position(tp) >= wanted[tp]:
                    del wanted[tp]
        return seen
    finally:
        await client.stop()


def _keyed(offsets: dict[TopicPartition, int]) -> Offsets:
    return {(tp.topic, tp.partition): offset for tp, offset in offsets.items()}


async def _stored(pool: asyncpg.Pool, names: list[str]) -> dict[str, Offsets]:
    rows = await pool.fetch(
        "SELECT consumer, topic, partition, next_offset FROM consumer_offsets WHERE consumer = ANY($1::text[])", names
    )
    out: dict[str, Offsets] = {n: {} for n in names}
    for r in rows:
        out[r["consumer"]][(r["topic"], r["partition"])] = r["next_offset"]
    return out


async def _rows(conn: asyncpg.Connection, schema: str, c: Compare) -> dict[str, str]:
    if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f"{schema}.{c.table}"):
        return {}  # no live schema (PostgreSQL recovered empty): everything is "only in the replay"
    drop = "".join(f" - '{col}'" for col in c.ignore)
    rows = await conn.fetch(
        f"SELECT {c.key}::text AS k, (to_jsonb(t){drop})::text AS v FROM {schema}.{c.table} t"  # noqa: S608 - names from code
    )
    # Normalise through Python so key order and number formatting never count as a difference.
    return {r["k"]: json.dumps(json.loads(r["v"]), sort_keys=True) for r in rows}


def _delta(a: Any, b: Any, path: str = "") -> list[str]:
    """The leaves where two JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [line for k in sorted(a.keys() | b.keys()) for line in _delta(a.get(k), b.get(k), f"{path}.{k}")]
    if a == b:
        return []
    return [f"{path.lstrip('.') or '(value)'}: {json.dumps(a)} -> {json.dumps(b)}"]


async def compare(conn: asyncpg.Connection, live: str, replayed: str, tables: list[Compare]) -> list[TableDiff]:
    diffs = []
    for c in tables:
        a, b = await _rows(conn, live, c), await _rows(conn, replayed, c)
        d = TableDiff(c.table)
        for k in a.keys() & b.keys():
            if a[k] == b[k]:
                d.equal += 1
            else:
                d.different.append(k)
        d.only_live = sorted(a.keys() - b.keys())
        d.only_replay = sorted(b.keys() - a.keys())
        d.different.sort()
        for k in d.different[:5]:
            d.details[k] = "; ".join(_delta(json.loads(a[k]), json.loads(b[k])))[:600]
        diffs.append(d)
    return diffs


async def service_running(conn: asyncpg.Connection, schema: str) -> bool:
    """The live service's outbox relay holds ``relay:<schema>`` while any replica runs."""
    got = await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", f"relay:{schema}")
    if got:
        await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", f"relay:{schema}")
    return not got


async def switch(conn: asyncpg.Connection, *, live: str, replayed: str) -> str:
    old = f"{live}_old_{datetime.now(UTC):%Y%m%d%H%M%S}"
    async with conn.transaction():
        if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f"{live}.outbox"):
            # Nothing live (PostgreSQL recovered empty, or the service never ran): the replay becomes it.
            await conn.execute(f"DELETE FROM {replayed}.outbox")  # noqa: S608 - re-derived events: already in the log
            await conn.execute(f"DROP SCHEMA IF EXISTS {live} CASCADE")
            await conn.execute(f"ALTER SCHEMA {replayed} RENAME TO {live}")
            return ""
        # A decision still in the live outbox is not in the log, so the replay does not know it was taken.
        pending = await conn.fetchval(f"SELECT count(*) FROM {live}.outbox")  # noqa: S608 - checked name
        if pending:
            raise RuntimeError(
                f"{live}.outbox holds {pending} unpublished event(s): start the service until its outbox is "
                "drained (helpdesk status), stop it, and replay again"
            )
        await conn.execute(f"DELETE FROM {replayed}.outbox")  # noqa: S608 - re-derived events: already in the log
        await conn.execute(f"ALTER SCHEMA {live} RENAME TO {old}")
        await conn.execute(f"ALTER SCHEMA {replayed} RENAME TO {live}")
    return old


async def replay(
    *,
    name: str,
    live: str,
    spec: ReplaySpec,
    ddl: str,
    dsn: str,
    bootstrap: str,
    topic_prefix: str,
    kafka_options: Callable[[], dict[str, Any]],
    make_clock: Callable[[], Any],
    on_start: list[Callable[[asyncpg.Pool], Awaitable[None]]],
    do_switch: bool = False,
    drop_old: bool = False,
    out: TextIO = sys.stderr,
) -> ReplayResult:
    target = check_schema_name(f"{check_schema_name(live)}_replay")
    pool = await create_pool(dsn, target, max_size=4)
    try:
        async with pool.acquire() as conn:
            await conn.execute(f"DROP SCHEMA IF EXISTS {target} CASCADE")
        await migrate(pool, target, ddl)
        async with pool.acquire() as conn:
            for table in spec.carry:
                exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f"{live}.{table}")
                if exists:
                    await conn.execute(f"INSERT INTO {target}.{table} SELECT * FROM {live}.{table}")  # noqa: S608
        for hook in on_start:
            await hook(pool)
        topics = sorted({t for c in spec.consumers for t in c.topics})
        start, end = await topic_bounds(bootstrap, topics, kafka_options())
        if spec.prescan is not None:
            scanned = await scan(bootstrap, start, end, kafka_options(), spec.prescan)
            out.write(f"scanned {scanned} records for recorded decisions\n")
        group = f"{topic_prefix}replay-{name}-{uuid.uuid4().hex[:8]}."
        consumers: list[Consumer[Any]] = [
            Consumer(
                c,
                pool=pool,
                schema=target,
                bootstrap=bootstrap,
                clock=make_clock(),
                topic_prefix=topic_prefix,
                group_prefix=group,
                batch=2000,
                kafka_options=kafka_options(),
            )
            for c in spec.consumers
        ]
        wanted = {c.name: {tp: off for tp, off in end.items() if tp[0] in c.topics} for c in spec.consumers}
        total = sum(off - start[tp] for w in wanted.values() for tp, off in w.items())
        tasks = [asyncio.create_task(c.run(), name=f"replay:{c.name}") for c in consumers]
        began = time.monotonic()
        try:
            while True:
                stored = await _stored(pool, list(wanted))
                elapsed = time.monotonic() - began
                parts = [progress(start, w, stored[n], elapsed) for n, w in wanted.items()]
                out.write("\r" + render(Progress(sum(p.done for p in parts), total, elapsed)))
                out.flush()
                if all(caught_up(w, stored[n], start) for n, w in wanted.items()):
                    break
                failed = [t for t in tasks if t.done()]
                if failed:
                    await asyncio.gather(*failed)
                    raise RuntimeError("the replay stopped")
                await asyncio.sleep(0.3)
        finally:
            for c in consumers:
                c.stop()
            await asyncio.gather(*tasks, return_exceptions=True)
        seconds = time.monotonic() - began
        out.write("\n")
        async with pool.acquire() as conn:
            rederived = await conn.fetchval("SELECT count(*) FROM outbox")
            diffs = await compare(conn, live, target, spec.compare)
        result = ReplayResult(target, total, seconds, rederived, diffs)
        for d in diffs:
            verdict = "same" if d.same else "DIFFERENT"
            out.write(
                f"{d.table}: {verdict}: {d.equal} equal, {len(d.different)} different, "
                f"{len(d.only_live)} only in {live}, {len(d.only_replay)} only in the replay\n"
            )
            for label, keys in (("different", d.different), ("only live", d.only_live), ("only replay", d.only_replay)):
                for k in keys[:5]:
                    detail = f" ({d.details[k]})" if k in d.details else ""
                    out.write(f"  {label}: {k}{detail}\n")
        out.write(f"replayed {total} records in {seconds:.1f} s; {rederived} decisions re-derived (not published)\n")
        if do_switch:
            conn = await asyncpg.connect(dsn, **connect_options(dsn))
            try:
                if await service_running(conn, live):
                    raise RuntimeError(f"{name} is running (its relay holds the lock): stop it before --switch")
                result.switched_old = await switch(conn, live=live, replayed=target) or None
                if drop_old and result.switched_old:
                    await conn.execute(f"DROP SCHEMA {result.switched_old} CASCADE")
            finally:
                await conn.close()
            kept = f"; the previous one is {result.switched_old}" if result.switched_old and not drop_old else ""
            out.write(f"switched: {live} is the replayed schema{kept}\n")
        return result
    finally:
        await pool.close()
