"""Intake against the real stack: every channel, threading, loop protection, idempotency, agent commands."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from helpdesk_testing import eventually, read_topic

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ADAPTER = {"Authorization": "Bearer dev-adapter-key"}
AGENT = {"Authorization": "Bearer dev-agent-key"}
RAW = {**ADAPTER, "Content-Type": "message/rfc822"}
CORPUS = Path(__file__).resolve().parents[2] / "services" / "intake" / "tests" / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
TICKET_OUTCOMES = {"opened", "appended", "reopened", "follow_up"}


def uid() -> str:
    return uuid.uuid4().hex[:10]


def message(channel: str = "web", **over: object) -> dict[str, object]:
    body: dict[str, object] = {
        "message_id": f"{channel}-{uid()}",
        "channel": channel,
        "received_at": datetime.now(UTC).isoformat(),
        "sender": {"email": f"user-{uid()}@cliente.example", "name": "Cliente"},
        "subject": "No puedo acceder al correo",
        "body": "Desde esta mañana no puedo acceder al correo.",
    }
    body.update(over)
    return body


def email(subject: str, body: str = "Hola, tengo un problema.", *, headers: str = "", sender: str = "") -> bytes:
    mid = f"<{uid()}@cliente.example>"
    frm = sender or f"Cliente <c-{uid()}@cliente.example>"
    text = (
        f"From: {frm}\r\nTo: soporte@acme.example\r\nSubject: {subject}\r\nMessage-ID: {mid}\r\n"
        f"Date: Mon, 23 Nov 2026 09:00:00 +0100\r\n{headers}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    return text.encode()


class Intake:
    def __init__(self, client: httpx.AsyncClient, stack) -> None:
        self.client = client
        self.stack = stack
        self.url = stack.url("intake")

    async def post(self, msg: dict[str, object]) -> str:
        resp = await self.client.post(f"{self.url}/v1/inbound", json=msg, headers=ADAPTER)
        assert resp.status_code == 202, resp.text
        return str(msg["message_id"])

    async def post_email(self, raw: bytes, **params: str) -> str:
        resp = await self.client.post(f"{self.url}/v1/inbound/email", content=raw, headers=RAW, params=params)
        assert resp.status_code == 202, resp.text
        return str(resp.json()["message_id"])

    async def outcome(self, mid: str, timeout: float = 20) -> dict:
        async def probe() -> dict | None:
            resp = await self.client.get(f"{self.url}/v1/inbound/{quote(mid, safe='')}", headers=ADAPTER)
            body = resp.json()
            return body if resp.status_code == 200 and body["status"] != "pending" else None

        return await eventually(probe, timeout=timeout, what=f"outcome of {mid}")

    async def command(self, ticket: str, what: str, body: dict, *, headers: dict | None = None) -> httpx.Response:
        path = f"{self.url}/v1/tickets" + (f"/{ticket}/{what}" if ticket else "")
        return await self.client.post(path, json=body, headers=headers or AGENT)


async def ticket_events(stack, ticket_id: str, want: int = 1) -> list[dict]:
    async def probe() -> list[dict]:
        records = await read_topic(stack.bootstrap, f"{stack.prefix}helpdesk.tickets")
        found = [json.loads(r.value) for r in records if r.key == ticket_id.encode()]
        return found if len(found) >= want else []

    return await eventually(probe, timeout=20, what=f"{want} events of {ticket_id}")


async def opened_data(stack, ticket_id: str) -> dict:
    events = await ticket_events(stack, ticket_id)
    return next(e["data"] for e in events if e["type"] == "TicketOpened")


@pytest.fixture
async def intake(stack):
    async with httpx.AsyncClient(timeout=30) as client:
        yield Intake(client, stack)


# Channels -------------------------------------------------------------------------------------------------------


async def test_every_channel_becomes_a_ticket_with_a_normalised_contact(intake, stack):
    tag = uid()
    cases = {
        "web": message("web", sender={"email": f"Web.{tag}@Cliente.example", "name": "Web"}),
        "chat": message("chat", sender={"handle": f"@chat{tag}", "platform": "webchat"}, thread_ref=f"c-{tag}"),
        "phone": message(
            "phone",
            sender={"phone": "91 123 45 67"},
            body="Transcripción: el portátil no arranca.",
            metadata={"ivr_selection": "2-soporte", "voicemail_url": "https://pbx.example/vm/1"},
        ),
        "whatsapp": message("whatsapp", sender={"phone": "+34 600 222 333", "name": "Marta"}, thread_ref=f"wa-{tag}"),
        "social": message("social", sender={"handle": f"Maria{tag}", "platform": "twitter"}, thread_ref=f"tw-{tag}"),
        "email": message("email", sender={"email": f"Mail.{tag}@Cliente.example"}, in_reply_to=None),
    }
    expected_contacts = {
        "web": f"email:web.{tag}@cliente.example",
        "chat": f"handle:webchat:chat{tag}",
        "phone": "phone:+34911234567",
        "whatsapp": "phone:+34600222333",
        "social": f"handle:twitter:maria{tag}",
        "email": f"email:mail.{tag}@cliente.example",
    }
    for msg in cases.values():
        await intake.post(msg)
    for channel, msg in cases.items():
        done = await intake.outcome(str(msg["message_id"]))
        assert done["status"] == "opened" and done["folio"].startswith("HD-"), done
        data = await opened_data(stack, done["ticket_id"])
        assert data["channel"] == channel
        assert data["customer"]["contact_id"] == expected_contacts[channel]
    phone_ticket = await opened_data(stack, (await intake.outcome(str(cases["phone"]["message_id"])))["ticket_id"])
    assert phone_ticket["metadata"]["ivr_selection"] == "2-soporte"
    assert phone_ticket["thread_ref"] == "+34911234567"  # the caller is the conversation


async def test_raw_email_over_http_is_parsed_into_a_ticket(intake, stack):
    raw = (CORPUS / "09-nested-inline-image.eml").read_bytes().replace(b"c09@", f"c09-{uid()}@".encode())
    mid = await intake.post_email(raw)
    assert not mid.startswith("<")
    done = await intake.outcome(mid)
    assert done["status"] == "opened"
    data = await opened_data(stack, done["ticket_id"])
    assert data["channel"] == "email" and data["subject"] == "Captura del error"
    assert "Adjunto la captura" in data["body"] and "cid:" in data["body_html"]
    assert {a["name"] for a in data["attachments"]} == {"captura.png", "informe.pdf"}
    assert all(len(a["sha256"]) == 64 and a["size"] > 0 for a in data["attachments"])
    assert data["customer"]["email"] == "tomas@cliente.example"


async def test_raw_rfc822_on_kafka_is_parsed_and_the_same_email_again_is_a_duplicate(intake, stack):
    raw = email("No funciona el escáner", "El escáner de la planta 3 no funciona.")
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    first, second = f"gw-{uid()}", f"gw-{uid()}"
    try:
        for mid in (first, second):
            record = {
                "message_id": mid,
                "channel": "email",
                "received_at": datetime.now(UTC).isoformat(),
                "raw_rfc822": base64.b64encode(raw).decode(),
            }
            await producer.send_and_wait(f"{stack.prefix}helpdesk.inbound", json.dumps(record).encode(), key=b"gw")
    finally:
        await producer.stop()
    done = await intake.outcome(first)
    assert done["status"] == "opened"
    data = await opened_data(stack, done["ticket_id"])
    assert data["subject"] == "No funciona el escáner" and data["metadata"]["email_message_id"]
    dup = await intake.outcome(second)
    assert dup["status"] == "ignored" and "duplicate" in dup["reason"] and first in dup["reason"]
    # and over HTTP: the same raw email is the same message (its Message-ID), one effect
    again = await intake.post_email(raw)
    assert (await intake.outcome(again))["status"] in ("ignored", *TICKET_OUTCOMES)


async def test_api_channel_opens_tickets_through_the_command_api(intake, stack):
    body = {
        "subject": "Alta de usuario",
        "body": "Crear la cuenta de la nueva compañera.",
        "customer": {"email": "jefa@cliente.example", "name": "Jefa"},
        "priority": "P2",
        "request_id": f"open-{uid()}",
    }
    first = await intake.command("", "", body)
    assert first.status_code == 201, first.text
    again = await intake.command("", "", body)
    assert again.json() == first.json()
    data = await opened_data(stack, first.json()["ticket_id"])
    assert (data["channel"], data["priority"], data["folio"]) == ("api", "P2", first.json()["folio"])
    bad = await intake.command("", "", {"subject": "", "body": "x", "customer": {}})
    assert bad.status_code == 422


# Loop and noise protection --------------------------------------------------------------------------------------

NOISE = [
    ("Auto-Submitted: auto-replied\r\n", "auto-submitted"),
    ("X-Autoreply: yes\r\n", "x-autoreply"),
    ("X-Autorespond: yes\r\n", "x-autorespond"),
    ("Precedence: bulk\r\n", "precedence: bulk"),
    ("Precedence: junk\r\n", "precedence: junk"),
    ("Precedence: list\r\n", "precedence: list"),
    ("X-Auto-Response-Suppress: OOF\r\n", "x-auto-response-suppress"),
    ("List-Id: <usuarios.lists.example>\r\n", "mailing list"),
    ("List-Unsubscribe: <mailto:u@lists.example>\r\n", "mailing list"),
]


@pytest.mark.parametrize(("header", "reason"), NOISE, ids=[r for _, r in NOISE])
async def test_auto_replies_and_list_traffic_never_open_tickets(intake, header, reason):
    mid = await intake.post_email(email("Fuera de la oficina", "Vuelvo el lunes.", headers=header))
    done = await intake.outcome(mid)
    assert done["status"] == "ignored" and reason in done["reason"] and done["ticket_id"] is None


@pytest.mark.parametrize("name", ["26-bounce-report", "27-bounce-mailer-daemon-plain", "28-bounce-postmaster"])
async def test_bounces_never_open_tickets(intake, name):
    raw = (CORPUS / f"{name}.eml").read_bytes().replace(b"Message-ID: <c2", f"Message-ID: <{uid()}".encode())
    done = await intake.outcome(await intake.post_email(raw))
    assert done["status"] == "ignored" and "bounce" in done["reason"]


async def test_a_json_adapter_passing_headers_is_protected_too(intake):
    mid = await intake.post(message("email", headers={"Auto-Submitted": "auto-generated"}))
    done = await intake.outcome(mid)
    assert done["status"] == "ignored" and "auto-generated" in done["reason"]


async def test_a_flooding_sender_is_throttled(intake):
    sender = {"email": f"flood-{uid()}@cliente.example"}
    at = datetime.now(UTC).isoformat()
    ids = [await intake.post(message("web", sender=sender, received_at=at, subject=f"n{i}")) for i in range(23)]
    outcomes = [(await intake.outcome(mid))["status"] for mid in ids]
    assert outcomes.count("ignored") == 3 and "ignored" not in outcomes[:20]
    last = await intake.outcome(ids[-1])
    assert "throttled" in last["reason"]


# Threading ------------------------------------------------------------------------------------------------------


async def test_email_threads_by_references_folio_and_agent_reply_ids(intake, stack):
    first = await intake.post_email(email("Problema con la VPN", "La VPN no conecta."))
    opened = await intake.outcome(first)
    by_ref = email("Re: Problema con la VPN", "Sigue igual.", headers=f"In-Reply-To: <{first}>\r\n")
    assert (await intake.outcome(await intake.post_email(by_ref)))["ticket_id"] == opened["ticket_id"]
    by_folio = email(f"RE: [{opened['folio']}] otra cosa", "Más datos.")
    joined = await intake.outcome(await intake.post_email(by_folio))
    assert (joined["status"], joined["ticket_id"]) == ("appended", opened["ticket_id"])
    reply = await intake.command(opened["folio"], "replies", {"body": "¿Qué versión del cliente VPN usa?"})
    assert reply.status_code == 201, reply.text
    events = await ticket_events(stack, opened["ticket_id"], want=4)
    reply_id = next(e["data"]["message_id"] for e in events if e["type"] == "AgentReplied")
    answer = email(
        "Re: tu respuesta",
        "La 5.1.\r\n\r\nOn Mon, Help Desk wrote:\r\n> version?",
        headers=f"In-Reply-To: <{reply_id}>\r\n",
    )
    joined = await intake.outcome(await intake.post_email(answer))
    assert joined["ticket_id"] == opened["ticket_id"]
    events = await ticket_events(stack, opened["ticket_id"], want=5)
    last = [e for e in events if e["type"] == "CustomerMessageReceived"][-1]["data"]
    assert last["body"] == "La 5.1." and "version?" in last["quoted"]


async def test_chat_whatsapp_and_social_thread_by_conversation(intake):
    for channel, sender in (
        ("chat", {"handle": f"u{uid()}", "platform": "webchat"}),
        ("whatsapp", {"phone": "+34 600 333 444"}),
        ("social", {"handle": f"u{uid()}", "platform": "facebook"}),
    ):
        conv = f"{channel}-conv-{uid()}"
        first = await intake.outcome(await intake.post(message(channel, sender=sender, thread_ref=conv)))
        second = await intake.outcome(await intake.post(message(channel, sender=sender, thread_ref=conv, body="y?")))
        assert (second["status"], second["ticket_id"]) == ("appended", first["ticket_id"]), channel
        other = await intake.outcome(await intake.post(message(channel, sender=sender, thread_ref=f"{conv}-2")))
        assert other["status"] == "opened"


async def test_reply_to_resolved_reopens_and_to_closed_opens_a_linked_follow_up(intake, stack):
    conv = f"chat-{uid()}"
    sender = {"handle": f"u{uid()}", "platform": "webchat"}
    first = await intake.outcome(await intake.post(message("chat", sender=sender, thread_ref=conv)))
    resolved = await intake.command(first["folio"], "status", {"status": "resolved", "resolution": "Reinicio"})
    assert resolved.status_code == 201, resolved.text
    reopened = await intake.outcome(await intake.post(message("chat", sender=sender, thread_ref=conv, body="otra vez")))
    assert (reopened["status"], reopened["ticket_id"]) == ("reopened", first["ticket_id"])
    closed = await intake.command(first["folio"], "status", {"status": "closed"})
    assert closed.status_code == 201, closed.text
    follow = await intake.outcome(await intake.post(message("chat", sender=sender, thread_ref=conv, body="y ahora?")))
    assert follow["status"] == "follow_up" and follow["ticket_id"] != first["ticket_id"]
    assert (await opened_data(stack, follow["ticket_id"]))["follow_up_of"] == first["ticket_id"]


async def test_phone_calls_thread_by_caller_only_within_the_window(intake, stack):
    caller = {"phone": f"+34 91 {uuid.uuid4().int % 10**7:07d}"}
    first = await intake.outcome(await intake.post(message("phone", sender=caller)))
    again = await intake.outcome(await intake.post(message("phone", sender=caller, body="Llamo otra vez")))
    assert (again["status"], again["ticket_id"]) == ("appended", first["ticket_id"])
    stack.shift_clock(2 * 3600)
    try:
        later = await intake.outcome(await intake.post(message("phone", sender=caller, body="Otra incidencia")))
        assert later["status"] == "opened" and later["ticket_id"] != first["ticket_id"]
    finally:
        stack.shift_clock(0)


# Idempotency and agent commands ---------------------------------------------------------------------------------


async def test_the_same_email_posted_three_times_opens_one_ticket(intake, stack):
    raw = email("Teclado roto", "Se me ha roto el teclado.")
    ids = {await intake.post_email(raw) for _ in range(3)}
    assert len(ids) == 1
    done = await intake.outcome(ids.pop())
    events = await ticket_events(stack, done["ticket_id"])
    assert [e["type"] for e in events].count("TicketOpened") == 1


async def test_agent_commands_check_the_state_and_are_idempotent(intake, stack):
    done = await intake.outcome(await intake.post(message("web")))
    folio = done["folio"]
    prio = await intake.command(folio, "priority", {"priority": "P1", "request_id": f"p-{uid()}"})
    assert prio.status_code == 201, prio.text
    version = prio.json()["version"]
    stale = await intake.command(folio, "category", {"category": "access", "expected_version": version + 5})
    assert stale.status_code == 409 and stale.json()["detail"]["current_version"] >= version
    cat = await intake.command(folio, "category", {"category": "access"})
    assert cat.status_code == 201
    rid = f"n-{uid()}"
    notes = [await intake.command(folio, "notes", {"body": "Llamar al cliente", "request_id": rid}) for _ in range(2)]
    assert notes[0].json() == notes[1].json()
    early_csat = await intake.command(folio, "satisfaction", {"rating": 5}, headers=ADAPTER)
    assert early_csat.status_code == 422
    assert (await intake.command(folio, "status", {"status": "resolved"})).status_code == 422  # no resolution
    assert (await intake.command(folio, "status", {"status": "resolved", "resolution": "ok"})).status_code == 201
    assert (await intake.command(folio, "satisfaction", {"rating": 6}, headers=ADAPTER)).status_code == 422
    csat = await intake.command(folio, "satisfaction", {"rating": 4, "comment": "Rápido"}, headers=ADAPTER)
    assert csat.status_code == 201, csat.text
    assert (await intake.command(folio, "satisfaction", {"rating": 4}, headers=AGENT)).status_code == 403
    assert (await intake.command("HD-1999-000001", "notes", {"body": "x"})).status_code == 404
    events = await ticket_events(stack, done["ticket_id"], want=6)
    types = [e["type"] for e in events]
    assert types.count("InternalNoteAdded") == 1
    assert {"TicketPriorityChanged", "TicketCategoryChanged", "SatisfactionRated"} <= set(types)


async def test_merge_closes_the_duplicate_into_the_main_ticket(intake, stack):
    main = await intake.outcome(await intake.post(message("web")))
    conv = f"chat-{uid()}"
    dup = await intake.outcome(await intake.post(message("chat", sender={"handle": uid()}, thread_ref=conv)))
    merged = await intake.command(dup["folio"], "merge", {"into": main["folio"]})
    assert merged.status_code == 201, merged.text
    assert merged.json()["status"] == "closed"
    assert (await intake.command(dup["folio"], "merge", {"into": main["folio"]})).status_code == 422
    assert (await intake.command(main["folio"], "merge", {"into": "HD-1999-000009"})).status_code == 422
    events = await ticket_events(stack, main["ticket_id"], want=2)
    assert any(e["type"] == "InternalNoteAdded" and dup["folio"] in e["data"]["body"] for e in events)
    # the duplicate's conversation goes on in the main ticket
    more = await intake.outcome(await intake.post(message("chat", sender={"handle": uid()}, thread_ref=conv)))
    assert (more["status"], more["ticket_id"]) == ("appended", main["ticket_id"])


async def test_bad_email_requests(intake):
    url = f"{intake.url}/v1/inbound/email"
    plain = {**ADAPTER, "Content-Type": "text/plain"}
    wrong_type = await intake.client.post(url, content=b"From: a@b\r\n\r\nx", headers=plain)
    assert wrong_type.status_code == 415
    assert (await intake.client.post(url, content=b"   ", headers=RAW)).status_code == 422
    anonymous = await intake.client.post(url, content=email("x"), headers={"Content-Type": "message/rfc822"})
    assert anonymous.status_code == 401
    too_big = b"Subject: big\r\n\r\n" + b"x" * (25 * 1024 * 1024 + 10)
    assert (await intake.client.post(url, content=too_big, headers=RAW)).status_code == 413


# A sample of our corpus through the whole intake ----------------------------------------------------------------


async def test_corpus_sample_through_intake(intake):
    posted = {}
    for name in sorted(EXPECTED):
        raw = (CORPUS / f"{name}.eml").read_bytes()
        posted[name] = await intake.post_email(raw)
    for name, mid in posted.items():
        done = await intake.outcome(mid)
        exp = EXPECTED[name]
        if exp["outcome"] == "ignored":
            assert done["status"] == "ignored" and exp["reason"] in done["reason"], (name, done)
        else:
            assert done["status"] in TICKET_OUTCOMES, (name, done)


ZAMMAD = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "email" / "zammad"


@pytest.mark.skipif(not ZAMMAD.is_dir(), reason="shared Zammad corpus not present")
async def test_every_zammad_email_through_intake_becomes_a_ticket_or_is_ignored_with_a_reason(intake):
    posted = {}
    for path in sorted(ZAMMAD.glob("*.box")):
        posted[path.name] = await intake.post_email(path.read_bytes(), tenant="zammad")
    tenant = {"tenant": "zammad"}
    for name, mid in posted.items():
        url = f"{intake.url}/v1/inbound/{quote(mid, safe='')}"
        resp = await intake.client.get(url, headers=ADAPTER, params=tenant)
        assert resp.status_code == 200, (name, resp.text)

        async def settled(url: str = url) -> dict | None:
            r = await intake.client.get(url, headers=ADAPTER, params=tenant)
            return r.json() if r.json()["status"] != "pending" else None

        done = await eventually(settled, timeout=20, what=name)
        assert done["status"] in TICKET_OUTCOMES or (done["status"] == "ignored" and done["reason"]), (name, done)


async def test_contacts_merge_and_unmerge_and_their_tickets_follow(intake, stack):
    phone = f"+34 611 {uuid.uuid4().int % 10**6:06d}"
    mail = f"marta-{uid()}@cliente.example"
    by_wa = await intake.outcome(await intake.post(message("whatsapp", sender={"phone": phone}, thread_ref=uid())))
    await intake.outcome(await intake.post(message("email", sender={"email": mail})))
    wa_contact = (await opened_data(stack, by_wa["ticket_id"]))["customer"]["contact_id"]
    merge = {"contact_id": wa_contact, "into": f"email:{mail}", "request_id": f"m-{uid()}"}
    merged = await intake.client.post(f"{intake.url}/v1/contacts/merge", json=merge, headers=AGENT)
    assert merged.status_code == 201, merged.text
    assert merged.json()["tickets"] == [by_wa["ticket_id"]]
    again = await intake.client.post(f"{intake.url}/v1/contacts/merge", json=merge, headers=AGENT)
    assert again.json() == merged.json()  # idempotent by request id
    twice = await intake.client.post(
        f"{intake.url}/v1/contacts/merge", json={**merge, "request_id": uid()}, headers=AGENT
    )
    assert twice.status_code == 422
    events = await ticket_events(stack, by_wa["ticket_id"], want=2)
    changed = [e for e in events if e["type"] == "TicketContactChanged"]
    assert changed[-1]["data"]["customer"]["contact_id"] == f"email:{mail}"
    later = await intake.outcome(await intake.post(message("whatsapp", sender={"phone": phone}, thread_ref=uid())))
    assert (await opened_data(stack, later["ticket_id"]))["customer"]["contact_id"] == f"email:{mail}"
    unmerge = {"contact_id": wa_contact}
    undone = await intake.client.post(f"{intake.url}/v1/contacts/unmerge", json=unmerge, headers=AGENT)
    assert undone.status_code == 201 and undone.json()["tickets"] == [by_wa["ticket_id"]]
    events = await ticket_events(stack, by_wa["ticket_id"], want=3)
    assert [e for e in events if e["type"] == "TicketContactChanged"][-1]["data"]["customer"][
        "contact_id"
    ] == wa_contact
    again = await intake.client.post(f"{intake.url}/v1/contacts/unmerge", json=unmerge, headers=AGENT)
    assert again.status_code == 404


async def test_undecodable_raw_email_on_kafka_is_dead_lettered_with_the_reason(intake, stack):
    mid = f"gw-bad-{uid()}"
    record = {"message_id": mid, "channel": "email", "received_at": datetime.now(UTC).isoformat(), "raw_rfc822": "@@@"}
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(f"{stack.prefix}helpdesk.inbound", json.dumps(record).encode(), key=b"gw")
    finally:
        await producer.stop()
    done = await intake.outcome(mid)
    assert done["status"] == "dead_lettered" and "base64" in done["reason"]


async def test_html_bodies_from_json_adapters_are_sanitised(intake, stack):
    html = '<p>Hola <b>equipo</b></p><script>alert(1)</script><img src="x" onerror="steal()">'
    done = await intake.outcome(await intake.post(message("web", body=html, body_is_html=True)))
    data = await opened_data(stack, done["ticket_id"])
    assert data["body"] == "Hola equipo"
    assert (
        "<script" not in data["body_html"]
        and "onerror" not in data["body_html"]
        and "<b>equipo</b>" in data["body_html"]
    )


async def test_raw_rfc822_in_json_over_http_and_oversized_json_messages(intake, stack):
    raw = email("Pantalla azul", "El ordenador muestra una pantalla azul al arrancar.")
    mid = await intake.post(message("email", raw_rfc822=base64.b64encode(raw).decode(), subject=None, body=""))
    done = await intake.outcome(mid)
    assert done["status"] == "opened"
    assert (await opened_data(stack, done["ticket_id"]))["subject"] == "Pantalla azul"
    huge = await intake.client.post(
        f"{intake.url}/v1/inbound", json=message("web", body="x" * 1_500_000), headers=ADAPTER
    )
    assert huge.status_code == 413 and "attachments" in huge.json()["detail"]
