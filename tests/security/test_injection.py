"""SQL-injection and XSS payloads are inert: in every text field of intake's inbound message and command
bodies, in every query filter and path parameter of every GET operation of the five services.

Inert means: the answer is 2xx or 4xx (never 5xx); an injected filter finds no ticket the honest filter
would not (and never one of another tenant); every table is still there afterwards; hostile text a customer
or an agent wrote comes back verbatim as a JSON string; HTML bodies are sanitised before they are stored;
and the dashboard shows such text as text (the HTML it serves carries no ticket data, its scripts only ever
set ``textContent``, and a real browser renders the hostile ticket without running anything).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
import pytest
from helpdesk_testing import eventually
from helpdesk_testing.stack import PORTS

from .payloads import PAYLOADS, SQLI, XSS, resolve, strings, text_fields, tickets_named, with_value

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "services" / "projections" / "src" / "projections" / "dashboard" / "static"
SCHEMAS = ("intake", "routing", "sla", "escalation", "projections")
OTHER_TENANT = "acme-sec"
CHROMIUM = "/usr/bin/chromium"


def inbound(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": f"sec-{uuid.uuid4().hex[:12]}",
        "channel": "web",
        "received_at": "2026-11-23T10:00:00+01:00",
        "sender": {"email": f"c-{uuid.uuid4().hex[:6]}@cliente.example", "name": "Cliente"},
        "subject": "La impresora no imprime",
        "body": "Desde esta mañana la impresora de la planta 2 no imprime.",
    }
    body.update(over)
    return body


async def table_names(dsn: str) -> set[tuple[str, str]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = ANY($1::text[])",
            list(SCHEMAS),
        )
    finally:
        await conn.close()
    return {(r["table_schema"], r["table_name"]) for r in rows}


async def outcome(client: httpx.AsyncClient, secure, mid: str, tenant: str = "default") -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        r = await client.get(
            f"{secure.url('intake')}/v1/inbound/{quote(mid, safe='')}",
            params={"tenant": tenant},
            headers=secure.auth("adapter"),
        )
        return r.json() if r.status_code == 200 and r.json()["status"] != "pending" else None

    return await eventually(done, timeout=30, what=f"outcome of {mid!r}")


async def view(client: httpx.AsyncClient, secure, folio: str, tenant: str = "default", **want: Any) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        r = await client.get(
            f"{secure.url('projections')}/v1/tickets/{folio}", params={"tenant": tenant}, headers=secure.auth("analyst")
        )
        if r.status_code != 200:
            return None
        body: dict[str, Any] = r.json()
        return body if all(body["ticket"].get(k) == v for k, v in want.items()) else None

    return await eventually(probe, timeout=30, what=f"{folio} in projections with {want}")


@pytest.fixture(scope="module")
async def tables(secure) -> set[tuple[str, str]]:
    """Every table of every service before any payload was sent."""
    names = await table_names(secure.dsn)
    assert {("intake", "tickets"), ("projections", "tickets"), ("routing", "work")} <= names
    return names


@pytest.fixture(scope="module")
async def hostile(secure, tables) -> dict[str, Any]:
    """Tickets written by hostile customers and agents, an honest one, and one in another tenant."""
    subject = XSS[0]
    body = f"{XSS[1]} {SQLI[1]} impresora"
    name = "Robert'); DROP TABLE contacts; --"
    reply, note, resolution = XSS[2], SQLI[0], f"{XSS[0]} cambio de tóner {SQLI[4]}"
    async with httpx.AsyncClient(timeout=20) as client:
        intake = secure.url("intake")
        msg = inbound(message_id=f"{SQLI[1]} {uuid.uuid4().hex[:6]}", subject=subject, body=body)
        msg["sender"]["name"] = name
        html = inbound(body=f"<p>Hola</p>{XSS[1]}{XSS[0]}<a href='javascript:alert(1)'>x</a>", body_is_html=True)
        other = inbound(subject="Ticket de otro cliente", body="La impresora tampoco imprime.", tenant=OTHER_TENANT)
        honest = inbound()
        for m in (msg, html, other, honest):
            r = await client.post(f"{intake}/v1/inbound", json=m, headers=secure.auth("adapter"))
            assert r.status_code == 202, r.text
        done = {
            k: await outcome(client, secure, m["message_id"], m.get("tenant", "default"))
            for k, m in (("msg", msg), ("html", html), ("other", other), ("honest", honest))
        }
        assert all(d["status"] == "opened" for d in done.values()), done
        folio = done["msg"]["folio"]
        for what, payload in (("replies", {"body": reply}), ("notes", {"body": note})):
            r = await client.post(f"{intake}/v1/tickets/{folio}/{what}", json=payload, headers=secure.auth("agent"))
            assert r.status_code == 201, r.text
        r = await client.post(
            f"{intake}/v1/tickets/{folio}/status",
            json={"status": "resolved", "resolution": resolution},
            headers=secure.auth("agent"),
        )
        assert r.status_code == 201, r.text
        ticket = await view(client, secure, folio, status="resolved")
        other_view = await view(client, secure, done["other"]["folio"], tenant=OTHER_TENANT)
        await view(client, secure, done["html"]["folio"])
        await view(client, secure, done["honest"]["folio"])
    return {
        "message_id": msg["message_id"],
        "folio": folio,
        "ticket": ticket,
        "texts": {
            "subject": subject,
            "body": body,
            "name": name,
            "reply": reply,
            "note": note,
            "resolution": resolution,
        },
        "html_folio": done["html"]["folio"],
        "other_ids": {other_view["ticket"]["ticket_id"], done["other"]["folio"]},
        "honest": done["honest"]["folio"],
    }


async def test_hostile_text_comes_back_verbatim_as_json_strings(secure, hostile, client):
    r = await client.get(f"{secure.url('projections')}/v1/tickets/{hostile['folio']}", headers=secure.auth("analyst"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    found = list(strings(r.json()))
    t = hostile["texts"]
    assert r.json()["ticket"]["subject"] == t["subject"]
    assert r.json()["ticket"]["customer"]["name"] == t["name"]
    assert r.json()["ticket"]["resolution"] == t["resolution"]
    for text in t.values():
        assert any(text in s for s in found), f"{text!r} not returned verbatim"
    r = await client.get(
        f"{secure.url('intake')}/v1/inbound/{quote(hostile['message_id'], safe='')}", headers=secure.auth("adapter")
    )
    assert r.status_code == 200 and r.json()["message_id"] == hostile["message_id"]
    r = await client.get(
        f"{secure.url('projections')}/v1/kb/search", params={"q": "cambio de tóner"}, headers=secure.auth("analyst")
    )
    assert r.status_code == 200
    assert [a["resolution"] for a in r.json() if a["folio"] == hostile["folio"]] == [t["resolution"]]


async def test_html_bodies_are_sanitised_before_they_are_stored(secure, hostile, client):
    r = await client.get(
        f"{secure.url('projections')}/v1/tickets/{hostile['html_folio']}", headers=secure.auth("analyst")
    )
    assert r.status_code == 200
    found = list(strings(r.json()))
    assert any("Hola" in s for s in found)
    for s in found:
        assert not re.search(r"<script|onerror|javascript:", s, re.I), s


def get_filters(doc: dict[str, Any]) -> list[tuple[str, set[str], str]]:
    """(path, its path parameters, one parameter) for every parameter of every GET operation but health."""
    out = []
    for path, item in doc["paths"].items():
        op = item.get("get")
        if op is None or path in ("/healthz", "/readyz", "/metrics", "/v1/stream"):
            continue
        params = [p for p in op.get("parameters", []) if p["in"] in ("query", "path")]
        in_path = {p["name"] for p in params if p["in"] == "path"}
        out.extend((path, in_path, p["name"]) for p in params)
    return out


async def tickets_found(
    client: httpx.AsyncClient, url: str, path: str, in_path: set[str], values: dict[str, str], headers: dict[str, str]
) -> set[str] | None:
    """The tickets a GET names (None when it is refused); never a 5xx."""
    for name in in_path:
        value = quote(values.get(name, "x"), safe="")
        path = path.replace(f"{{{name}}}", value).replace(f"{{{name}:path}}", value)
    query = {k: v for k, v in values.items() if k not in in_path}
    r = await client.get(url + path, params=query, headers=headers)
    assert r.status_code < 500, f"GET {url}{path} {query}: {r.status_code} {r.text}"
    return tickets_named(r.text) if r.status_code == 200 else None


async def test_query_and_path_filters_of_every_get_operation(secure, hostile, client):
    """Every query parameter and path parameter of every GET operation of every service, with every payload:
    never 5xx, never a ticket the honest filter does not find, never another tenant's ticket."""
    ticket = hostile["ticket"]["ticket"]
    honest = {
        "tenant": "default",
        "team": ticket["team"] or "service-desk",
        "category": ticket["category"] or "hardware",
        "assignee": ticket["assignee"] or "none",
        "customer": ticket["customer"]["email"],
        "q": "impresora",
        "presence": "online",
        "ticket": hostile["folio"],
        "message_id": hostile["message_id"],
        "status": "resolved",
        "channel": "web",
        "priority": ticket["priority"] or "P3",
    }
    headers = secure.auth("admin")
    sent = 0
    for service in PORTS:
        url = secure.url(service)
        doc = (await client.get(f"{url}/openapi.json")).json()
        for path, in_path, name in get_filters(doc):
            defaults = {p: honest.get(p, "x") for p in in_path}
            plain = {name: honest[name]} if name in honest else {}
            by_plain = await tickets_found(client, url, path, in_path, defaults | plain, headers)
            for payload in PAYLOADS:
                for value in (payload, honest.get(name, "") + payload):
                    got = await tickets_found(client, url, path, in_path, defaults | {name: value}, headers)
                    sent += 1
                    if got is None:
                        continue
                    # The honest filter: for an exact match, the plain value (an injected one matches nothing);
                    # for full text, any of its words searched alone (the query means all of them, or some).
                    if name == "q":
                        by_plain = set()
                        for word in value.split():
                            by_plain |= (
                                await tickets_found(client, url, path, in_path, defaults | {name: word}, headers)
                                or set()
                            )
                    leaked = got - (by_plain or set())
                    label = f"{service} GET {path} {name}={value!r}"
                    assert not (leaked & hostile["other_ids"]), f"{label} leaks another tenant's ticket: {leaked}"
                    assert not leaked, f"{label} finds tickets the honest filter does not: {leaked}"
    assert sent >= 300, sent


