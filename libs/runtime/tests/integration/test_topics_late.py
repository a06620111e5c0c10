"""A consumer started before its topics exist (topics being created, a restarted broker still loading them)
waits for them instead of joining its group with no partitions and sitting idle while it looks ready."""

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
