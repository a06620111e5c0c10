"""Outbox relay: publishes outbox rows to Kafka in id order, then deletes them.

One active relay per service: it holds a session advisory lock on its own connection; standbys retry.
Woken by LISTEN/NOTIFY at each commit that wrote outbox rows, with a one-second poll as a safety net.
The producer is idempotent with acks=all, so a retried send is not duplicated by the broker; a crash
between publishing and deleting republishes the same rows with the same event ids, which consumers
drop by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from .db import _init_connection, connect_options
from .metrics import OUTBOX_BACKLOG, PRODUCED
from .uow import outbox_channel

log = logging.getLogger("helpdesk.relay")


class OutboxRelay:
    def __init__(
        self,
        *,
        dsn: str,
        schema: str,
        bootstrap: str,
        batch: int = 2000,
        kafka_options: dict[str, Any] | None = None,
    ) -> None:
        self.dsn = dsn
        self.schema = schema
        self.bootstrap = bootstrap
        self.batch = batch
        self.kafka_options = kafka_options or {}
        self.active = False
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                await self._run_once()
                delay = 0.5
            except Exception as exc:  # noqa: BLE001 - keep relaying whatever fails
                self.active = False
                log.warning("relay failed, restarting", extra={"error": repr(exc)})
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), delay)
                delay = min(delay * 2, 10)

    async def _run_once(self) -> None:
        conn: asyncpg.Connection = await asyncpg.connect(
            self.dsn,
            **connect_options(self.dsn),
            server_settings={"search_path": f"{self.schema},public", "application_name": f"{self.schema}-relay"},
        )
        await _init_connection(conn)
        producer: AIOKafkaProducer | None = None
        try:
            locked = await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", f"relay:{self.schema}")
            if not locked:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), 2)
                return
            await conn.add_listener(outbox_channel(self.schema), self._on_notify)
            producer = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap,
                enable_idempotence=True,
                acks="all",
                linger_ms=2,
                max_batch_size=256 * 1024,
                max_request_size=8 * 1024 * 1024,
                **self.kafka_options,
            )
            await producer.start()
            self.active = True
            log.info("relay active", extra={"schema": self.schema})
            while not self._stop.is_set():
                self._wake.clear()
                sent = await self._publish_batch(conn, producer)
                if sent < self.batch:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), 1.0)
            # drain what committed before stop
            while await self._publish_batch(conn, producer) > 0:
                pass
        finally:
            self.active = False
            if producer is not None:
                await producer.stop()
            await conn.close()

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _publish_batch(self, conn: asyncpg.Connection, producer: AIOKafkaProducer) -> int:
        rows = await conn.fetch("SELECT id, topic, key, value, headers FROM outbox ORDER BY id LIMIT $1", self.batch)
        if not rows:
            OUTBOX_BACKLOG.set(0)
            return 0
        futures = []
        for row in rows:
            headers = [(k, v.encode()) for k, v in row["headers"]]
            futures.append(await producer.send(row["topic"], row["value"], key=row["key"], headers=headers))
        await asyncio.gather(*futures)
        await conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", [r["id"] for r in rows])
        for row in rows:
            PRODUCED.labels(row["topic"]).inc()
        OUTBOX_BACKLOG.set(len(rows))
        return len(rows)
