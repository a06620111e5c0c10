"""One stack for the whole security suite: the five services as processes on the real Kafka and PostgreSQL,
with secrets that can be recognised in a log line.

- API keys are random per run (``HELPDESK_API_KEYS``), one per role, not the well-known ``dev-*`` keys;
- the services log in to PostgreSQL as a login role created for this run with a random password, so
  "no DSN password in the logs" means something (the shared test role's password is ``helpdesk``, a word
  every log line holds).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest
from helpdesk_runtime.topics_admin import ensure_topics
from helpdesk_testing.stack import BASE, FAST_SLA, Stack

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "deploy" / "config" / "sample"
ROLES = ("adapter", "agent", "analyst", "admin")
MAX_BODY_BYTES = 2_000_000
"""The suite's body limit (the default is 25 MB): over one Kafka record, so intake's own 413 shows too."""


@dataclass
class SecureStack(Stack):
    """A :class:`Stack` whose processes get extra environment (keys, limits) and that knows its secrets."""

    extra_env: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    """role -> API key"""
    pg_password: str = ""

    def env(self) -> dict[str, str]:
        env = super().env()
        env.update(self.extra_env)
        return env

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def logs(self) -> dict[str, str]:
        """Every line every process of this stack wrote so far, by log file."""
        return {p.name: p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*.log"))}


@pytest.fixture(scope="package")
async def secure(
    kafka_bootstrap: str, pg_admin_dsn: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[SecureStack]:
    tag = uuid.uuid4().hex[:8]
    database, role, password = f"helpdesk_sec_{tag}", f"helpdesk_sec_{tag}", f"pw-{secrets.token_hex(16)}"
    admin = await asyncpg.connect(pg_admin_dsn)
    try:
        await admin.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'")
        await admin.execute(f'GRANT "{role}" TO CURRENT_USER')  # needed to make it the database's owner
        await admin.execute(f'CREATE DATABASE "{database}" OWNER "{role}"')
    finally:
        await admin.close()
    host = pg_admin_dsn.split("@", 1)[1].rsplit("/", 1)[0]
    dsn = f"postgresql://{role}:{password}@{host}/{database}"

    base = tmp_path_factory.mktemp("security")
    shutil.copytree(SAMPLE, base / "config")
    (base / "config" / "sla.yaml").write_text(FAST_SLA)
    prefix = f"sec{os.getpid()}{int(time.time()) % 100000}."
    await ensure_topics(kafka_bootstrap, prefix)
    keys = {r: f"sk-{r}-{secrets.token_urlsafe(24)}" for r in ROLES}
    s = SecureStack(
        prefix=prefix,
        bootstrap=kafka_bootstrap,
        dsn=dsn,
        clock_file=base / "clock",
        log_dir=base,
        extra_env={
            "HELPDESK_API_KEYS": json.dumps({key: r for r, key in keys.items()}),
            "HELPDESK_MAX_BODY_BYTES": str(MAX_BODY_BYTES),
        },
        keys=keys,
        pg_password=password,
        port_base=BASE + 30,  # package scope: it may still run when the next package's stack starts
    )
    s.shift_clock(0)
    try:
        async with s.running(ROOT / "test-artifacts" / "security-logs" / prefix.rstrip(".")):
            yield s
    finally:
        admin = await asyncpg.connect(pg_admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        finally:
            await admin.close()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=20) as c:
        yield c
