"""One routing process on the real broker and PostgreSQL: queue draining, presence, escalation, manual
assignment and the directory (HTTP and helpdesk.directory), seen as the facts routing publishes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from helpdesk_events import (
    AgentPresenceChanged,
    AgentPresenceChangedData,
    AgentRegistered,
    AgentRegisteredData,
    encode,
    partition_key,
)
from helpdesk_events.topics import DIRECTORY
from helpdesk_testing import eventually

from .conftest import ADMIN, AGENT, escalated, opened, resolved

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TEAMS = """
teams:
  - {id: service-desk, name: Service Desk, tier: L1, lead: a1}
  - {id: it-specialists, name: IT Specialists, tier: L2, lead: s1}
agents:
  - {id: a1, name: Ana, teams: [service-desk], skills: {general: 2}, languages: [es], capacity: 1}
  - {id: a2, name: Bea, teams: [service-desk], skills: {general: 1}, languages: [es], capacity: 1}
  - {id: s1, name: Saul, teams: [it-specialists], skills: {network: 3}, languages: [es], capacity: 2}
"""
RULES = """
rules:
  - {name: everything, match: {}, team: service-desk}
offline_grace_seconds: 60
"""


def tid() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


def of(events, type_, ticket_id=None):
    return [e for e in events if e.type == type_ and (ticket_id is None or e.ticket_id == ticket_id)]


async def test_queue_drains_by_priority_when_capacity_frees(routing_factory):
    r = await routing_factory(teams=TEAMS, routing=RULES)
    r.start()
    await r.ready()
    t1, t2, t3, t4 = tid(), tid(), tid(), tid()
    await r.publish(opened(t1), opened(t2))
    both = await eventually(lambda: _assigned(r, t1, t2), timeout=20, what="first two assigned")
    assert set(both.values()) == {"a1", "a2"}  # one each: nobody above capacity 1

    await r.publish(opened(t3, priority="P4"), opened(t4, priority="P1"))

    async def queued():
        events = await r.decisions()
        return of(events, "TicketQueued", t3) and of(events, "TicketQueued", t4) and events

    events = await eventually(queued, timeout=20, what="both queued")
    reason = of(events, "TicketQueued", t4)[0].data.reason
    assert reason.rule == "everything" and all("at capacity" in c.why for c in reason.candidates)

    await r.publish(resolved(t1))  # frees a1: the P1 ticket goes first although it arrived last
    got = await eventually(lambda: _assigned(r, t4), timeout=20, what="P1 assigned")
    assert got[t4] == both[t1]
    assert await r.assignee(t3) is None
    await r.publish(resolved(t2))
    got = await eventually(lambda: _assigned(r, t3), timeout=20, what="P4 assigned")
    assert got[t3] == both[t2]
    events = await r.decisions()
    assert len(of(events, "TicketAssigned")) == 4
    assert "lowest load" in of(events, "TicketAssigned", t3)[0].data.reason.explanation

    # both agents full again; raising a1's capacity drains the queue into a1 at once
    t5, t6 = tid(), tid()
    await r.publish(opened(t5), opened(t6))
    await eventually(lambda: of_async(r, "TicketQueued", t6), timeout=20, what="t6 queued")
    body = {"name": "Ana", "teams": ["service-desk"], "skills": {"general": 2}, "languages": ["es"], "capacity": 3}
    async with httpx.AsyncClient(base_url=r.url(), timeout=10) as http:
        assert (await http.put("/v1/agents/a1", json=body, headers=ADMIN)).status_code == 200
    got = await eventually(lambda: _assigned(r, t5, t6), timeout=20, what="queue drained after capacity raised")
    assert set(got.values()) == {"a1"}


async def _assigned(r, *tickets):
    out = {t: await r.assignee(t) for t in tickets}
    return out if all(out.values()) else None


async def test_presence_offline_grace_requeues_and_online_drains(routing_factory):
    r = await routing_factory(teams=TEAMS, routing=RULES)
    r.start()
    await r.ready()
    async with httpx.AsyncClient(base_url=r.url(), timeout=10) as http:
        resp = await http.put("/v1/agents/a2/presence", json={"presence": "away"}, headers=AGENT)
        assert resp.status_code == 200, resp.text
        t1, t2 = tid(), tid()
        await r.publish(opened(t1), opened(t2))
        got = await eventually(lambda: _assigned(r, t1), timeout=20, what="t1 assigned")
        assert got[t1] == "a1"  # a2 is away: it takes nothing new

        async def queued():
            return of(await r.decisions(), "TicketQueued", t2)

        [q] = await eventually(queued, timeout=20, what="t2 queued")
        assert {c.agent_id: c.why for c in q.data.reason.candidates} == {"a1": "at capacity (1/1)", "a2": "away"}

        # a2 comes online: the queue drains at once
        await http.put("/v1/agents/a2/presence", json={"presence": "online"}, headers=AGENT)
        got = await eventually(lambda: _assigned(r, t2), timeout=20, what="t2 assigned")
        assert got[t2] == "a2"

        # a1 goes offline: nothing moves within the grace time, then its ticket goes to the queue
        await http.put("/v1/agents/a1/presence", json={"presence": "offline"}, headers=AGENT)
        await r.publish(resolved(t2))  # a2 has room again
        r.shift_clock(61)

        async def moved():
            events = await r.decisions()
            # wait for the reassignment in the log, not only in routing's tables (the relay publishes after commit)
            assigned = of(events, "TicketAssigned", t1)
            return of(events, "TicketUnassigned", t1) and assigned and assigned[-1].data.agent_id == "a2" and events

        events = await eventually(moved, timeout=20, what="t1 requeued and reassigned")
        assert "offline" in of(events, "TicketUnassigned", t1)[0].data.reason
        again = of(events, "TicketAssigned", t1)[-1]
        assert again.data.agent_id == "a2" and again.data.previous_agent_id == "a1"

        view = (await http.get("/v1/agents/a1", headers=AGENT)).json()
        assert view["presence"] == "offline" and view["load"] == 0
        assert [h["presence"] for h in view["presence_history"]][:2] == ["offline", "online"]


async def test_escalation_moves_the_ticket_to_the_named_team(routing_factory):
    r = await routing_factory(teams=TEAMS, routing=RULES)
    r.start()
    await r.ready()
    t1 = tid()
    await r.publish(opened(t1))
    first = (await eventually(lambda: _assigned(r, t1), timeout=20, what="assigned"))[t1]
    await r.publish(escalated(t1, "it-specialists"))

    async def moved():
        return await _assigned(r, t1) == {t1: "s1"}

    await eventually(moved, timeout=20, what="reassigned to L2")
    events = await r.decisions()
    assert of(events, "TicketUnassigned", t1)[0].data.agent_id == first
    last = of(events, "TicketAssigned", t1)[-1]
    assert (last.data.team, last.data.previous_agent_id, last.data.reason.rule) == (
        "it-specialists",
        first,
        "escalation",
    )
    # a1's capacity was freed: a new ticket goes to it
    t2 = tid()
    await r.publish(opened(t2))
    await eventually(lambda: _assigned(r, t2), timeout=20, what="t2 assigned")


async def test_manual_assignment_is_kept_and_never_above_capacity(routing_factory):
    r = await routing_factory(teams=TEAMS, routing=RULES)
    r.start()
    await r.ready()
    async with httpx.AsyncClient(base_url=r.url(), timeout=10) as http:
        t1, t2 = tid(), tid()
        await r.publish(opened(t1))
        auto = (await eventually(lambda: _assigned(r, t1), timeout=20, what="assigned"))[t1]
        other = "a2" if auto == "a1" else "a1"
        resp = await http.post(
            f"/v1/tickets/{t1}/assignment", json={"agent_id": other, "actor": "lucia", "note": "VIP"}, headers=AGENT
        )
        assert resp.status_code == 201, resp.text
        assert resp.json()["previous_agent_id"] == auto
        await r.publish(opened(t2))
        got = await eventually(lambda: _assigned(r, t2), timeout=20, what="t2 assigned to the freed agent")
        assert got[t2] == auto
        full = await http.post(f"/v1/tickets/{t2}/assignment", json={"agent_id": other}, headers=AGENT)
        assert full.status_code == 409 and "capacity" in full.json()["detail"]
        assert (
            await http.post("/v1/tickets/nope/assignment", json={"agent_id": other}, headers=AGENT)
        ).status_code == 404

        # the hand-picked agent goes offline past the grace: the supervisor's choice stays
        await http.put(f"/v1/agents/{other}/presence", json={"presence": "offline"}, headers=AGENT)
        r.shift_clock(120)
        t3 = tid()
        await r.publish(opened(t3))
        await eventually(lambda: of_async(r, "TicketQueued", t3), timeout=20, what="t3 queued")
        assert await r.assignee(t1) == other
        manual = [e for e in of(await r.decisions(), "TicketAssigned", t1) if e.data.manual]
        assert manual[0].data.actor == "lucia" and "VIP" in manual[0].data.reason.explanation


async def of_async(r, type_, ticket_id):
    return of(await r.decisions(), type_, ticket_id)


async def test_directory_from_http_and_from_a_workforce_adapter(routing_factory):
    r = await routing_factory(teams=TEAMS, routing=RULES)
    r.start()
    await r.ready()
    async with httpx.AsyncClient(base_url=r.url(), timeout=10) as http:
        body = {"name": "Nora", "teams": ["service-desk"], "skills": {"general": 1}, "languages": ["es"],
                "capacity": 10, "capacity_per_channel": {"chat": 1}}  # fmt: skip
        assert (await http.put("/v1/agents/n1", json=body, headers=AGENT)).status_code == 403
        bad = await http.put("/v1/agents/n1", json={**body, "teams": ["nowhere"]}, headers=ADMIN)
        assert bad.status_code == 422
        resp = await http.put("/v1/agents/n1", json=body, headers=ADMIN)
        assert resp.status_code == 200 and resp.json()["changed"] is True
        team = await http.put("/v1/teams/facilities", json={"name": "Facilities", "tier": "L1", "lead": "n1"},
                              headers=ADMIN)  # fmt: skip
        assert team.status_code == 200
        assert "facilities" in {t["team_id"] for t in (await http.get("/v1/teams", headers=AGENT)).json()}

        # a workforce system registers an agent and brings it online through helpdesk.directory
        now = datetime.now(UTC)
        for event in (
            AgentRegistered(
                event_id=uuid.uuid4(), entity_id="agent:w1", occurred_at=now, producer="workforce",
                data=AgentRegisteredData(agent_id="w1", name="Walt", teams=["service-desk"], skills={"general": 1},
                                         languages=["es"], capacity=3),
            ),
            AgentPresenceChanged(
                event_id=uuid.uuid4(), entity_id="agent:w1", occurred_at=now, producer="workforce",
                data=AgentPresenceChangedData(agent_id="w1", presence="online"),
            ),
        ):  # fmt: skip
            await r.producer.send(f"{r.prefix}{DIRECTORY}", encode(event), key=partition_key(event))
        await r.producer.flush()

        async def walt_online():
            resp = await http.get("/v1/agents/w1", headers=AGENT)
            return resp.status_code == 200 and resp.json()["presence"] == "online" and resp.json()

        walt = await eventually(walt_online, timeout=20, what="w1 online from the directory topic")
        assert walt["capacity"] == 3 and walt["presence_history"][0]["source"] == "workforce"

        # n1 (online? no: new agents start offline) comes online; chat tickets respect its chat capacity of 1
        await http.put("/v1/agents/n1/presence", json={"presence": "online"}, headers=AGENT)
        for a in ("a1", "a2", "w1"):
            await http.put(f"/v1/agents/{a}/presence", json={"presence": "away"}, headers=ADMIN)
        c1, c2 = tid(), tid()
        await r.publish(opened(c1, channel="chat"), opened(c2, channel="chat"))
        await eventually(lambda: _assigned(r, c1) if True else None, timeout=20, what="c1 assigned")
        [q] = await eventually(lambda: of_async(r, "TicketQueued", c2), timeout=20, what="c2 queued")
        assert {c.agent_id: c.why for c in q.data.reason.candidates}["n1"] == "at chat capacity (1/1)"


async def test_run_time_directory_changes_survive_a_restart(routing_factory):
    r = await routing_factory(teams=TEAMS, routing=RULES)
    r.start()
    await r.ready()
    body = {"name": "Ana", "teams": ["service-desk"], "skills": {"general": 2}, "languages": ["es"], "capacity": 7}
    async with httpx.AsyncClient(base_url=r.url(), timeout=10) as http:
        assert (await http.put("/v1/agents/a1", json=body, headers=ADMIN)).status_code == 200
        await http.put("/v1/agents/a2/presence", json={"presence": "away"}, headers=AGENT)
        r.stop()
        r.start()
        await r.ready()
        a1 = (await http.get("/v1/agents/a1", headers=AGENT)).json()
        a2 = (await http.get("/v1/agents/a2", headers=AGENT)).json()
    assert (a1["capacity"], a2["presence"]) == (7, "away")  # teams.yaml unchanged: not re-applied
