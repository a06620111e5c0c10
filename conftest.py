"""Session fixtures: the real local Kafka (a test broker on its own port) and PostgreSQL (a fresh database).

Set HELPDESK_TEST_KAFKA=host:port to use a running broker instead of starting one, and
HELPDESK_TEST_PG_DSN to point at another server (a database is still created per session).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from helpdesk_runtime.topics_admin import ensure_topics
from helpdesk_testing.stack import FAST_SLA, Stack

ROOT = Path(__file__).resolve().parent
TEST_KAFKA_PORT = int(os.environ.get("HELPDESK_TEST_KAFKA_PORT", "19092"))


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    given = os.environ.get("HELPDESK_TEST_KAFKA")
    if given:
        yield given
        return
    env = dict(
        os.environ,
        KAFKA_PORT=str(TEST_KAFKA_PORT),
        KAFKA_CONTROLLER_PORT=str(TEST_KAFKA_PORT + 1),
        KAFKA_DATA_DIR=str(ROOT / ".local" / f"kafka-test-{TEST_KAFKA_PORT}"),
    )
    subprocess.run([str(ROOT / "deploy/local/kafka.sh"), "start"], env=env, check=True)
    try:
        yield f"localhost:{TEST_KAFKA_PORT}"
    finally:
        if not os.environ.get("HELPDESK_TEST_KEEP_KAFKA"):
            subprocess.run([str(ROOT / "deploy/local/kafka.sh"), "stop"], env=env, check=False)


@pytest.fixture(scope="session")
def pg_admin_dsn() -> str:
    dsn = os.environ.get("HELPDESK_TEST_PG_DSN", "postgresql://helpdesk:helpdesk@localhost:5432/helpdesk")
    subprocess.run(
        [str(ROOT / "deploy/local/postgres.sh"), "ensure"], check=True, env=dict(os.environ, HELPDESK_PG_DSN=dsn)
    )
    return dsn


@asynccontextmanager
async def fresh_database(admin_dsn: str) -> AsyncIterator[str]:
    """A new, empty database on the test server, dropped afterwards."""
    name = f"helpdesk_test_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = admin_dsn.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        conn = await asyncpg.connect(admin_dsn)
        try:
            # FORCE cannot end an autovacuum worker (a superuser's process) busy on the database: wait for it.
            for attempt in range(30):
                try:
                    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    break
                except (asyncpg.InsufficientPrivilegeError, asyncpg.ObjectInUseError):
                    if attempt == 29:
                        raise
                    await asyncio.sleep(1)
        finally:
            await conn.close()


@pytest.fixture(scope="session")
async def pg_dsn(pg_admin_dsn: str) -> AsyncIterator[str]:
    """A fresh database for this test session."""
    async with fresh_database(pg_admin_dsn) as dsn:
        yield dsn


@pytest.fixture
def topic_prefix() -> str:
    """Fresh topic names per test: t<hex>.helpdesk.tickets and so on."""
    return f"t{uuid.uuid4().hex[:8]}."


SAMPLE = ROOT / "deploy" / "config" / "sample"


@pytest.fixture(scope="module")
async def stack(
    kafka_bootstrap: str, pg_admin_dsn: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    """The five services as processes, on fresh topics (a prefix) and a fresh database, per test module."""
    async with fresh_database(pg_admin_dsn) as dsn:
        async for s in _stack(kafka_bootstrap, dsn, tmp_path_factory):
            yield s


async def _stack(kafka_bootstrap: str, pg_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    base = tmp_path_factory.mktemp("stack")
    shutil.copytree(SAMPLE, base / "config")
    (base / "config" / "sla.yaml").write_text(FAST_SLA)
    prefix = f"e2e{os.getpid()}{int(time.time()) % 100000}."
    await ensure_topics(kafka_bootstrap, prefix)
    s = Stack(prefix=prefix, bootstrap=kafka_bootstrap, dsn=pg_dsn, clock_file=base / "clock", log_dir=base)
    s.shift_clock(0)
    async with s.running(ROOT / "test-artifacts" / "e2e-logs" / prefix.rstrip(".")):
        yield s
