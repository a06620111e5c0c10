"""Session fixtures: the real local Kafka (a test broker on its own port) and PostgreSQL (a fresh database).

Set HELPDESK_TEST_KAFKA=host:port to use a running broker instead of starting one, and
HELPDESK_TEST_PG_DSN to point at another server (a database is still created per session).
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

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


@pytest.fixture(scope="session")
async def pg_dsn(pg_admin_dsn: str) -> AsyncIterator[str]:
    """A fresh database for this test session, dropped afterwards."""
    name = f"helpdesk_test_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(pg_admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = pg_admin_dsn.rpartition("/")
    yield f"{base}/{name}"
    conn = await asyncpg.connect(pg_admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
def topic_prefix() -> str:
    """Fresh topic names per test: t<hex>.helpdesk.tickets and so on."""
    return f"t{uuid.uuid4().hex[:8]}."
