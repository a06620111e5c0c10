"""GET /v1/tickets: every filter, sort and cursor pagination; GET /v1/tickets/{ref}?as_of= time travel."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from helpdesk_events import Customer
from helpdesk_events import testing as b
from helpdesk_testing import eventually

pytestmark = pytest.mark.integration

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def iso(when: datetime) -> str:
    return when.isoformat()


@pytest.fixture(scope="module")
async def world(projections):
    """Six tickets of one tenant with distinct attributes, and one of another tenant."""
    tag = uuid.uuid4().hex[:6]
    tenant = f"acme-{tag}"
    ids: dict[str, str] = {}

    def opened(name: str, minute: float, **data):
        tid = f"{name}-{tag}"
        ids[name] = tid
        folio = f"HD-2026-{uuid.uuid4().int % 10**6:06d}"
        event = b.opened(at=at(minute), ticket=tid, folio=folio, **data)
        return event.model_copy(update={"tenant": tenant})

    def t(event):
        return event.model_copy(update={"tenant": tenant})

    bob = Customer(contact_id="crm:bob", email="bob@corp.example", name="Bob")
    events = [
        opened(
            "printer",
            0,
            subject="La impresora no imprime",
            body="Planta 2",
            priority="P2",
            channel="web",
            category="hardware",
            language="es",
        ),
        opened(
            "vpn",
            10,
            subject="VPN down",
            body="Cannot connect from home",
            priority="P1",
            channel="email",
            category="network",
            language="en",
            customer=bob,
        ),
        opened(
            "payroll",
            20,
            subject="Nómina de marzo",
            body="Falta el pago",
            priority="P3",
            channel="phone",
            category="hr",
            language="es",
        ),
        opened(
            "laptop",
            30,
            subject="Laptop slow",
            body="Very slow since update",
            priority="P4",
            channel="chat",
            category="hardware",
            language="en",
        ),
        opened(
            "wifi",
            40,
            subject="Wifi intermitente",
            body="Se corta la wifi",
            priority="P2",
            channel="whatsapp",
            category="network",
            language="es",
        ),
        opened(
            "excel",
            50,
            subject="Excel crashes",
            body="Excel closes itself",
            priority="P3",
            channel="api",
            category="software",
            language="en",
            customer=bob,
        ),
    ]
    events += [
        t(b.assigned("lucia", "service-desk", at=at(61), ticket=ids["printer"])),
        t(b.policy(b.due("first_response", at(90)), at=at(60), ticket=ids["printer"])),
        t(b.assigned("tomas", "network", at=at(62), ticket=ids["vpn"])),
        t(b.policy(b.due("first_response", at(20)), at=at(60), ticket=ids["vpn"])),
        t(b.queued("network", at=at(63), ticket=ids["wifi"])),
        t(b.policy(b.due("first_response", at(100)), at=at(60), ticket=ids["wifi"])),
        t(b.status("pending", at=at(64), ticket=ids["payroll"], frm="new")),
        t(b.status("resolved", at=at(65), ticket=ids["laptop"], frm="new", resolution="Rolled back the update")),
    ]
    # SLA: vpn breached; wifi in warning
    vpn_breach = b.breached("first_response", at(20), at=at(70))
    events.append(vpn_breach.model_copy(update={"ticket_id": ids["vpn"], "tenant": tenant}))
    wifi_warn = b.warned("first_response", at(100), at=at(80))
    events.append(wifi_warn.model_copy(update={"ticket_id": ids["wifi"], "tenant": tenant}))
    other = b.opened(at=at(5), ticket=f"other-{tag}", folio=f"HD-2026-{uuid.uuid4().int % 10**6:06d}")
    await projections.publish(*events, other)
    expected = {"printer": 3, "vpn": 4, "payroll": 2, "laptop": 2, "wifi": 4, "excel": 1}
    for name, version in expected.items():

        async def probe(tid=ids[name], v=version):
            return await projections.sql("SELECT 1 FROM tickets WHERE ticket_id = $1 AND version >= $2", tid, v)

        await eventually(probe, timeout=20, what=f"{name} projected")
    by_id = {v: k for k, v in ids.items()}
    return tenant, ids, by_id


async def names(projections, world, **params) -> list[str]:
    tenant, _, by_id = world
    page = await projections.ok("/v1/tickets", tenant=tenant, limit=100, **params)
    return [by_id[item["ticket_id"]] for item in page["items"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["excel", "wifi", "laptop", "payroll", "vpn", "printer"]),
        ({"status": "new"}, ["excel", "wifi", "vpn", "printer"]),
        ({"status": "pending,resolved"}, ["laptop", "payroll"]),
        ({"priority": "P2"}, ["wifi", "printer"]),
        ({"team": "network"}, ["wifi", "vpn"]),
        ({"assignee": "lucia"}, ["printer"]),
        ({"assignee": "none", "team": "network"}, ["wifi"]),
        ({"channel": "whatsapp"}, ["wifi"]),
        ({"category": "hardware"}, ["laptop", "printer"]),
        ({"customer": "BOB@corp.example"}, ["excel", "vpn"]),
        ({"customer": "crm:bob", "channel": "email"}, ["vpn"]),
        ({"sla": "breached"}, ["vpn"]),
        ({"sla": "warning"}, ["wifi"]),
        ({"sla": "ok"}, ["printer"]),
        ({"created_from": iso(at(20)), "created_to": iso(at(40))}, ["laptop", "payroll"]),
        ({"updated_from": iso(at(64)), "updated_to": iso(at(66))}, ["laptop", "payroll"]),
        ({"q": "impresoras"}, ["printer"]),
        ({"q": "connect home"}, ["vpn"]),
        ({"q": "nomina"}, ["payroll"]),
        ({"q": "rolled back"}, ["laptop"]),
    ],
)
async def test_filters(projections, world, params, expected):
    assert await names(projections, world, **params) == expected


async def test_tenants_are_isolated(projections, world):
    tenant, ids, _ = world
    resp = await projections.get(f"/v1/tickets/{ids['printer']}")  # default tenant
    assert resp.status_code == 404
    assert (await projections.get(f"/v1/tickets/{ids['printer']}", tenant=tenant)).status_code == 200


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("created_at", ["printer", "vpn", "payroll", "laptop", "wifi", "excel"]),
        ("priority", ["vpn", "printer", "wifi", "excel", "payroll", "laptop"]),
        ("next_due_at", ["printer", "wifi", "excel", "laptop", "payroll", "vpn"]),
    ],
)
async def test_sort(projections, world, sort, expected):
    got = await names(projections, world, sort=sort)
    if sort == "priority":  # ties (same priority) are ordered by ticket id: compare the priority sequence
        tenant = world[0]
        page = await projections.ok("/v1/tickets", tenant=tenant, sort=sort)
        assert [i["priority"] for i in page["items"]] == ["P1", "P2", "P2", "P3", "P3", "P4"]
    else:
        assert got == expected


@pytest.mark.parametrize("sort", ["created_at", "-created_at", "priority", "-updated_at", "next_due_at", "folio"])
async def test_cursor_pagination_walks_every_ticket_once(projections, world, sort):
    tenant, ids, _ = world
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"tenant": tenant, "limit": 4, "sort": sort, **({"cursor": cursor} if cursor else {})}
        page = await projections.ok("/v1/tickets", **params)
        seen += [i["ticket_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids.values())
    everything = await projections.ok("/v1/tickets", tenant=tenant, sort=sort, limit=100)
    assert seen == [i["ticket_id"] for i in everything["items"]]


@pytest.mark.parametrize("cursor", ["garbage!", "eyJ4IjoxfQ", "WzEsImNyZWF0ZWRfYXQiLCJub3QgYSBkYXRlIiwieCJd"])
async def test_bad_cursor_is_422(projections, world, cursor):
    resp = await projections.get("/v1/tickets", cursor=cursor, sort="created_at")
    assert resp.status_code == 422, resp.text


async def test_cursor_of_another_sort_is_422(projections, world):
    page = await projections.ok("/v1/tickets", tenant=world[0], limit=2, sort="created_at")
    resp = await projections.get("/v1/tickets", tenant=world[0], cursor=page["next_cursor"], sort="priority")
    assert resp.status_code == 422


@pytest.mark.parametrize("params", [{"status": "lost"}, {"sla": "late"}, {"sort": "color"}, {"limit": 0}])
async def test_bad_filters_are_422(projections, params):
    assert (await projections.get("/v1/tickets", **params)).status_code == 422


async def test_time_travel_at_several_instants(projections):
    tid = f"tt-{uuid.uuid4().hex[:8]}"
    folio = f"HD-2026-{uuid.uuid4().int % 10**6:06d}"
    await projections.publish(
        b.opened(at=at(0), ticket=tid, folio=folio, priority="P3"),
        b.assigned("lucia", "service-desk", at=at(5), ticket=tid),
        b.replied(at=at(10), ticket=tid, agent="lucia"),
        b.reprioritised("P1", at=at(15), ticket=tid),
        b.status("resolved", at=at(20), ticket=tid, resolution="Done"),
        b.status("open", at=at(30), ticket=tid, frm="resolved"),
    )
    await projections.versions(tid, 6)

    async def state_at(minute: float) -> dict:
        view = await projections.ok(f"/v1/tickets/{folio}", as_of=iso(at(minute)))
        assert all(datetime.fromisoformat(e["occurred_at"]) <= at(minute) for e in view["timeline"])
        assert view["as_of"] is not None
        return view

    v = await state_at(1)
    assert (v["ticket"]["status"], v["ticket"]["assignee"], len(v["timeline"])) == ("new", None, 1)
    v = await state_at(7)
    assert (v["ticket"]["assignee"], v["ticket"]["priority"]) == ("lucia", "P3")
    v = await state_at(15)
    assert (v["ticket"]["status"], v["ticket"]["priority"], len(v["timeline"])) == ("open", "P1", 4)
    v = await state_at(25)
    assert (v["ticket"]["status"], v["ticket"]["resolution"]) == ("resolved", "Done")
    v = await state_at(60)
    assert (v["ticket"]["status"], v["ticket"]["reopen_count"]) == ("open", 1)
    now = await projections.ok(f"/v1/tickets/{folio}")
    assert v["ticket"] == now["ticket"]
    assert (await projections.get(f"/v1/tickets/{folio}", as_of=iso(at(-1)))).status_code == 404
    assert (await projections.get(f"/v1/tickets/{folio}", as_of="yesterday")).status_code == 422
