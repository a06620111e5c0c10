"""kill -9 in the middle of batches: after a restart every event is in the read models exactly once (no
duplicate timeline rows, facts or counts)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from helpdesk_events import encode, evolve, partition_key
from helpdesk_events import testing as b
from helpdesk_runtime.topics_admin import ensure_topics
from helpdesk_testing import eventually
from projections.domain.facts import facts

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TICKETS = 150
T0 = datetime(2026, 10, 5, 9, tzinfo=UTC)
BIN = Path(sys.executable).parent / "helpdesk-projections"


def life(n: int) -> list:
    tid = f"crash-{n}"
    at = [T0 + timedelta(minutes=n + i) for i in range(12)]
    return [
        b.opened(at=at[0], ticket=tid, folio=f"HD-2026-{n:06d}"),
        b.queued("l1", at=at[1], ticket=tid),
        b.assigned("ana", "l1", at=at[2], ticket=tid),
        b.note(at=at[3], ticket=tid),
        b.replied(at=at[4], ticket=tid),
        b.customer_message(at=at[5], ticket=tid),
        b.replied(at=at[6], ticket=tid),
        b.status("resolved", at=at[7], ticket=tid, resolution="ok"),
        b.rated(4, at=at[8], ticket=tid),
        b.status("open", at=at[9], ticket=tid, frm="resolved"),
        b.escalated(1, at=at[10], ticket=tid),
        b.status("closed", at=at[11], ticket=tid),
    ]


def start(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([str(BIN), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)


async def test_kill_9_during_batches_applies_everything_once(kafka_bootstrap, database, tmp_path):
    prefix = f"k{uuid.uuid4().hex[:8]}."
    await ensure_topics(kafka_bootstrap, prefix)
    env = dict(
        os.environ,
        HELPDESK_ENV="development",
        HELPDESK_KAFKA_BOOTSTRAP=kafka_bootstrap,
        HELPDESK_PG_DSN=database,
        HELPDESK_TOPIC_PREFIX=prefix,
        HELPDESK_PROJECTIONS_HTTP_PORT=str(int(os.environ.get("HELPDESK_TEST_PORT_BASE", "18080")) + 21),
        HELPDESK_CONSUMER_BATCH="50",
    )
    lives = [life(n) for n in range(TICKETS)]
    events = [e for lf in lives for e in lf]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for e in events:
            await producer.send(f"{prefix}helpdesk.tickets", encode(e), key=partition_key(e))
        await producer.flush()
    finally:
        await producer.stop()

    conn = await asyncpg.connect(database)

    async def applied() -> int:
        try:
            return int(await conn.fetchval("SELECT count(*) FROM projections.timeline"))
        except asyncpg.UndefinedTableError:
            return 0

    log = tmp_path / "projections.log"
    try:
        for threshold in (len(events) // 4, len(events) // 2):
            proc = start(env, log)
            await eventually(
                lambda t=threshold: applied_at_least(applied, t), timeout=60, interval=0.02, what=f"{threshold} applied"
            )
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert await applied() < len(events), "killed too late to prove anything"
        proc = start(env, log)
        try:
            await eventually(lambda: applied_at_least(applied, len(events)), timeout=90, what="every event applied")
        finally:
            proc.terminate()
            proc.wait(timeout=30)

        assert await conn.fetchval("SELECT count(*) FROM projections.timeline") == len(events)
        assert await conn.fetchval("SELECT count(DISTINCT event_id) FROM projections.timeline") == len(events)
        versions = await conn.fetch("SELECT version, status, reopen_count FROM projections.tickets")
        assert len(versions) == TICKETS
        assert {(r["version"], r["status"], r["reopen_count"]) for r in versions} == {(12, "closed", 1)}
        expected = 0
        for lf in lives:
            state = None
            for e in lf:
                after = evolve(state, e)
                expected += len(facts(state, after, e))
                state = after
        assert await conn.fetchval("SELECT count(*) FROM projections.facts") == expected
        by_kind = dict(await conn.fetch("SELECT kind, count(*) FROM projections.facts GROUP BY kind"))
        assert by_kind["created"] == by_kind["resolved"] == by_kind["reopened"] == TICKETS
    finally:
        await conn.close()


async def applied_at_least(applied, n: int) -> bool:
    return await applied() >= n
