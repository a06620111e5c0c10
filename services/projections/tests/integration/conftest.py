"""The projections service in-process on fresh topics and a fresh database, fed by publishing events
(built with helpdesk_events.testing) straight to the prefixed topics."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from helpdesk_events import AnyEvent, encode, partition_key
from helpdesk_events.topics import DIRECTORY, TICKETS
from helpdesk_runtime.service import Runner
from helpdesk_runtime.topics_admin import ensure_topics
from helpdesk_testing import eventually
from projections.bootstrap import bootstrap
from projections.config import ProjectionsSettings

PORT = int(os.environ.get("HELPDESK_TEST_PORT_BASE", "18080")) + 20
ANALYST = {"Authorization": "Bearer dev-analyst-key"}


@dataclass
class Projections:
    """A running projections service and what a test needs around it."""

    runner: Runner
    producer: AIOKafkaProducer
    http: httpx.AsyncClient
    dsn: str
    prefix: str
    bootstrap: str
    settings: ProjectionsSettings

    async def publish(self, *events: AnyEvent) -> None:
        for event in events:
            topic = DIRECTORY if hasattr(event, "entity_id") else TICKETS
            await self.producer.send_and_wait(f"{self.prefix}{topic}", encode(event), key=partition_key(event))

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params)

    async def ok(self, path: str, **params: Any) -> Any:
        resp = await self.get(path, **params)
        assert resp.status_code == 200, resp.text
        return resp.json()

    async def versions(self, ticket_id: str, version: int) -> None:
        """Wait until the ticket's read model has folded ``version`` events."""
        await self.versions_in("default", ticket_id, version)

    async def versions_in(self, tenant: str, ticket_id: str, version: int) -> None:
        async def probe() -> bool:
            resp = await self.get(f"/v1/tickets/{ticket_id}", tenant=tenant)
            return resp.status_code == 200 and resp.json()["ticket"]["version"] >= version

        await eventually(probe, timeout=20, what=f"{ticket_id} at version {version}")

    async def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.dsn, server_settings={"search_path": "projections, public"})
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()


def make_settings(bootstrap_servers: str, dsn: str, prefix: str, clock: Path, port: int) -> ProjectionsSettings:
    return ProjectionsSettings.model_validate(
        {
            "env": "development",
            "kafka_bootstrap": bootstrap_servers,
            "pg_dsn": dsn,
            "topic_prefix": prefix,
            "clock_file": clock,
            "HELPDESK_PROJECTIONS_HTTP_PORT": port,
            "consumer_batch": 200,
        }
    )


@pytest.fixture(scope="module")
async def database(pg_admin_dsn: str) -> AsyncIterator[str]:
    name = f"helpdesk_proj_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(pg_admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = pg_admin_dsn.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        conn = await asyncpg.connect(pg_admin_dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@pytest.fixture(scope="module")
async def projections(
    kafka_bootstrap: str, database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Projections]:
    prefix = f"p{uuid.uuid4().hex[:8]}."
    await ensure_topics(kafka_bootstrap, prefix)
    clock = tmp_path_factory.mktemp("clock") / "clock"
    clock.write_text("0")
    settings = make_settings(kafka_bootstrap, database, prefix, clock, PORT)
    runner = Runner(bootstrap(settings))
    await runner.start(http=True)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", headers=ANALYST, timeout=10)
    try:
        await eventually(lambda: all(c.started for c in runner.consumers), timeout=30, what="consumers started")
        yield Projections(runner, producer, http, database, prefix, kafka_bootstrap, settings)
    finally:
        await http.aclose()
        await producer.stop()
        await runner.stop()