async def test_text_fields_of_inbound_and_command_bodies(secure, hostile, client):
    """Every text field (found in the OpenAPI document, so a new field is covered) with every payload.

    Runs after the filter test: the tickets it opens hold the payloads in their fields (a tenant named
    ``' OR 1=1 --`` included), which an honest filter for that exact value then rightly finds."""
    intake = secure.url("intake")
    doc = (await client.get(f"{intake}/openapi.json")).json()
    bases: dict[str, dict[str, Any]] = {
        "/v1/inbound": inbound(
            thread_ref="t-1",
            in_reply_to="<a@b>",
            references=["<a@b>"],
            attachments=[{"name": "a.txt", "content_type": "text/plain", "size": 1, "sha256": "0" * 64}],
            locale="es",
            metadata={"k": "v"},
            recipient="soporte@acme.example",
            cc=["x@cliente.example"],
        ),
        "/v1/tickets": {"subject": "Alta", "body": "Hola", "customer": {"email": "ana@cliente.example"}},
        "replies": {"body": "Lo miro."},
        "notes": {"body": "Nota."},
        "status": {"status": "pending", "reason": "esperando"},
        "priority": {"priority": "P2", "reason": "impacto"},
        "category": {"category": "hardware", "reason": "r"},
        "satisfaction": {"rating": 5, "comment": "bien"},
        "merge": {"into": hostile["honest"], "reason": "r"},
        "/v1/contacts/merge": {"contact_id": "email:a@cliente.example", "into": "email:b@cliente.example"},
        "/v1/contacts/unmerge": {"contact_id": "email:a@cliente.example"},
    }
    accepted: list[tuple[str, str]] = []
    answers: dict[str, set[int]] = {}

    async def post(target: str, body: dict[str, Any], role: str, label: str) -> None:
        r = await client.post(f"{intake}{target}", json=body, headers=secure.auth(role))
        answers.setdefault(label, set()).add(r.status_code)
        assert r.status_code < 500, f"{label}: {r.status_code} {r.text}"
        if target == "/v1/inbound" and r.status_code == 202:
            accepted.append((body["message_id"], body.get("tenant", "default")))

    for path, item in doc["paths"].items():
        op = item.get("post")
        if not op or "application/json" not in op.get("requestBody", {}).get("content", {}):
            continue
        schema = resolve(doc, op["requestBody"]["content"]["application/json"]["schema"])
        key = path if path in bases else path.rsplit("/", 1)[1]
        assert key in bases, f"no base body for POST {path}: add one so its text fields are tested"
        fields = list(text_fields(doc, schema))
        assert fields, path
        role = "adapter" if path.startswith("/v1/inbound") or path.endswith("/satisfaction") else "agent"
        for field in fields:
            target = path
            if "{ticket}" in path:  # a ticket of its own per command and field
                opened = await client.post(
                    f"{intake}/v1/tickets",
                    json={"subject": "Objetivo", "body": "x", "customer": {"email": "t@cliente.example"}},
                    headers=secure.auth("agent"),
                )
                target = path.replace("{ticket}", opened.json()["folio"])
            sends = []
            for payload in PAYLOADS:
                body = with_value(bases[key], field, payload)
                if path == "/v1/inbound":  # a message id of its own (the payload's, made unique), so each counts
                    unique = uuid.uuid4().hex[:6]
                    body["message_id"] = f"{payload} {unique}" if field == ("message_id",) else f"sec-{unique}"
                label = f"POST {path} {'.'.join(map(str, field))} = {payload!r}"
                sends.append(post(target, body, role, label))
            await asyncio.gather(*sends)
    assert len(answers) >= 300, len(answers)
    stored = [label for label, got in answers.items() if got & {201, 202}]
    for field in ("subject", "body", "sender.name", "message_id", "tenant"):
        assert any(f"POST /v1/inbound {field} = " in label for label in stored), f"no payload in {field} accepted"
    for path in ("/replies body", "/notes body", "/v1/tickets subject", "/status reason"):
        assert any(path in label for label in stored), f"no payload accepted in {path}"
    # Accepted messages are processed like any other: none is dead-lettered or left pending.
    for mid, tenant in accepted:
        done = await outcome(client, secure, mid, tenant)
        assert done["status"] != "dead_lettered", (mid, done)


