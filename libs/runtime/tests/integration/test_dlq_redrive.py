"""A handler bug dead-letters records with the reason; after the fix, `helpdesk dlq redrive` applies them once."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from helpdesk_testing import eventually, read_topic

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HERE = Path(__file__).parent
HELPDESK = str(Path(sys.executable).parent / "helpdesk")


def start_echo(env: dict[str, str], schema: str, in_topic: str, out_topic: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, str(HERE / "echo_service.py"), schema, in_topic, out_topic],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("batch", [False, True], ids=["per-record", "batch-handler"])
async def test_dead_letters_are_redriven_once_after_the_fix(kafka_bootstrap, pg_dsn, topic_prefix, tmp_path, batch):
    in_topic, out_topic, dlq = f"{topic_prefix}echo.in", f"{topic_prefix}echo.out", f"{topic_prefix}helpdesk.deadletter"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(in_topic, 2, 1), NewTopic(out_topic, 2, 1), NewTopic(dlq, 1, 1)])
    await admin.close()
    schema = f"echo_{uuid.uuid4().hex[:8]}"
    env = dict(
        os.environ,
        HELPDESK_ENV="test",
        HELPDESK_PG_DSN=pg_dsn,
        HELPDESK_KAFKA_BOOTSTRAP=kafka_bootstrap,
        HELPDESK_TOPIC_PREFIX=topic_prefix,
        ECHO_BATCH="1" if batch else "0",
        COLUMNS="240",
    )
    log = tmp_path / "echo.log"
    proc = start_echo({**env, "ECHO_BUG": "1"}, schema, in_topic, out_topic, log)
    db = await asyncpg.connect(pg_dsn)

    async def applied() -> dict[int, int]:
        try:
            return {r["input_id"]: r["times"] for r in await db.fetch(f"SELECT * FROM {schema}.applied")}
        except asyncpg.UndefinedTableError:
            return {}

    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for i in range(5):
            body = {"id": i, "poison": i in (1, 3)}
            await producer.send_and_wait(in_topic, json.dumps(body).encode(), key=str(i).encode())

        async def letters() -> list[dict]:
            found = [json.loads(r.value) for r in await read_topic(kafka_bootstrap, dlq)]
            return found if len(found) == 2 else []

        dead = await eventually(letters, timeout=60, what="two dead letters")
        assert all("bug: cannot handle poison input" in d["error"] and d["attempts"] == 3 for d in dead)
        assert sorted(json.loads(base64.b64decode(d["original_value_b64"]))["id"] for d in dead) == [1, 3]
        await eventually(lambda: _keys(applied, {0, 2, 4}), timeout=30, what="healthy inputs applied")

        stop(proc)  # deploy the fix
        proc = start_echo(env, schema, in_topic, out_topic, log)

        listing = subprocess.run([HELPDESK, "dlq", "list"], env=env, capture_output=True, text=True, timeout=60)
        assert listing.returncode == 0, listing.stderr
        assert "2 dead letter(s)" in listing.stdout and "cannot handle poison" in listing.stdout

        redrive = subprocess.run([HELPDESK, "dlq", "redrive"], env=env, capture_output=True, text=True, timeout=60)
        assert "redriven 2 dead letter(s)" in redrive.stdout, redrive.stdout + redrive.stderr
        await eventually(lambda: _keys(applied, {0, 1, 2, 3, 4}), timeout=30, what="redriven inputs applied")

        again = subprocess.run([HELPDESK, "dlq", "redrive"], env=env, capture_output=True, text=True, timeout=60)
        assert "redriven 0 dead letter(s)" in again.stdout
        assert set((await applied()).values()) == {1}
    finally:
        stop(proc)
        await producer.stop()
        await db.close()


async def _keys(probe, wanted: set[int]) -> bool:
    return set(await probe()) == wanted
