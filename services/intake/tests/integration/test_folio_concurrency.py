"""Two intake processes opening 2,000 tickets concurrently give 2,000 distinct folios (real Kafka + PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from helpdesk_runtime.topics_admin import ensure_topics

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[4]
BIN = Path(sys.executable).parent
AGENT = {"Authorization": "Bearer dev-agent-key"}
TOTAL = 2000


async def _ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            assert proc.poll() is None, f"intake exited with {proc.returncode}"
            try:
                if (await client.get(f"{url}/readyz", timeout=2)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"{url} not ready")


async def test_two_intake_processes_give_distinct_folios(kafka_bootstrap, pg_admin_dsn, tmp_path):
    name = f"helpdesk_test_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(pg_admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    dsn = f"{pg_admin_dsn.rpartition('/')[0]}/{name}"
    prefix = f"folio{uuid.uuid4().hex[:6]}."
    await ensure_topics(kafka_bootstrap, prefix)
    base = int(os.environ.get("HELPDESK_TEST_PORT_BASE", "18080")) + 10
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i in range(2):
            env = dict(
                os.environ,
                HELPDESK_ENV="development",
                HELPDESK_KAFKA_BOOTSTRAP=kafka_bootstrap,
                HELPDESK_PG_DSN=dsn,
                HELPDESK_TOPIC_PREFIX=prefix,
                HELPDESK_CONFIG_DIR=str(ROOT / "deploy" / "config" / "sample"),
                HELPDESK_INTAKE_HTTP_PORT=str(base + i),
                HELPDESK_LOG_LEVEL="WARNING",
            )
            with (tmp_path / f"intake{i}.log").open("ab") as log:
                procs.append(subprocess.Popen([str(BIN / "helpdesk-intake"), "serve"], env=env, stdout=log, stderr=log))
        urls = [f"http://127.0.0.1:{base + i}" for i in range(2)]
        for url, proc in zip(urls, procs, strict=True):
            await _ready(url, proc)

        limit = asyncio.Semaphore(32)
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=40)) as client:

            async def open_one(n: int) -> str:
                body = {
                    "subject": f"Ticket {n}",
                    "body": "Carga concurrente",
                    "customer": {"email": f"c{n}@cliente.example"},
                    "request_id": f"folio-load-{n}",
                }
                async with limit:
                    for attempt in range(3):
                        try:
                            resp = await client.post(f"{urls[n % 2]}/v1/tickets", json=body, headers=AGENT)
                            break
                        except (httpx.ReadError, httpx.RemoteProtocolError):
                            # a keep-alive connection the server closed as we reused it: the request_id
                            # makes the retry safe (one ticket, one folio)
                            if attempt == 2:
                                raise
                assert resp.status_code == 201, resp.text
                return str(resp.json()["folio"])

            folios = await asyncio.gather(*(open_one(n) for n in range(TOTAL)))
        assert len(set(folios)) == TOTAL
        numbers = sorted(int(f.rsplit("-", 1)[1]) for f in folios)
        assert numbers == list(range(1, TOTAL + 1))  # gapless too: the counter commits with the ticket
        conn = await asyncpg.connect(dsn)
        try:
            stored = await conn.fetchval("SELECT count(DISTINCT folio) FROM intake.tickets")
        finally:
            await conn.close()
        assert stored == TOTAL
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        admin = await asyncpg.connect(pg_admin_dsn)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
