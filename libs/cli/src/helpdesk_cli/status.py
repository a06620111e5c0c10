"""``helpdesk status``: is everything up, and is anything piling up?"""

from __future__ import annotations

import asyncio
import os

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from helpdesk_events.topics import DEADLETTER
from helpdesk_runtime.settings import ServiceSettings

SERVICES = {"projections": 8080, "intake": 8081, "routing": 8082, "sla": 8083, "escalation": 8084}


async def status(settings: ServiceSettings) -> int:
    ok = True
    print("services")
    async with httpx.AsyncClient(timeout=2) as client:
        for name, default_port in SERVICES.items():
            port = int(os.environ.get(f"HELPDESK_{name.upper()}_HTTP_PORT", default_port))
            try:
                resp = await client.get(f"http://localhost:{port}/readyz")
                state = "ready" if resp.status_code == 200 else f"not ready {resp.json().get('checks')}"
            except httpx.HTTPError:
                state, ok = "down", False
            print(f"  {name:12} :{port}  {state}")
    print("postgresql")
    try:
        conn = await asyncpg.connect(settings.dsn, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"  unreachable: {exc}")
        return 1
    stored: dict[tuple[str, str, int], int] = {}
    try:
        for schema in SERVICES:
            exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f"{schema}.outbox")
            if not exists:
                print(f"  {schema:12} (no schema yet)")
                continue
            backlog = await conn.fetchval(f"SELECT count(*) FROM {schema}.outbox")  # noqa: S608 - fixed names
            due = await conn.fetchval(f"SELECT count(*) FROM {schema}.timers WHERE due_at <= now()")  # noqa: S608
            timers = await conn.fetchval(f"SELECT count(*) FROM {schema}.timers")  # noqa: S608
            print(f"  {schema:12} outbox backlog={backlog} timers={timers} due={due}")
            offsets_sql = f"SELECT consumer, topic, partition, next_offset FROM {schema}.consumer_offsets"  # noqa: S608
            for row in await conn.fetch(offsets_sql):  # noqa: S608
                stored[(row["consumer"], row["topic"], row["partition"])] = row["next_offset"]
    finally:
        await conn.close()
    print("kafka")
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, **settings.kafka_options())
    try:
        await asyncio.wait_for(consumer.start(), 10)
    except Exception as exc:  # noqa: BLE001
        print(f"  unreachable: {exc!r}")
        return 1
    try:
        topics = {tp for (_, tp, _) in stored} | {settings.topic(DEADLETTER)}
        tps = [TopicPartition(t, p) for t in topics for p in (consumer.partitions_for_topic(t) or set())]
        ends = await consumer.end_offsets(tps) if tps else {}
        lag: dict[str, int] = {}
        for (name, topic, part), offset in stored.items():
            lag[name] = lag.get(name, 0) + max(0, ends.get(TopicPartition(topic, part), offset) - offset)
        for name, value in sorted(lag.items()):
            print(f"  lag {name:24} {value}")
        dlq = sum(v for tp, v in ends.items() if tp.topic == settings.topic(DEADLETTER))
        print(f"  dead letters (all time)       {dlq}")
    finally:
        await consumer.stop()
    return 0 if ok else 1
