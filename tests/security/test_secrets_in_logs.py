"""No secret and no message text in the logs: real traffic through the five services logging at INFO (every
line they write goes to the stack's log files), then every line is searched.

The traffic: a web message, a raw email, an agent's reply, note and resolution, a message refused by
validation and two poison records on the inbound topic (dead-lettered, one with a body that is not even a
string), all carrying a unique marker in their text; plus requests with every API key, an unknown key and
no key. Searched for: the marker, every API key, the unknown key, the PostgreSQL password of this run's
login role and its DSN.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from helpdesk_testing import eventually
from helpdesk_testing.stack import PORTS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def dead_letters(secure) -> int:
    path = Path(secure.log_dir) / "intake.log"
    return path.read_text(errors="replace").count("record dead-lettered")


async def test_no_key_password_or_message_text_reaches_the_logs(secure, kafka_bootstrap):
    marker = f"MARKER{uuid.uuid4().hex}"
    unknown_key = f"sk-unknown-{uuid.uuid4().hex}"
    intake = secure.url("intake")
    async with httpx.AsyncClient(timeout=20) as client:
        web = {
            "message_id": f"logs-{uuid.uuid4().hex[:8]}",
            "channel": "web",
            "received_at": "2026-11-23T10:00:00+01:00",
            "sender": {"email": "ana@cliente.example", "name": "Ana"},
            "subject": "No puedo entrar en la VPN",
            "body": f"Mi contraseña es {marker}-web y no funciona.",
        }
        r = await client.post(f"{intake}/v1/inbound", json=web, headers=secure.auth("adapter"))
        assert r.status_code == 202, r.text
        email = (
            "From: Luis <luis@cliente.example>\r\nTo: soporte@acme.example\r\nSubject: Factura\r\n"
            f"Message-ID: <{uuid.uuid4().hex}@cliente.example>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0100\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\nMi IBAN es {marker}-email.\r\n"
        ).encode()
        headers = {**secure.auth("adapter"), "Content-Type": "message/rfc822"}
        r = await client.post(f"{intake}/v1/inbound/email", content=email, headers=headers)
        assert r.status_code == 202, r.text
        email_id = r.json()["message_id"]
        bad = dict(web, message_id="logs-bad", channel="carrier-pigeon", body=f"{marker}-refused")
        r = await client.post(f"{intake}/v1/inbound", json=bad, headers=secure.auth("adapter"))
        assert r.status_code == 422

        async def folio(mid: str) -> str | None:
            r = await client.get(f"{intake}/v1/inbound/{mid}", headers=secure.auth("adapter"))
            return r.json().get("folio") if r.status_code == 200 else None

        ticket = await eventually(lambda: folio(web["message_id"]), timeout=30, what="web ticket")
        await eventually(lambda: folio(email_id), timeout=30, what="email ticket")
        for what, body in (
            ("replies", {"body": f"Le escribo {marker}-reply"}),
            ("notes", {"body": f"Nota interna {marker}-note"}),
            ("status", {"status": "resolved", "resolution": f"Resuelto {marker}-resolution"}),
        ):
            r = await client.post(f"{intake}/v1/tickets/{ticket}/{what}", json=body, headers=secure.auth("agent"))
            assert r.status_code == 201, r.text

        before = dead_letters(secure)
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
        await producer.start()
        try:
            poisons = [  # an unknown channel; a body that is not a string (the reason names the field's kind only)
                dict(web, message_id=f"logs-poison-{uuid.uuid4().hex[:6]}", channel="fax", body=f"{marker}-dlq"),
                dict(web, message_id=f"logs-poison-{uuid.uuid4().hex[:6]}", body={"text": f"{marker}-object"}),
            ]
            for poison in poisons:
                await producer.send_and_wait(f"{secure.prefix}helpdesk.inbound", json.dumps(poison).encode())
        finally:
            await producer.stop()
        await eventually(lambda: dead_letters(secure) >= before + 2, timeout=30, what="the poison dead-lettered")

        for service in PORTS:
            url = secure.url(service)
            for key in [*secure.keys.values(), unknown_key]:
                await client.get(f"{url}/v1/tickets", headers={"Authorization": f"Bearer {key}"})
            await client.get(f"{url}/v1/tickets")

        async def resolved() -> bool:
            r = await client.get(f"{secure.url('projections')}/v1/tickets/{ticket}", headers=secure.auth("analyst"))
            return r.status_code == 200 and r.json()["ticket"]["status"] == "resolved"

        await eventually(resolved, timeout=30, what="the resolution in projections")

    logs = secure.logs()
    lines = [line for text in logs.values() for line in text.splitlines()]
    assert {f"{s}.log" for s in PORTS} <= set(logs)
    levels = {json.loads(line)["level"] for line in lines if line.startswith("{")}
    assert "info" in levels, "the services log at INFO"
    assert sum("service started" in line for line in lines) >= len(PORTS)
    secrets = {
        "the message marker": marker,
        "the unknown key": unknown_key,
        "the PostgreSQL password": secure.pg_password,
        "the DSN": secure.dsn,
        **{f"the {role} key": key for role, key in secure.keys.items()},
    }
    for what, secret in secrets.items():
        found = [f"{name}: {line[:300]}" for name, text in logs.items() for line in text.splitlines() if secret in line]
        assert not found, f"{what} is in the logs:\n" + "\n".join(found[:5])
