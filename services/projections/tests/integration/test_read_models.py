"""Read models from published events: ticket columns, the readable timeline, agents and queues."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from helpdesk_events import Customer
from helpdesk_events import testing as b
from helpdesk_testing import eventually

pytestmark = pytest.mark.integration

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def new_ticket(**data):
    tid = f"T-{uuid.uuid4().hex[:10]}"
    folio = f"HD-2026-{uuid.uuid4().int % 10**6:06d}"
    return tid, folio, b.opened(at=at(0), ticket=tid, folio=folio, **data)


async def test_a_ticket_life_lands_in_columns_timeline_agents_and_queues(projections):
    team = f"team-{uuid.uuid4().hex[:6]}"
    agent = f"agent-{uuid.uuid4().hex[:6]}"
    await projections.publish(
        b.team(team, tier="L1", at=at(0)),
        b.agent(agent, at=at(0), teams=[team], capacity=3),
        b.presence(agent, "online", at=at(0)),
    )
    customer = Customer(contact_id="crm:42", email="Ana@Example.com", name="Ana", tier="vip", department="finance")
    tid, folio, opened = new_ticket(customer=customer, channel="web", priority="P2", category="hardware", language="es")
    waiting_id, waiting_folio, waiting = new_ticket(priority="P1", channel="email")
    due_fr, due_res = at(30), at(240)
    await projections.publish(
        opened,
        b.queued(team, at=at(1), ticket=tid),
        b.assigned(agent, team, at=at(2), ticket=tid),
        b.policy(b.due("first_response", due_fr), b.due("resolution", due_res), at=at(1), ticket=tid),
        b.replied(at=at(12), ticket=tid, agent=agent),
        b.status("resolved", at=at(50), ticket=tid, resolution="Reinstalled the driver"),
        b.rated(5, at=at(60), ticket=tid),
        waiting,
        b.queued(team, at=at(5), ticket=waiting_id),
        b.policy(b.due("first_response", at(20)), at=at(5), ticket=waiting_id),
    )
    await projections.versions(tid, 7)
    await projections.versions(waiting_id, 3)

    page = await projections.ok("/v1/tickets", q=folio)
    [row] = page["items"]
    assert row["folio"] == folio
    assert row["status"] == "resolved"
    assert (row["priority"], row["category"], row["channel"]) == ("P2", "hardware", "web")
    assert (row["customer_id"], row["customer_email"], row["customer_tier"]) == ("crm:42", "Ana@Example.com", "vip")
    assert row["department"] == "finance"
    assert (row["team"], row["assignee"]) == (team, agent)
    assert row["first_response_minutes"] == 12
    assert row["resolution_minutes"] == 50
    assert row["csat"] == 5
    assert row["resolution"] == "Reinstalled the driver"
    assert row["first_response_due_at"] is not None
    assert row["sla_state"] == "ok"

    view = await projections.ok(f"/v1/tickets/{folio}")
    assert view["ticket"]["folio"] == folio
    summaries = [e["summary"] for e in view["timeline"]]
    assert summaries[0].startswith("Opened by Ana via web")
    assert any(s.startswith(f"Assigned to {agent} (team {team})") for s in summaries)
    assert any("Reinstalled the driver" in s for s in summaries)
    assert [e["seq"] for e in view["timeline"]] == list(range(1, 8))

    agents = await projections.ok("/v1/agents", team=team)
    [board] = agents
    assert board["agent_id"] == agent
    assert board["presence"] == "online"
    assert (board["capacity"], board["load"], board["free_capacity"]) == (3, 0, 3)  # resolved: no load

    queues = await projections.ok("/v1/queues")
    [queue] = [q for q in queues if q["team"] == team]
    assert queue["waiting"] == 1
    assert queue["waiting_p1"] == 1
    assert queue["tier"] == "L1"
    assert queue["next_due_at"] is not None
    assert queue["oldest_age_seconds"] > 60


async def test_agent_load_follows_assignments_and_releases(projections):
    team = f"team-{uuid.uuid4().hex[:6]}"
    agent = f"agent-{uuid.uuid4().hex[:6]}"
    await projections.publish(b.agent(agent, at=at(0), teams=[team], capacity=2))
    tickets = [new_ticket() for _ in range(3)]
    for tid, _, opened in tickets:
        await projections.publish(opened, b.assigned(agent, team, at=at(1), ticket=tid))
    # the third is resolved; an assignment after close is recorded but does not count
    closed_id = tickets[2][0]
    await projections.publish(
        b.status("closed", at=at(5), ticket=closed_id), b.assigned(agent, team, at=at(6), ticket=closed_id)
    )
    await projections.versions(closed_id, 4)

    async def load():
        [a] = await projections.ok("/v1/agents", team=team)
        return a if a["load"] == 2 else None

    board = await eventually(load, timeout=10, what="load 2")
    assert board["free_capacity"] == 0
    view = await projections.ok(f"/v1/tickets/{closed_id}")
    assert view["timeline"][-1]["applied"] is False
