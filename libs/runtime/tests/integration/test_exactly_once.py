"""kill -9 a consumer in the middle of a 10,000-event stream: every input applied once, no output twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections import defaultdict
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from helpdesk_testing import eventually, read_topic

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HERE = Path(__file__).parent
N = 10_000


def start_echo(env: dict[str, str], schema: str, in_topic: str, out_topic: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, str(HERE / "echo_service.py"), schema, in_topic, out_topic],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


@pytest.mark.parametrize("batch", [False, True], ids=["per-record", "batch-handler"])
async def test_kill_9_mid_stream_applies_each_input_once(kafka_bootstrap, pg_dsn, topic_prefix, tmp_path, batch):
    in_topic, out_topic = f"{topic_prefix}echo.in", f"{topic_prefix}echo.out"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    await admin.create_topics(
        [NewTopic(in_topic, 4, 1), NewTopic(out_topic, 4, 1), NewTopic(f"{topic_prefix}helpdesk.deadletter", 1, 1)]
    )
    await admin.close()

    schema = f"echo_{uuid.uuid4().hex[:8]}"
    env = dict(
        os.environ,
        HELPDESK_ENV="test",
        HELPDESK_PG_DSN=pg_dsn,
        HELPDESK_KAFKA_BOOTSTRAP=kafka_bootstrap,
        HELPDESK_TOPIC_PREFIX=topic_prefix,
        ECHO_BATCH="1" if batch else "0",
        HELPDESK_CONSUMER_BATCH="200",
    )
    log = tmp_path / "echo.log"
    proc = start_echo(env, schema, in_topic, out_topic, log)
    db = await asyncpg.connect(pg_dsn)

    async def applied() -> int:
        try:
            return int(await db.fetchval(f"SELECT count(*) FROM {schema}.applied"))
        except asyncpg.UndefinedTableError:
            return 0

    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True, acks="all")
    await producer.start()

    async def stream() -> None:
        for i in range(N):
            await producer.send(in_topic, json.dumps({"id": i}).encode(), key=str(i).encode())
            if i % 500 == 499:
                await producer.flush()
                await asyncio.sleep(0.05)
        await producer.flush()

    feeding = asyncio.create_task(stream())
    kills = 0
    try:
        for threshold in (2_000, 6_000):
            await eventually(lambda t=threshold: _at_least(applied, t), timeout=120, what=f"{threshold} applied")
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            kills += 1
            proc = start_echo(env, schema, in_topic, out_topic, log)
        await feeding
        await eventually(lambda: _at_least(applied, N), timeout=180, what="all inputs applied")

        async def outbox_empty() -> bool:
            return int(await db.fetchval(f"SELECT count(*) FROM {schema}.outbox")) == 0

        await eventually(outbox_empty, timeout=60, what="outbox drained")
        row = await db.fetchrow(f"SELECT count(*) AS n, sum(times) AS total, max(times) AS most FROM {schema}.applied")
        assert (row["n"], row["total"], row["most"]) == (N, N, 1)

        records = await read_topic(kafka_bootstrap, out_topic, timeout=60)
        ids_per_input: dict[int, set[str]] = defaultdict(set)
        for rec in records:
            body = json.loads(rec.value)
            ids_per_input[body["input_id"]].add(body["event_id"])
        distinct_ids = {e for ids in ids_per_input.values() for e in ids}
        assert kills == 2
        assert len(ids_per_input) == N, "every input produced an output"
        assert len(distinct_ids) == N, (
            f"{len(distinct_ids)} distinct output ids for {N} inputs ({len(records)} records)"
        )
        assert all(len(ids) == 1 for ids in ids_per_input.values())
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        await producer.stop()
        await db.close()


async def _at_least(probe, n: int) -> bool:
    return (await probe()) >= n
