"""A consumer's life on the real broker: started before its topics exist (topics being created, a restarted
broker still loading them) it waits for them instead of joining its group with no partitions and sitting
idle while it looks ready; run again after a failure (the service restarts a failed part) it consumes."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from helpdesk_runtime.clock import SystemClock
from helpdesk_runtime.consumer import Consumer, ConsumerSpec, Record
from helpdesk_runtime.db import create_pool, migrate
from helpdesk_runtime.uow import Tx
from helpdesk_testing import eventually

pytestmark = pytest.mark.integration


async def test_a_consumer_started_before_its_topic_exists_consumes_it_once_it_does(
    kafka_bootstrap, pg_dsn, topic_prefix
):
    topic = f"{topic_prefix}late.in"
    handled: list[str] = []

    async def handle(tx: Tx, message: dict[str, str], rec: Record) -> None:
        handled.append(message["id"])

    schema = f"late_{uuid.uuid4().hex[:8]}"
    pool = await create_pool(pg_dsn, schema)
    await migrate(pool, schema)
    spec: ConsumerSpec[dict[str, str]] = ConsumerSpec(
        name="late.test", topics=[topic], decode=json.loads, handle=handle, dedupe_key=lambda m: m["id"]
    )
    consumer = Consumer(spec, pool=pool, schema=schema, bootstrap=kafka_bootstrap, clock=SystemClock())
    task = asyncio.create_task(consumer.run())
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    try:
        await asyncio.sleep(1.5)  # the consumer is up and finds no such topic (the race this test sets up)
        assert not consumer.started, "a consumer with no topic to read must not count as ready"
        await admin.start()
        await admin.create_topics([NewTopic(topic, 3, 1), NewTopic(f"{topic_prefix}helpdesk.deadletter", 1, 1)])
        await producer.start()
        for i in range(6):
            await producer.send_and_wait(topic, json.dumps({"id": f"m{i}"}).encode(), key=str(i).encode())
        assert await eventually(lambda: consumer.started, timeout=20, what="consumer started once the topic exists")
        assert await eventually(lambda: len(handled) == 6, timeout=20, what="all six records handled")
        assert sorted(handled) == [f"m{i}" for i in range(6)]
    finally:
        consumer.stop()
        await asyncio.gather(task, return_exceptions=True)
        await producer.stop()
        await admin.close()
        await pool.execute(f"DROP SCHEMA {schema} CASCADE")
        await pool.close()


async def test_a_consumer_run_again_after_a_failure_consumes_from_its_stored_offsets(
    kafka_bootstrap, pg_dsn, topic_prefix
):
    topic = f"{topic_prefix}again.in"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, 2, 1), NewTopic(f"{topic_prefix}helpdesk.deadletter", 1, 1)])
    await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for i in range(8):
            await producer.send_and_wait(topic, json.dumps({"id": f"m{i}"}).encode(), key=str(i).encode())
    finally:
        await producer.stop()
    handled: list[str] = []

    async def handle(tx: Tx, message: dict[str, str], rec: Record) -> None:
        handled.append(message["id"])

    schema = f"again_{uuid.uuid4().hex[:8]}"
    pool = await create_pool(pg_dsn, schema)
    await migrate(pool, schema)
    spec: ConsumerSpec[dict[str, str]] = ConsumerSpec(
        name="again.test", topics=[topic], decode=json.loads, handle=handle, dedupe_key=lambda m: m["id"]
    )
    consumer = Consumer(spec, pool=pool, schema=schema, bootstrap=kafka_bootstrap, clock=SystemClock(), batch=2)
    apply = consumer.apply
    calls = 0

    async def fails_on_the_third_batch(records: list[Record]) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("a failure no retry inside the consumer handles")
        await apply(records)

    consumer.apply = fails_on_the_third_batch  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="no retry inside"):
        await consumer.run()
    assert not consumer.started
    task = asyncio.create_task(consumer.run())  # what the service's supervisor does with a failed part
    try:
        assert await eventually(lambda: len(handled) == 8, timeout=30, what="all eight records handled")
        assert sorted(handled) == [f"m{i}" for i in range(8)]  # each once: the failed batch was not committed
        assert consumer.started
    finally:
        consumer.stop()
        await asyncio.gather(task, return_exceptions=True)
        await pool.execute(f"DROP SCHEMA {schema} CASCADE")
        await pool.close()
