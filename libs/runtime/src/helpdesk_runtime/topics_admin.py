"""Create the project's topics with explicit partitions and configs (idempotent)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, NodeNotReadyError, RequestTimedOutError, TopicAlreadyExistsError
from helpdesk_events.topics import TOPIC_SPECS


async def ensure_topics(
    bootstrap: str,
    prefix: str = "",
    partitions: dict[str, int] | None = None,
    kafka_options: dict[str, Any] | None = None,
    *,
    attempts: int = 5,
) -> list[str]:
    """Create missing topics; returns the names created. ``partitions`` overrides counts (tests).

    A fresh admin client sometimes asks a node it has not connected to yet (NodeNotReadyError) on a busy
    broker; that is retried with a new client.
    """
    for attempt in range(1, attempts + 1):
        try:
            return await _ensure_topics_once(bootstrap, prefix, partitions, kafka_options)
        except (NodeNotReadyError, KafkaConnectionError, RequestTimedOutError):
            if attempt == attempts:
                raise
            await asyncio.sleep(0.5 * attempt)
    raise AssertionError("unreachable")


async def _ensure_topics_once(
    bootstrap: str, prefix: str, partitions: dict[str, int] | None, kafka_options: dict[str, Any] | None
) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **(kafka_options or {}))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name=f"{prefix}{spec.name}",
                num_partitions=(partitions or {}).get(spec.name, spec.partitions),
                replication_factor=1,
                topic_configs=dict(spec.configs),
            )
            for spec in TOPIC_SPECS
            if f"{prefix}{spec.name}" not in existing
        ]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
        return [t.name for t in wanted]
    finally:
        await admin.close()


async def read_all(
    bootstrap: str, topic: str, *, within: float = 30.0, kafka_options: dict[str, Any] | None = None
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record currently in ``topic``, partition by partition up to the high watermarks at call time."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest", **(kafka_options or {})
    )
    await consumer.start()
    try:
        parts = consumer.partitions_for_topic(topic)
        if not parts:
            await consumer._client.force_metadata_update()  # noqa: SLF001 - a fresh client may not know the topic yet
            parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        out: list[ConsumerRecord[bytes, bytes]] = []
        deadline = time.monotonic() + within
        while True:
            positions = [await consumer.position(tp) for tp in tps]
            if all(pos >= ends[tp] for pos, tp in zip(positions, tps, strict=True)):
                return out
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end within {within}s")
            for records in (await consumer.getmany(timeout_ms=200)).values():
                out.extend(records)
    finally:
        await consumer.stop()
