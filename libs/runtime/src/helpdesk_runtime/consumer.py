"""Batch consumer with offsets, dedupe, state and outbox in one PostgreSQL transaction (DESIGN §3).

Per batch (the records of every partition one poll returned):
  fast path: one transaction applies every record; if any handler raises, the transaction is rolled
  back and the batch is re-applied on the slow path;
  slow path: each record in its own savepoint, retried ``attempts`` times, then dead-lettered with the
  original topic/partition/offset, the error and the consumer, so the partition keeps moving.
Offsets live in ``consumer_offsets`` and are read with a row lock at the start of each batch: a zombie
consumer that lost its partition in a rebalance finds the offset already advanced and applies nothing.
On assignment the consumer seeks to the stored offsets; Kafka's committed offsets are advisory only.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from helpdesk_events.topics import DEADLETTER

from .clock import Clock
from .logs import correlation_id
from .metrics import CONSUMED, DEADLETTERED, DUPLICATES, HANDLER_SECONDS, LAG
from .uow import OutboxRow, Tx, flush

log = logging.getLogger("helpdesk.consumer")

T = TypeVar("T")

# Failures of the infrastructure, not of the record: the batch is retried from the stored offset.
TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,  # a connection left mid-operation by a server going away
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
)


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    timestamp: int
    headers: tuple[tuple[str, bytes], ...] = ()


Handler = Callable[[Tx, T, Record], Awaitable[None]]


@dataclass
class ConsumerSpec(Generic[T]):
    """What a service consumes and how. ``name`` identifies the consumer group and its stored offsets."""

    name: str
    topics: list[str]
    decode: Callable[[bytes], T]
    handle: Handler[T]
    dedupe_key: Callable[[T], str | None] | None = None
    correlation: Callable[[T], str | None] | None = None
    # Optional fast path: the whole batch's fresh messages in one call (e.g. a projection writing one row
    # per ticket instead of one per event). If it raises, the batch is re-applied record by record with
    # ``handle`` in savepoints, so poison is still isolated and dead-lettered.
    handle_batch: Callable[[Tx, list[tuple[T, Record]]], Awaitable[None]] | None = None
    # Called in the same transaction when a record is dead-lettered (message is None if undecodable).
    on_dead: Callable[[asyncpg.Connection, Record, T | None, str], Awaitable[None]] | None = None
    # Optional cheap pre-filter on the record (its headers): False means the handler would ignore it, so it
    # is not decoded, not deduplicated and not handled; its offset advances with the batch. See ``by_header``.
    wants: Callable[[Record], bool] | None = None


def by_header(types: Iterable[str] | None = None, *, not_from: str | None = None) -> Callable[[Record], bool]:
    """A ``ConsumerSpec.wants`` from the headers every event carries (``type``, ``producer``: see
    ``Tx.emit``): only these event types, and none that ``not_from`` produced. A record without the header
    (published before headers existed, or by hand) is always wanted, so it is decoded and judged in full."""
    wanted = frozenset(t.encode() for t in types) if types is not None else None
    own = not_from.encode() if not_from is not None else None

    def wants(record: Record) -> bool:
        for name, value in record.headers:
            if name == "type" and wanted is not None and value not in wanted:
                return False
            if name == "producer" and own is not None and value == own:
                return False
        return True

    return wants


class PoisonError(Exception):
    """A record that cannot be applied; carries the reason for the dead letter."""


def dead_letter(record: Record, *, consumer: str, error: str, attempts: int, topic: str) -> OutboxRow:
    value = json.dumps(
        {
            "original_topic": record.topic,
            "original_partition": record.partition,
            "original_offset": record.offset,
            "original_key_b64": base64.b64encode(record.key).decode() if record.key is not None else None,
            "original_value_b64": base64.b64encode(record.value).decode(),
            "original_headers": {k: v.decode("utf-8", "replace") for k, v in record.headers},
            "error": error,
            "consumer": consumer,
            "attempts": attempts,
            "failed_at": datetime.now(UTC).isoformat(),
        },
        separators=(",", ":"),
    ).encode()
    headers = [("original_topic", record.topic), ("consumer", consumer), ("error", error[:500])]
    return OutboxRow(topic, record.key, value, headers)


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, owner: Consumer[Any]) -> None:
        self._owner = owner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        await self._owner.seek_to_stored(assigned)


class Consumer(Generic[T]):
    def __init__(
        self,
        spec: ConsumerSpec[T],
        *,
        pool: asyncpg.Pool,
        schema: str,
        bootstrap: str,
        clock: Clock,
        topic_prefix: str = "",
        group_prefix: str = "",
        batch: int = 500,
        attempts: int = 3,
        kafka_options: dict[str, Any] | None = None,
    ) -> None:
        self.spec = spec
        self.pool = pool
        self.schema = schema
        self.clock = clock
        self.topic_prefix = topic_prefix
        self.attempts = attempts
        self.batch = batch
        self.started = False
        self.missing_topics: list[str] = []
        """The topics this consumer waits for before joining its group (empty once they all exist)."""
        self._stop = asyncio.Event()
        options: dict[str, Any] = {
            "bootstrap_servers": bootstrap,
            "group_id": f"{group_prefix}helpdesk.{spec.name}",
            "client_id": f"helpdesk.{spec.name}",
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "max_poll_records": batch,
            "isolation_level": "read_committed",
            **(kafka_options or {}),
        }
        # An aiokafka consumer cannot be started again once stopped: every run (the service restarts a
        # failed part by running it again) gets a new one.
        self._options = options
        self._kafka = self._new_kafka()
        self._runs = 0
        self._deadletter_topic = f"{topic_prefix}{DEADLETTER}"
        self._last_lag = 0.0
        self._backoff = 0.5

    def _new_kafka(self) -> AIOKafkaConsumer[bytes, bytes]:
        return AIOKafkaConsumer(**self._options)

    @property
    def name(self) -> str:
        return self.spec.name

    def stop(self) -> None:
        self._stop.set()

    async def seek_to_stored(self, partitions: set[TopicPartition]) -> None:
        if not partitions:
            return
        while True:
            try:
                rows = await self.pool.fetch(
                    "SELECT topic, partition, next_offset FROM consumer_offsets WHERE consumer = $1",
                    self.spec.name,
                )
                break
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("cannot read stored offsets, retrying", extra={"error": str(exc)})
                await asyncio.sleep(1)
        stored = {(r["topic"], r["partition"]): r["next_offset"] for r in rows}
        for tp in partitions:
            offset = stored.get((tp.topic, tp.partition))
            if offset is None:
                await self._kafka.seek_to_beginning(tp)
            else:
                self._kafka.seek(tp, offset)

    async def _await_topics(self) -> None:
        """Join the group only once the broker knows every topic's partitions. A member that joins before
        (topics just created, a restarted broker still loading them) is given no partitions, and aiokafka
        looks at the metadata again only after ``metadata_max_age_ms`` (5 minutes): the service would sit
        idle and look ready. Until then the consumer is not started, so the service is not ready."""
        delay = 0.1
        while not self._stop.is_set():
            await self._kafka._client.force_metadata_update()  # noqa: SLF001 - metadata of topics not subscribed yet
            missing = [t for t in self.spec.topics if not self._kafka.partitions_for_topic(t)]
            self.missing_topics = missing
            if not missing:
                return
            if delay >= 1:
                log.warning("waiting for topics to exist", extra={"consumer": self.name, "missing": missing})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def run(self) -> None:
        if self._runs:
            self._kafka = self._new_kafka()
        self._runs += 1
        await self._kafka.start()
        try:
            await self._await_topics()
            if self._stop.is_set():
                return
            self._kafka.subscribe(self.spec.topics, listener=_Rebalance(self))
            self.started = True
            log.info("consumer started", extra={"consumer": self.name, "topics": self.spec.topics})
            while not self._stop.is_set():
                fetched = await self._kafka.getmany(timeout_ms=200, max_records=self.batch)
                records = [
                    Record(m.topic, m.partition, m.offset, m.key, m.value or b"", m.timestamp, tuple(m.headers or ()))
                    for tp in sorted(fetched, key=lambda t: (t.topic, t.partition))
                    for m in fetched[tp]
                ]
                if records:
                    await self._apply_with_recovery(set(fetched), records)
                await self._update_lag()
        finally:
            self.started = False
            await self._kafka.stop()

    async def _update_lag(self) -> None:
        now = time.monotonic()
        if now - self._last_lag < 1.0:
            return
        self._last_lag = now
        for tp in self._kafka.assignment():
            high = self._kafka.highwater(tp)
            if high is None:
                continue
            try:
                pos = await self._kafka.position(tp)
            except Exception:  # noqa: BLE001, S112 - lag is best effort
                continue
            LAG.labels(self.name, tp.topic, str(tp.partition)).set(max(0, high - pos))

    async def _apply_with_recovery(self, partitions: set[TopicPartition], records: list[Record]) -> None:
        try:
            await self.apply(records)
        except (*TRANSIENT, asyncpg.PostgresError) as exc:
            log.warning(
                "batch failed on infrastructure, will retry from stored offsets",
                extra={"consumer": self.name, "partitions": len(partitions), "error": repr(exc)},
            )
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._backoff)
            self._backoff = min(self._backoff * 2, 10)
            await self.seek_to_stored(partitions & self._kafka.assignment())
        else:
            self._backoff = 0.5

    async def apply(self, records: list[Record]) -> None:
        """Apply a batch (records of one or more partitions, each in offset order) exactly once, in one
        transaction with the offsets of every partition it touches."""
        if not records:
            return
        started = time.perf_counter()
        async with self.pool.acquire() as conn:
            try:
                async with conn.transaction():
                    applied = await self._apply_in_tx(conn, records, careful=False)
            except _HandlerFailed:
                async with conn.transaction():
                    applied = await self._apply_in_tx(conn, records, careful=True)
        HANDLER_SECONDS.labels(self.name).observe(time.perf_counter() - started)
        for topic, count in applied.items():
            CONSUMED.labels(self.name, topic).inc(count)

    async def _apply_in_tx(self, conn: asyncpg.Connection, records: list[Record], *, careful: bool) -> dict[str, int]:
        firsts: dict[tuple[str, int], int] = {}
        for r in records:
            firsts.setdefault((r.topic, r.partition), r.offset)
        keys = sorted(firsts)  # lock offset rows in one order: a zombie and the new owner cannot deadlock
        stored = await conn.fetch(
            """INSERT INTO consumer_offsets (consumer, topic, partition, next_offset)
               SELECT $1, t, p, o FROM unnest($2::text[], $3::int[], $4::bigint[]) AS u(t, p, o)
               ON CONFLICT (consumer, topic, partition)
               DO UPDATE SET next_offset = consumer_offsets.next_offset
               RETURNING topic, partition, next_offset""",
            self.spec.name,
            [k[0] for k in keys],
            [k[1] for k in keys],
            [firsts[k] for k in keys],
        )
        next_offsets = {(r["topic"], r["partition"]): r["next_offset"] for r in stored}
        todo = [r for r in records if r.offset >= next_offsets[(r.topic, r.partition)]]
        if not todo:
            return {}
        rows: list[OutboxRow] = []
        now = self.clock.now()
        applied: dict[str, int] = {}
        wanted = todo
        if self.spec.wants is not None:
            wanted = []
            for r in todo:
                if self.spec.wants(r):
                    wanted.append(r)
                else:  # consumed: the handler would ignore it
                    applied[r.topic] = applied.get(r.topic, 0) + 1
        decoded: list[tuple[Record, T | None, str | None]] = []
        for record in wanted:
            try:
                decoded.append((record, self.spec.decode(record.value), None))
            except Exception as exc:  # noqa: BLE001 - any decode failure is poison
                decoded.append((record, None, f"undecodable: {exc}"))
        fresh = await self._claim(conn, [m for _, m, _ in decoded if m is not None]) if not careful else None
        batch: list[tuple[T, Record]] = []
        for record, message, decode_error in decoded:
            if message is None:
                error = decode_error or "undecodable"
                rows.append(self._dead(record, error, 0))
                if self.spec.on_dead is not None:
                    await self.spec.on_dead(conn, record, None, error)
                continue
            key = self.spec.dedupe_key(message) if self.spec.dedupe_key else None
            token = correlation_id.set(self.spec.correlation(message) if self.spec.correlation else None)
            try:
                if not careful:
                    if key is not None:
                        assert fresh is not None
                        if key not in fresh:
                            DUPLICATES.labels(self.name, record.topic).inc()
                            continue
                        fresh.discard(key)
                    if self.spec.handle_batch is not None:
                        batch.append((message, record))
                        applied[record.topic] = applied.get(record.topic, 0) + 1
                        continue
                    tx = Tx(conn, schema=self.schema, now=now, topic_prefix=self.topic_prefix)
                    try:
                        await self.spec.handle(tx, message, record)
                    except TRANSIENT:
                        raise
                    except Exception as exc:
                        raise _HandlerFailed from exc
                    rows.extend(tx.rows)
                    applied[record.topic] = applied.get(record.topic, 0) + 1
                else:
                    outcome = await self._apply_careful(conn, record, message, key, now)
                    if isinstance(outcome, OutboxRow):
                        rows.append(outcome)
                        if self.spec.on_dead is not None:
                            error = dict(outcome.headers).get("error", "handler failed")
                            await self.spec.on_dead(conn, record, message, error)
                    elif outcome is not None:
                        rows.extend(outcome)
                        applied[record.topic] = applied.get(record.topic, 0) + 1
            finally:
                correlation_id.reset(token)
        if batch and self.spec.handle_batch is not None:
            tx = Tx(conn, schema=self.schema, now=now, topic_prefix=self.topic_prefix)
            try:
                await self.spec.handle_batch(tx, batch)
            except TRANSIENT:
                raise
            except Exception as exc:
                raise _HandlerFailed from exc
            rows.extend(tx.rows)
        lasts: dict[tuple[str, int], int] = {}
        for r in todo:
            lasts[(r.topic, r.partition)] = r.offset + 1
        await conn.execute(
            """UPDATE consumer_offsets c SET next_offset = u.o, updated_at = now()
               FROM unnest($2::text[], $3::int[], $4::bigint[]) AS u(t, p, o)
               WHERE c.consumer = $1 AND c.topic = u.t AND c.partition = u.p""",
            self.spec.name,
            [k[0] for k in lasts],
            [k[1] for k in lasts],
            list(lasts.values()),
        )
        await flush(conn, self.schema, rows)
        return applied

    async def _claim(self, conn: asyncpg.Connection, messages: list[T]) -> set[str]:
        if self.spec.dedupe_key is None:
            return set()
        keys = [k for k in (self.spec.dedupe_key(m) for m in messages) if k is not None]
        if not keys:
            return set()
        claimed = await conn.fetch(
            "INSERT INTO processed (consumer, dedupe_key) SELECT $1, unnest($2::text[]) "
            "ON CONFLICT DO NOTHING RETURNING dedupe_key",
            self.spec.name,
            keys,
        )
        return {r["dedupe_key"] for r in claimed}

    async def _apply_careful(
        self, conn: asyncpg.Connection, record: Record, message: T, key: str | None, now: datetime
    ) -> list[OutboxRow] | OutboxRow | None:
        """One record in savepoints with bounded retries; returns its rows, a dead letter, or None (dup)."""
        error = ""
        for attempt in range(1, self.attempts + 1):
            tx = Tx(conn, schema=self.schema, now=now, topic_prefix=self.topic_prefix)
            try:
                async with conn.transaction():
                    if key is not None:
                        claimed = await conn.fetchval(
                            "INSERT INTO processed (consumer, dedupe_key) VALUES ($1, $2) "
                            "ON CONFLICT DO NOTHING RETURNING true",
                            self.spec.name,
                            key,
                        )
                        if not claimed:
                            DUPLICATES.labels(self.name, record.topic).inc()
                            return None
                    await self.spec.handle(tx, message, record)
                return tx.rows
            except TRANSIENT:
                raise
            except Exception as exc:  # noqa: BLE001 - handler bug or invalid input: retry, then dead-letter
                error = f"{type(exc).__name__}: {exc}"
                log.warning(
                    "handler failed",
                    extra={"consumer": self.name, "offset": record.offset, "attempt": attempt, "error": error},
                )
        return self._dead(record, f"handler failed after {self.attempts} attempts: {error}", self.attempts)

    def _dead(self, record: Record, error: str, attempts: int) -> OutboxRow:
        DEADLETTERED.labels(self.name, record.topic).inc()
        log.error(
            "record dead-lettered",
            extra={
                "consumer": self.name,
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "error": error,
            },
        )
        return dead_letter(record, consumer=self.name, error=error, attempts=attempts, topic=self._deadletter_topic)


class _HandlerFailed(Exception):
    pass
