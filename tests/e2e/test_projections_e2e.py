"""Projections on the whole system: a ticket opened and solved through intake becomes a knowledge-base
answer for the next one, and shows up in the lists, the agents' load and the metrics."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from helpdesk_testing import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ADAPTER = {"Authorization": "Bearer dev-adapter-key"}
AGENT = {"Authorization": "Bearer dev-agent-key"}
ANALYST = {"Authorization": "Bearer dev-analyst-key"}


def inbound(subject: str, body: str, sender: str) -> dict[str, object]:
    return {
        "message_id": f"web-{uuid.uuid4()}",
        "channel": "web",
        "received_at": datetime.now(UTC).isoformat(),
        "sender": {"email": sender, "name": sender.split("@")[0]},
        "subject": subject,
        "body": body,
    }


async def open_ticket(client: httpx.AsyncClient, stack, subject: str, body: str, sender: str) -> dict:
    msg = inbound(subject, body, sender)
    resp = await client.post(f"{stack.url('intake')}/v1/inbound", json=msg, headers=ADAPTER)
    assert resp.status_code == 202, resp.text

    async def opened():
        r = await client.get(f"{stack.url('intake')}/v1/inbound/{msg['message_id']}", headers=ADAPTER)
        return r.json() if r.status_code == 200 and r.json()["status"] == "opened" else None

    done = await eventually(opened, timeout=15, what="ticket opened")

    async def assigned():
        r = await client.get(f"{stack.url('projections')}/v1/tickets/{done['folio']}", headers=ANALYST)
        return r.json() if r.status_code == 200 and r.json()["ticket"]["assignee"] else None

    return await eventually(assigned, timeout=15, what="ticket assigned in projections")


async def test_solved_ticket_answers_the_next_one(stack):
    projections = stack.url("projections")
    async with httpx.AsyncClient(timeout=10) as client:
        first = await open_ticket(
            client, stack, "La impresora no funciona", "La impresora de la planta 4 no funciona.", "eva@example.com"
        )
        folio = first["ticket"]["folio"]
        agent = first["ticket"]["assignee"]
        agents = (await client.get(f"{projections}/v1/agents", headers=ANALYST)).json()
        assert next(a for a in agents if a["agent_id"] == agent)["load"] >= 1

        intake = f"{stack.url('intake')}/v1/tickets/{folio}"
        resp = await client.post(f"{intake}/replies", json={"body": "Lo miro ahora."}, headers=AGENT)
        assert resp.status_code == 201, resp.text
        resp = await client.post(
            f"{intake}/status",
            json={"status": "resolved", "resolution": "Se cambió el cartucho de tóner y volvió a imprimir."},
            headers=AGENT,
        )
        assert resp.status_code == 201, resp.text

        async def resolved_in_list():
            r = await client.get(
                f"{projections}/v1/tickets", params={"status": "resolved", "q": folio}, headers=ANALYST
            )
            items = r.json()["items"]
            return items[0] if items else None

        row = await eventually(resolved_in_list, timeout=15, what="resolved ticket listed")
        assert row["first_response_at"] is not None
        assert row["first_response_minutes"] >= 0

        second = await open_ticket(
            client, stack, "Mi impresora no imprime", "Desde ayer la impresora no imprime nada.", "leo@example.com"
        )
        similar = await client.get(f"{projections}/v1/tickets/{second['ticket']['ticket_id']}/similar", headers=ANALYST)
        assert similar.status_code == 200
        assert [a["folio"] for a in similar.json()][:1] == [folio]
        assert "tóner" in similar.json()[0]["resolution"]
        found = await client.get(f"{projections}/v1/kb/search", params={"q": "impresora no imprime"}, headers=ANALYST)
        assert folio in [a["folio"] for a in found.json()]

        metrics = (
            await client.get(f"{projections}/v1/metrics", params={"group_by": "channel"}, headers=ANALYST)
        ).json()
        web = next(g for g in metrics["groups"] if g["key"] == "web")
        assert web["created"] >= 2
        assert web["resolved"] >= 1
