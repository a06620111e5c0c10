"""Create the project's topics with explicit partitions and configs (idempotent)."""

from __future__ import annotations

import contextlib
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from helpdesk_events.topics import TOPIC_SPECS


async def ensure_topics(
    bootstrap: str,
    prefix: str = "",
    partitions: dict[str, int] | None = None,
    kafka_options: dict[str, Any] | None = None,
) -> list[str]:
    """Create missing topics; returns the names created. ``partitions`` overrides counts (tests)."""
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
