"""The walking skeleton, end to end: five services as processes on the real Kafka and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from helpdesk_testing import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ADAPTER = {"Authorization": "Bearer dev-adapter-key"}
ANALYST = {"Authorization": "Bearer dev-analyst-key"}


def inbound(message_id: str, **over: object) -> dict[str, object]:
    body: dict[str, object] = {
        "message_id": message_id,
        "channel": "web",
        "received_at": datetime.now(UTC).isoformat(),
        "sender": {"email": "Ana.Garcia@Example.com", "name": "Ana García"},
        "subject": "La impresora no imprime",
        "body": "Desde esta mañana la impresora de la planta 2 no imprime nada.",
    }
    body.update(over)
    return body


async def outcome(client: httpx.AsyncClient, stack, message_id: str) -> dict | None:
    resp = await client.get(f"{stack.url('intake')}/v1/inbound/{message_id}", headers=ADAPTER)
    body = resp.json()
    return body if resp.status_code == 200 and body["status"] != "pending" else None


async def ticket_view(client: httpx.AsyncClient, stack, ref: str) -> dict | None:
    resp = await client.get(f"{stack.url('projections')}/v1/tickets/{ref}", headers=ANALYST)
    return resp.json() if resp.status_code == 200 else None


async def test_inbound_message_becomes_an_assigned_ticket_with_sla_due_times(stack):
    mid = f"web-{uuid.uuid4()}"
    async with httpx.AsyncClient(timeout=5) as client:
        resp = await client.post(f"{stack.url('intake')}/v1/inbound", json=inbound(mid), headers=ADAPTER)
        assert resp.status_code == 202, resp.text
        assert resp.json()["message_id"] == mid

        done = await eventually(lambda: outcome(client, stack, mid), timeout=10, what="inbound outcome")
        assert done["status"] == "opened"
        folio = done["folio"]
        assert folio.startswith(f"HD-{datetime.now(UTC).year}-")

        async def assigned_with_sla():
            view = await ticket_view(client, stack, folio)
            if view and view["ticket"]["assignee"] and view["ticket"]["sla"]:
                return view
            return None

        view = await eventually(assigned_with_sla, timeout=10, what="ticket assigned with SLA in projections")
        ticket = view["ticket"]
        assert ticket["folio"] == folio
        assert ticket["category"] == "hardware"
        assert ticket["language"] == "es"
        assert ticket["team"] == "service-desk"
        assert ticket["assignee"] in {"lucia", "tomas", "grace"}
        assert {"first_response", "resolution"} <= set(ticket["sla"])
        assert all(ticket["sla"][t]["due_at"] for t in ("first_response", "resolution"))
        types = [e["type"] for e in view["timeline"]]
        assert types[0] == "TicketOpened"
        assert {"TicketAssigned", "SlaPolicyApplied"} <= set(types)
        assigned = next(e for e in view["timeline"] if e["type"] == "TicketAssigned")
        assert assigned["data"]["reason"]["explanation"]


async def test_repeated_message_id_has_one_effect(stack):
    mid = f"web-{uuid.uuid4()}"
    async with httpx.AsyncClient(timeout=5) as client:
        for _ in range(3):
            resp = await client.post(f"{stack.url('intake')}/v1/inbound", json=inbound(mid), headers=ADAPTER)
            assert resp.status_code == 202
        done = await eventually(lambda: outcome(client, stack, mid), timeout=10, what="inbound outcome")
        view = await eventually(lambda: ticket_view(client, stack, done["folio"]), timeout=10, what="ticket visible")
        opened = [e for e in view["timeline"] if e["type"] == "TicketOpened"]
        assert len(opened) == 1


async def test_invalid_inbound_gets_422_with_the_reason(stack):
    async with httpx.AsyncClient(timeout=5) as client:
        resp = await client.post(
            f"{stack.url('intake')}/v1/inbound", json={"message_id": "x", "channel": "pigeon"}, headers=ADAPTER
        )
        assert resp.status_code == 422
        assert "channel" in resp.text
        resp = await client.post(f"{stack.url('intake')}/v1/inbound", json=inbound("y"))
        assert resp.status_code == 401
        resp = await client.post(
            f"{stack.url('intake')}/v1/inbound", json=inbound("z"), headers={"Authorization": "Bearer dev-analyst-key"}
        )
        assert resp.status_code == 403


async def test_breach_escalates_to_the_next_tier_and_routing_assigns_an_l2_agent(stack):
    mid = f"web-{uuid.uuid4()}"
    async with httpx.AsyncClient(timeout=5) as client:
        await client.post(
            f"{stack.url('intake')}/v1/inbound",
            json=inbound(mid, subject="VPN caída", body="No puedo conectar a la VPN desde casa."),
            headers=ADAPTER,
        )
        done = await eventually(lambda: outcome(client, stack, mid), timeout=10, what="inbound outcome")

        async def on_l1():
            view = await ticket_view(client, stack, done["folio"])
            return view if view and view["ticket"]["assignee"] else None

        await eventually(on_l1, timeout=10, what="assigned on L1")
        # The test policy gives 10 business minutes (24x7) to the first response: jump 11 minutes ahead.
        stack.shift_clock(11 * 60)

        async def escalated():
            view = await ticket_view(client, stack, done["folio"])
            if view and view["ticket"]["team"] == "it-specialists" and view["ticket"]["assignee"]:
                return view
            return None

        view = await eventually(escalated, timeout=15, what="escalated to L2 and reassigned")
        types = [e["type"] for e in view["timeline"]]
        assert "SlaBreached" in types and "TicketEscalated" in types
        esc = next(e for e in view["timeline"] if e["type"] == "TicketEscalated")
        assert esc["data"]["from_team"] == "service-desk"
        assert esc["data"]["to_team"] == "it-specialists"
        assert view["ticket"]["assignee"] in {"diego", "sofia"}
        assert view["ticket"]["escalation_level"] >= 2