async def test_the_dashboard_serves_no_ticket_text_and_its_scripts_only_set_text(secure, hostile, client):
    projections = secure.url("projections")
    for path in ("/", "/trends", f"/tickets/{hostile['folio']}", "/tickets/" + quote(XSS[0], safe="")):
        r = await client.get(projections + path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), path
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, csp
        for text in hostile["texts"].values():
            assert text not in r.text, f"{path} carries ticket text {text!r}"
        assert "onerror" not in r.text and "alert(" not in r.text, path
    for script in STATIC.glob("*.js"):
        code = script.read_text()
        assert not re.search(r"\.innerHTML\s*=|outerHTML\s*=|insertAdjacentHTML|document\.write|eval\(", code), script


async def test_a_browser_renders_the_hostile_ticket_as_text(secure, hostile):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (deploy/local/browser.sh installs it)")
    from playwright.async_api import async_playwright, expect

    dialogs: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"], headless=True)
        try:
            page = await browser.new_page()

            async def on_dialog(dialog: Any) -> None:
                dialogs.append(dialog.message)
                await dialog.dismiss()

            page.on("dialog", on_dialog)
            base = secure.url("projections")
            await page.goto(f"{base}/login")
            await page.get_by_label("API key").fill(secure.keys["analyst"])
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(re.compile(r"/$"))
            await page.goto(f"{base}/tickets/{hostile['folio']}")
            await expect(page.locator("main")).to_have_attribute("data-state", "ready", timeout=15_000)
            await expect(page.locator("#t-subject")).to_have_text(hostile["texts"]["subject"])
            await expect(page.locator("#t-timeline")).to_contain_text(hostile["texts"]["reply"])
            assert await page.locator("main img, main script, main svg[onload]").count() == 0
        finally:
            await browser.close()
    assert not dialogs, dialogs


async def test_every_table_is_still_there(secure, tables):
    assert await table_names(secure.dsn) == tables
    conn = await asyncpg.connect(secure.dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM projections.tickets") >= 4
    finally:
        await conn.close()
