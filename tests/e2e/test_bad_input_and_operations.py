"""Poison records go to the dead-letter topic with a reason and the pipeline keeps going; operators see it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from helpdesk_testing import eventually, read_topic

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ADAPTER = {"Authorization": "Bearer dev-adapter-key"}


async def test_poison_inbound_records_are_dead_lettered_with_reason_and_intake_carries_on(stack):
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    bad_id = f"bad-{uuid.uuid4()}"
    good_id = f"good-{uuid.uuid4()}"
    inbound = f"{stack.prefix}helpdesk.inbound"
    try:
        await producer.send_and_wait(inbound, b"\xff\xfe not json at all", key=b"poison")
        await producer.send_and_wait(
            inbound,
            json.dumps({"message_id": bad_id, "channel": "pigeon", "received_at": "yesterday"}).encode(),
            key=b"poison",
        )
        good = {
            "message_id": good_id,
            "channel": "whatsapp",
            "received_at": datetime.now(UTC).isoformat(),
            "sender": {"phone": "+34 600 111 222", "name": "Marta"},
            "body": "Hola, no me llega el código de acceso",
            "thread_ref": f"wa-{uuid.uuid4().hex[:8]}",
        }
        await producer.send_and_wait(inbound, json.dumps(good).encode(), key=b"poison")
    finally:
        await producer.stop()

    async with httpx.AsyncClient(timeout=5) as client:

        async def status_of(mid: str) -> dict | None:
            resp = await client.get(f"{stack.url('intake')}/v1/inbound/{mid}", headers=ADAPTER)
            return resp.json() if resp.status_code == 200 and resp.json()["status"] != "pending" else None

        bad = await eventually(lambda: status_of(bad_id), timeout=15, what="bad message outcome")
        assert bad["status"] == "dead_lettered"
        assert "channel" in bad["reason"] and "received_at" in bad["reason"]
        ok = await eventually(lambda: status_of(good_id), timeout=15, what="good message after the poison")
        assert ok["status"] == "opened" and ok["folio"]

    async def dead_letters() -> list[dict]:
        records = await read_topic(stack.bootstrap, f"{stack.prefix}helpdesk.deadletter")
        found = [json.loads(r.value) for r in records if r.key == b"poison"]
        return found if len(found) >= 2 else []

    letters = await eventually(dead_letters, timeout=15, what="two dead letters")
    assert {d["consumer"] for d in letters} == {"intake.inbound"}
    assert all(d["original_topic"] == inbound and d["error"] for d in letters)
    assert any("undecodable" in d["error"] and "UTF-8" in d["error"] for d in letters), [d["error"] for d in letters]


async def test_every_service_exposes_health_readiness_and_metrics(stack):
    async with httpx.AsyncClient(timeout=5) as client:
        for name in ("intake", "routing", "sla", "escalation", "projections"):
            assert (await client.get(f"{stack.url(name)}/healthz")).status_code == 200
            ready = await client.get(f"{stack.url(name)}/readyz")
            assert ready.status_code == 200 and ready.json()["checks"]["postgres"] is True
        metrics = (await client.get(f"{stack.url('intake')}/metrics")).text
        for family in (
            "helpdesk_consumed_total",
            "helpdesk_produced_total",
            "helpdesk_consumer_lag",
            "helpdesk_handler_seconds",
            "helpdesk_deadletter_total",
        ):
            assert family in metrics, family


def test_operator_command_creates_topics_and_reports_status(stack):
    env = dict(os.environ, **{k: v for k, v in stack.env().items() if k.startswith("HELPDESK_")})
    helpdesk = str(Path(sys.executable).parent / "helpdesk")
    created = subprocess.run([helpdesk, "topics", "create"], env=env, capture_output=True, text=True, check=True)
    assert f"{stack.prefix}helpdesk.tickets" in created.stdout and "exists" in created.stdout
    described = subprocess.run([helpdesk, "topics", "describe"], env=env, capture_output=True, text=True, check=True)
    assert "partitions=12" in described.stdout and "'retention.ms': '-1'" in described.stdout
    status = subprocess.run([helpdesk, "status"], env=env, capture_output=True, text=True, check=False, timeout=60)
    assert "outbox backlog=" in status.stdout and "lag intake.inbound" in status.stdout, status.stdout + status.stderr
