"""A consumer's life on the real broker: started before its topics exist (topics being created, a restarted
broker still loading them) it waits for them instead of joining its group with no partitions and sitting
idle while it looks ready; run again after a failure (the service restarts a failed part) it consumes."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiokafka import AIOKafkaProducer
from helpdesk_runtime.clock import SystemClock
from helpdesk_runtime.consumer import Consumer, ConsumerSpec, Record
from helpdesk_runtime.uow import Tx
from helpdesk_testing import eventually

pytestmark = pytest.mark.integration


def collecting(name: str, topic: str, handled: list[str]) -> ConsumerSpec[dict[str, str]]:
    async def handle(tx: Tx, message: dict[str, str], rec: Record) -> None:
        handled.append(message["id"])

    return ConsumerSpec(name=name, topics=[topic], decode=json.loads, handle=handle, dedupe_key=lambda m: m["id"])


async def send(bootstrap: str, topic: str, count: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for i in range(count):
            await producer.send_and_wait(topic, json.dumps({"id": f"m{i}"}).encode(), key=str(i).encode())
    finally:
        await producer.stop()


async def test_a_consumer_started_before_its_topic_exists_consumes_it_once_it_does(
    kafka_bootstrap, topic_prefix, schema_pool, make_topics
):
    topic = f"{topic_prefix}late.in"
    handled: list[str] = []
    pool, schema = schema_pool
    spec = collecting("late.test", topic, handled)
    consumer = Consumer(spec, pool=pool, schema=schema, bootstrap=kafka_bootstrap, clock=SystemClock())
    task = asyncio.create_task(consumer.run())
    try:
        # The race this test sets up: the consumer is up and has found no such topic.
        await eventually(lambda: consumer.missing_topics == [topic], timeout=20, what="consumer looked for the topic")
        assert not consumer.started, "a consumer with no topic to read must not count as ready"
        await make_topics(("late.in", 3))
        await send(kafka_bootstrap, topic, 6)
        assert await eventually(lambda: consumer.started, timeout=20, what="consumer started once the topic exists")
        assert await eventually(lambda: len(handled) == 6, timeout=20, what="all six records handled")
        assert sorted(handled) == [f"m{i}" for i in range(6)]
        assert consumer.missing_topics == []
    finally:
        consumer.stop()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_consumer_run_again_after_a_failure_consumes_from_its_stored_offsets(
    kafka_bootstrap, topic_prefix, schema_pool, make_topics
):
    topic = f"{topic_prefix}again.in"
    await make_topics(("again.in", 2))
    await send(kafka_bootstrap, topic, 8)
    handled: list[str] = []
    pool, schema = schema_pool
    spec = collecting("again.test", topic, handled)
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
