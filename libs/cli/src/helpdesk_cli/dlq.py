"""``helpdesk dlq list|show|redrive``: the dead-letter topic for operators.

A redrive re-publishes a dead letter's original key, bytes and headers to its original topic (after the
bug that caused it is fixed), and records it in ``ops.redriven_letters`` so the same letter is not redriven twice
unless forced. Consumers drop repeats by event id or message id, so a redrive never applies twice.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from helpdesk_events.topics import DEADLETTER
from helpdesk_runtime.settings import ServiceSettings
from helpdesk_runtime.topics_admin import read_all

OPS_DDL = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.redriven_letters (
    dlq_topic     text NOT NULL,
    dlq_partition int NOT NULL,
    dlq_offset    bigint NOT NULL,
    redriven_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dlq_topic, dlq_partition, dlq_offset)
);
"""


@dataclass(frozen=True)
class Letter:
    partition: int
    offset: int
    body: dict[str, Any]

    @property
    def ref(self) -> str:
        return f"{self.partition}:{self.offset}"

    @property
    def consumer(self) -> str:
        return str(self.body.get("consumer", "?"))

    @property
    def error(self) -> str:
        return str(self.body.get("error", ""))


async def letters(settings: ServiceSettings) -> list[Letter]:
    records = await read_all(
        settings.kafka_bootstrap, settings.topic(DEADLETTER), kafka_options=settings.kafka_options()
    )
    out = []
    for rec in records:
        try:
            body = json.loads(rec.value)
        except ValueError:
            body = {"error": "unreadable dead letter", "raw": repr(rec.value[:200])}
        out.append(Letter(rec.partition, rec.offset, body))
    return out


async def redriven_refs(settings: ServiceSettings) -> set[str]:
    conn = await asyncpg.connect(settings.dsn)
    try:
        await conn.execute(OPS_DDL)
        rows = await conn.fetch(
            "SELECT dlq_partition, dlq_offset FROM ops.redriven_letters WHERE dlq_topic = $1",
            settings.topic(DEADLETTER),
        )
        return {f"{r['dlq_partition']}:{r['dlq_offset']}" for r in rows}
    finally:
        await conn.close()


async def redrive(settings: ServiceSettings, chosen: list[Letter]) -> int:
    """Re-publish ``chosen`` letters to their original topics; returns how many were sent."""
    if not chosen:
        return 0
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, enable_idempotence=True, acks="all", **settings.kafka_options()
    )
    conn = await asyncpg.connect(settings.dsn)
    await producer.start()
    try:
        await conn.execute(OPS_DDL)
        for letter in chosen:
            b = letter.body
            key = base64.b64decode(b["original_key_b64"]) if b.get("original_key_b64") else None
            value = base64.b64decode(b["original_value_b64"])
            headers = [(k, str(v).encode()) for k, v in (b.get("original_headers") or {}).items()]
            headers.append(("redriven_from", letter.ref.encode()))
            await producer.send_and_wait(b["original_topic"], value, key=key, headers=headers)
            await conn.execute(
                "INSERT INTO ops.redriven_letters (dlq_topic, dlq_partition, dlq_offset) VALUES ($1, $2, $3) "
                "ON CONFLICT DO NOTHING",
                settings.topic(DEADLETTER),
                letter.partition,
                letter.offset,
            )
        return len(chosen)
    finally:
        await producer.stop()
        await conn.close()
