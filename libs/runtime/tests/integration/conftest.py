"""What the runtime's integration tests share: a fresh migrated schema, and topics made on demand."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from helpdesk_runtime.db import create_pool, migrate


@pytest.fixture
async def schema_pool(pg_dsn: str) -> AsyncIterator[tuple[asyncpg.Pool, str]]:
    """A pool on a fresh schema with the runtime's tables (offsets, processed, outbox…), dropped after."""
    schema = f"rt_{uuid.uuid4().hex[:8]}"
    pool = await create_pool(pg_dsn, schema)
    await migrate(pool, schema)
    try:
        yield pool, schema
    finally:
        await pool.execute(f"DROP SCHEMA {schema} CASCADE")
        await pool.close()


@pytest.fixture
def make_topics(kafka_bootstrap: str, topic_prefix: str) -> Callable[..., Awaitable[None]]:
    """``await make_topics(("in", 2))``: prefixed topics, with the dead-letter topic a consumer needs."""

    async def make(*topics: tuple[str, int]) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        await admin.start()
        try:
            wanted = [*topics, ("helpdesk.deadletter", 1)]
            await admin.create_topics([NewTopic(f"{topic_prefix}{name}", n, 1) for name, n in wanted])
        finally:
            await admin.close()

    return make
