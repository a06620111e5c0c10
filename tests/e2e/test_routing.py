"""Routing on the whole system: a supervisor sees why a ticket went where it went, reassigns it by hand,
and the queue waits for an agent to come online."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from helpdesk_testing import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ADAPTER = {"Authorization": "Bearer dev-adapter-key"}
ANALYST = {"Authorization": "Bearer dev-analyst-key"}
AGENT = {"Authorization": "Bearer dev-agent-key"}
ADMIN = {"Authorization": "Bearer dev-admin-key"}
DESK = ("lucia", "tomas", "grace")


async def open_ticket(client: httpx.AsyncClient, stack) -> dict:
    mid = f"web-{uuid.uuid4()}"
    body = {
        "message_id": mid,
        "channel": "web",
        "received_at": datetime.now(UTC).isoformat(),
        "sender": {"email": "ana@example.com", "name": "Ana"},
        "subject": "La impresora no imprime",
        "body": "Desde esta mañana la impresora de la planta 2 no imprime nada.",
    }
    assert (await client.post(f"{stack.url('intake')}/v1/inbound", json=body, headers=ADAPTER)).status_code == 202

    async def outcome():
        resp = await client.get(f"{stack.url('intake')}/v1/inbound/{mid}", headers=ADAPTER)
        return resp.status_code == 200 and resp.json()["status"] == "opened" and resp.json()

    return await eventually(outcome, timeout=15, what="ticket opened")


async def view(client: httpx.AsyncClient, stack, folio: str) -> dict | None:
    resp = await client.get(f"{stack.url('projections')}/v1/tickets/{folio}", headers=ANALYST)
    return resp.json() if resp.status_code == 200 else None


async def test_supervisor_reassigns_by_hand_and_sees_why(stack):
    async with httpx.AsyncClient(timeout=10) as client:
        done = await open_ticket(client, stack)

        async def assigned():
            v = await view(client, stack, done["folio"])
            return v and v["ticket"]["assignee"] and v

        first = (await eventually(assigned, timeout=15, what="assigned"))["ticket"]["assignee"]
        other = next(a for a in DESK if a != first)
        resp = await client.post(
            f"{stack.url('routing')}/v1/tickets/{done['ticket_id']}/assignment",
            json={"agent_id": other, "actor": "lucia", "note": "knows this printer"},
            headers=AGENT,
        )
        assert resp.status_code == 201, resp.text

        async def reassigned():
            v = await view(client, stack, done["folio"])
            return v and v["ticket"]["assignee"] == other and v

        v = await eventually(reassigned, timeout=15, what="manual assignment visible")
        manual = [e for e in v["timeline"] if e["type"] == "TicketAssigned" and e["data"]["manual"]]
        assert manual[0]["data"]["previous_agent_id"] == first
        assert manual[0]["data"]["actor"] == "lucia"
        assert "knows this printer" in manual[0]["data"]["reason"]["explanation"]


async def test_ticket_waits_in_the_queue_until_an_agent_comes_online(stack):
    routing = stack.url("routing")
    async with httpx.AsyncClient(timeout=10) as client:
        for agent in DESK:
            resp = await client.put(f"{routing}/v1/agents/{agent}/presence", json={"presence": "away"}, headers=AGENT)
            assert resp.status_code == 200, resp.text
        try:
            done = await open_ticket(client, stack)

            async def queued():
                v = await view(client, stack, done["folio"])
                return v and any(e["type"] == "TicketQueued" for e in v["timeline"]) and v

            v = await eventually(queued, timeout=15, what="queued")
            assert v["ticket"]["assignee"] is None
            reason = next(e for e in v["timeline"] if e["type"] == "TicketQueued")["data"]["reason"]
            assert {c["agent_id"]: c["why"] for c in reason["candidates"]} == dict.fromkeys(DESK, "away")
            waiting = (await client.get(f"{routing}/v1/queues/service-desk", headers=AGENT)).json()
            assert done["ticket_id"] in [w["ticket_id"] for w in waiting]

            await client.put(f"{routing}/v1/agents/grace/presence", json={"presence": "online"}, headers=AGENT)

            async def taken():
                v = await view(client, stack, done["folio"])
                return v and v["ticket"]["assignee"] == "grace"

            await eventually(taken, timeout=15, what="assigned when grace came online")
            grace = (await client.get(f"{routing}/v1/agents/grace", headers=AGENT)).json()
            assert grace["presence"] == "online" and grace["load"] >= 1
            assert [h["presence"] for h in grace["presence_history"][:2]] == ["online", "away"]
        finally:
            for agent in DESK:
                await client.put(f"{routing}/v1/agents/{agent}/presence", json={"presence": "online"}, headers=ADMIN)
