"""Routing alone on the real broker and PostgreSQL: ``helpdesk-routing serve`` processes (one or several
replicas on one database and one set of topics), and helpers to publish ticket facts and read decisions."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from helpdesk_events import (
    Customer,
    TicketEscalated,
    TicketEscalatedData,
    TicketOpened,
    TicketOpenedData,
    TicketStatusChanged,
    TicketStatusChangedData,
    decode_ticket_event,
    encode,
    partition_key,
)
from helpdesk_events.topics import TICKETS
from helpdesk_runtime.topics_admin import ensure_topics
from helpdesk_testing import eventually, read_topic

ROOT = Path(__file__).resolve().parents[4]
SAMPLE = ROOT / "deploy" / "config" / "sample"
BIN = Path(sys.executable).parent
PORT_BASE = int(os.environ.get("HELPDESK_TEST_PORT_BASE", "18080")) + 10
ADMIN = {"Authorization": "Bearer dev-admin-key"}
AGENT = {"Authorization": "Bearer dev-agent-key"}


def opened(ticket_id: str, *, priority: str = "P3", category: str | None = "it", language: str | None = "es",
           channel: str = "web") -> TicketOpened:  # fmt: skip
    return TicketOpened(
        event_id=uuid.uuid4(),
        ticket_id=ticket_id,
        occurred_at=datetime.now(UTC),
        producer="intake",
        correlation_id=uuid.uuid4(),
        data=TicketOpenedData(
            folio=f"HD-2026-{ticket_id[-6:]}",
            channel=channel,  # type: ignore[arg-type]
            subject="test",
            body="test",
            customer=Customer(contact_id="email:ana@example.com"),
            priority=priority,  # type: ignore[arg-type]
            category=category,
            language=language,
        ),
    )


def resolved(ticket_id: str) -> TicketStatusChanged:
    return TicketStatusChanged(
        event_id=uuid.uuid4(),
        ticket_id=ticket_id,
        occurred_at=datetime.now(UTC),
        producer="intake",
        data=TicketStatusChangedData(from_status="open", to_status="resolved", reason="done", actor="test"),
    )


def escalated(ticket_id: str, to_team: str, level: int = 1) -> TicketEscalated:
    return TicketEscalated(
        event_id=uuid.uuid4(),
        ticket_id=ticket_id,
        occurred_at=datetime.now(UTC),
        producer="escalation",
        data=TicketEscalatedData(level=level, trigger="sla_breach", reason="test", to_team=to_team),
    )


@dataclass
class Routing:
    """Routing processes on one database and one topic prefix."""

    bootstrap: str
    dsn: str
    prefix: str
    config_dir: Path
    log_dir: Path
    clock_file: Path
    producer: AIOKafkaProducer
    procs: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def tickets_topic(self) -> str:
        return f"{self.prefix}{TICKETS}"

    def url(self, replica: int = 0) -> str:
        return f"http://127.0.0.1:{PORT_BASE + replica}"

    def start(self, replica: int = 0) -> None:
        env = dict(
            os.environ,
            HELPDESK_ENV="development",
            HELPDESK_KAFKA_BOOTSTRAP=self.bootstrap,
            HELPDESK_PG_DSN=self.dsn,
            HELPDESK_TOPIC_PREFIX=self.prefix,
            HELPDESK_CONFIG_DIR=str(self.config_dir),
            HELPDESK_CLOCK_FILE=str(self.clock_file),
            HELPDESK_LOG_LEVEL="INFO",
            HELPDESK_ROUTING_HTTP_PORT=str(PORT_BASE + replica),
        )
        with (self.log_dir / f"routing-{replica}.log").open("ab") as log:
            self.procs[replica] = subprocess.Popen(
                [str(BIN / "helpdesk-routing"), "serve"], env=env, stdout=log, stderr=log
            )

    async def ready(self, replica: int = 0, timeout: float = 60) -> None:
        async def up() -> bool:
            proc = self.procs[replica]
            assert proc.poll() is None, f"routing {replica} exited: {self.tail(replica)}"
            try:
                async with httpx.AsyncClient() as client:
                    return (await client.get(f"{self.url(replica)}/readyz", timeout=2)).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(up, timeout=timeout, interval=0.2, what=f"routing {replica} ready")

    def tail(self, replica: int, lines: int = 30) -> str:
        path = self.log_dir / f"routing-{replica}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def shift_clock(self, seconds: float) -> None:
        tmp = self.clock_file.with_suffix(".tmp")
        tmp.write_text(str(seconds))
        tmp.replace(self.clock_file)

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()

    async def publish(self, *events: Any) -> None:
        for e in events:
            await self.producer.send(self.tickets_topic, encode(e), key=partition_key(e))
        await self.producer.flush()

    async def decisions(self) -> list[Any]:
        """Every routing fact on the tickets topic so far, decoded."""
        out = []
        for rec in await read_topic(self.bootstrap, self.tickets_topic, timeout=30):
            event = decode_ticket_event(rec.value)
            if event.producer == "routing":
                out.append(event)
        return out

    async def assignee(self, ticket_id: str) -> str | None:
        conn = await asyncpg.connect(self.dsn)
        try:
            return await conn.fetchval(
                "SELECT agent_id FROM routing.work WHERE ticket_id = $1 AND state = 'assigned'", ticket_id
            )
        finally:
            await conn.close()


@pytest.fixture
async def routing_factory(kafka_bootstrap: str, pg_admin_dsn: str, tmp_path: Path) -> AsyncIterator[Any]:
    """Build (config overrides in) a fresh routing deployment: new database, new topics; stopped afterwards."""
    made: list[Routing] = []
    dbs: list[str] = []

    async def make(**files: str) -> Routing:
        name = f"helpdesk_routing_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(pg_admin_dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        dbs.append(name)
        base, _, _ = pg_admin_dsn.rpartition("/")
        config = tmp_path / f"config{len(made)}"
        shutil.copytree(SAMPLE, config)
        for file, text in files.items():
            (config / f"{file}.yaml").write_text(text)
        prefix = f"rt{uuid.uuid4().hex[:8]}."
        await ensure_topics(kafka_bootstrap, prefix)
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True, linger_ms=5)
        await producer.start()
        clock = tmp_path / f"clock{len(made)}"
        clock.write_text("0")
        r = Routing(kafka_bootstrap, f"{base}/{name}", prefix, config, tmp_path, clock, producer)
        made.append(r)
        return r

    try:
        yield make
    finally:
        for r in made:
            r.stop()
            await r.producer.stop()
            artifacts = ROOT / "test-artifacts" / "routing-logs" / r.prefix.rstrip(".")
            artifacts.mkdir(parents=True, exist_ok=True)
            for log in r.log_dir.glob("routing-*.log"):
                shutil.copy(log, artifacts / log.name)
        conn = await asyncpg.connect(pg_admin_dsn)
        try:
            for name in dbs:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
