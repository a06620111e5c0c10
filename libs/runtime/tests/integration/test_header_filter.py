"""A consumer's ``wants`` pre-filter: records its handler would ignore are neither decoded nor deduplicated,
and their offsets still advance with the batch, on the real broker and database."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiokafka import AIOKafkaProducer
from helpdesk_runtime.clock import SystemClock
from helpdesk_runtime.consumer import Consumer, ConsumerSpec, Record, by_header
from helpdesk_runtime.uow import Tx
from helpdesk_testing import eventually

pytestmark = pytest.mark.integration


def record(*headers: tuple[str, bytes]) -> Record:
    return Record("t", 0, 0, None, b"{}", 0, headers)


def test_by_header_keeps_the_listed_types_and_drops_the_own_producer():
    wants = by_header(["TicketOpened"], not_from="intake")
    assert wants(record(("type", b"TicketOpened"), ("producer", b"sla")))
    assert not wants(record(("type", b"TicketAssigned"), ("producer", b"routing")))
    assert not wants(record(("type", b"TicketOpened"), ("producer", b"intake")))
    assert wants(record())  # no headers: decoded and judged in full
    assert by_header(not_from="intake")(record(("type", b"Anything")))


async def test_unwanted_records_are_not_decoded_but_their_offsets_advance(
    kafka_bootstrap, topic_prefix, schema_pool, make_topics
):
    topic = f"{topic_prefix}filter.in"
    await make_topics(("filter.in", 2))
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    sent = {"Keep": [], "Skip": [], "none": []}
    try:
        for i in range(60):
            kind = ("Keep", "Skip", "none")[i % 3]
            value = json.dumps({"id": f"{kind}-{i}"}).encode()
            headers = [] if kind == "none" else [("type", kind.encode())]
            await producer.send_and_wait(topic, value, key=str(i % 7).encode(), headers=headers)
            sent[kind].append(f"{kind}-{i}")
    finally:
        await producer.stop()

    decoded: list[str] = []
    handled: list[str] = []

    def decode(raw: bytes) -> dict[str, str]:
        message = json.loads(raw)
        decoded.append(message["id"])
        return message

    async def handle(tx: Tx, message: dict[str, str], rec: Record) -> None:
        handled.append(message["id"])

    pool, schema = schema_pool
    spec: ConsumerSpec[dict[str, str]] = ConsumerSpec(
        name="filter.test",
        topics=[topic],
        decode=decode,
        handle=handle,
        dedupe_key=lambda m: m["id"],
        wants=by_header(["Keep"]),
    )
    consumer = Consumer(spec, pool=pool, schema=schema, bootstrap=kafka_bootstrap, clock=SystemClock(), batch=7)
    task = asyncio.create_task(consumer.run())
    try:

        async def done() -> bool:
            total = await pool.fetchval("SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets")
            return total == 60

        assert await eventually(done, timeout=30, what="offsets past all 60 records")
        assert sorted(handled) == sorted(sent["Keep"] + sent["none"])
        assert sorted(decoded) == sorted(sent["Keep"] + sent["none"])  # the skipped ones were never decoded
        claimed = {r["dedupe_key"] for r in await pool.fetch("SELECT dedupe_key FROM processed")}
        assert claimed == set(sent["Keep"] + sent["none"])
    finally:
        consumer.stop()
        await asyncio.gather(task, return_exceptions=True)
