"""GET /v1/metrics: the measures of docs/metrics.md on a small, hand-checked history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from helpdesk_events import testing as b
from helpdesk_testing import eventually

pytestmark = pytest.mark.integration

DAY1 = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)


def m(base: datetime, minutes: float) -> datetime:
    return base + timedelta(minutes=minutes)


@pytest.fixture(scope="module")
async def history(projections):
    tag = uuid.uuid4().hex[:6]
    tenant = f"metrics-{tag}"
    a, bb, c = (f"{n}-{tag}" for n in ("a", "b", "c"))

    def on(ticket, event):
        return event.model_copy(update={"ticket_id": ticket, "tenant": tenant})

    def folio():
        return f"HD-2026-{uuid.uuid4().int % 10**6:06d}"

    events = [
        # A (team x, email, P2): replied after 10 min, resolved after 60, rated 5, both targets met in time
        b.opened(at=DAY1, ticket=a, folio=folio(), channel="email", priority="P2"),
        b.assigned("ana", "x", at=m(DAY1, 1), ticket=a),
        b.policy(b.due("first_response", m(DAY1, 30)), b.due("resolution", m(DAY1, 240)), at=m(DAY1, 1), ticket=a),
        b.replied(at=m(DAY1, 10), ticket=a, agent="ana"),
        on(a, b.met("first_response", m(DAY1, 10), m(DAY1, 30))),
        b.status("resolved", at=m(DAY1, 60), ticket=a, resolution="fixed"),
        on(a, b.met("resolution", m(DAY1, 60), m(DAY1, 240))),
        b.rated(5, at=m(DAY1, 70), ticket=a),
        # B (team x, web, P3): replied after 30, resolution breached, resolved at 120, reopened, resolved at
        # 200; rated 2 then 4 (the latest rating counts)
        b.opened(at=DAY2, ticket=bb, folio=folio(), channel="web"),
        b.assigned("ben", "x", at=m(DAY2, 1), ticket=bb),
        b.policy(b.due("first_response", m(DAY2, 60)), b.due("resolution", m(DAY2, 90)), at=m(DAY2, 1), ticket=bb),
        b.replied(at=m(DAY2, 30), ticket=bb, agent="ben"),
        on(bb, b.met("first_response", m(DAY2, 30), m(DAY2, 60))),
        on(bb, b.breached("resolution", m(DAY2, 90))),
        b.status("resolved", at=m(DAY2, 120), ticket=bb, resolution="done"),
        b.rated(2, at=m(DAY2, 125), ticket=bb),
        b.status("open", at=m(DAY2, 150), ticket=bb, frm="resolved"),
        b.status("resolved", at=m(DAY2, 200), ticket=bb, resolution="done for real"),
        b.rated(4, at=m(DAY2, 210), ticket=bb),
        # C (team y, chat): no reply, escalated, still open
        b.opened(at=m(DAY2, 5), ticket=c, folio=folio(), channel="chat"),
        b.queued("y", at=m(DAY2, 6), ticket=c),
        b.escalated(1, at=m(DAY2, 100), ticket=c),
    ]
    await projections.publish(*[e.model_copy(update={"tenant": tenant}) for e in events])
    for ticket, version in ((a, 8), (bb, 11), (c, 3)):
        await projections.versions_in(tenant, ticket, version)
    return tenant


async def report(projections, tenant: str, group_by: str) -> dict:
    return await projections.ok(
        "/v1/metrics",
        tenant=tenant,
        group_by=group_by,
        **{"from": DAY1.isoformat(), "to": (DAY2 + timedelta(days=1)).isoformat()},
    )


async def test_totals(projections, history):
    t = (await report(projections, history, "none"))["totals"]
    assert (t["created"], t["resolved"], t["backlog"]) == (3, 2, 1)
    assert t["first_response_minutes"] == {"median": 20.0, "p90": 28.0}
    assert t["first_response_business_minutes"]["median"] == 12.5
    assert t["resolution_minutes"]["median"] == 120.0  # 60 (A), 120 and 200 (B, resolved twice)
    assert t["sla"]["first_response"] == {"met": 2, "breached": 0, "compliance_pct": 100.0}
    assert t["sla"]["resolution"] == {"met": 1, "breached": 1, "compliance_pct": 50.0}
    assert t["breaches"] == 1
    assert (t["reopened"], t["reopen_rate_pct"]) == (1, 33.33)
    assert t["csat"] == {"average": 4.5, "responses": 2, "satisfied_pct": 100.0}
    assert t["escalations"] == 1


async def test_grouped_by_team_channel_agent_and_day(projections, history):
    teams = {g["key"]: g for g in (await report(projections, history, "team"))["groups"]}
    assert {k: (g["created"], g["resolved"], g["backlog"]) for k, g in teams.items()} == {
        "x": (2, 2, 0),
        "y": (1, 0, 1),
    }
    assert teams["x"]["sla"]["resolution"]["compliance_pct"] == 50.0
    channels = {g["key"]: g["created"] for g in (await report(projections, history, "channel"))["groups"]}
    assert channels == {"chat": 1, "email": 1, "web": 1}
    agents = {g["key"]: g for g in (await report(projections, history, "agent"))["groups"]}
    assert agents["ana"]["first_response_minutes"]["median"] == 10.0
    assert agents["ben"]["resolved"] == 1
    days = {g["key"]: g for g in (await report(projections, history, "day"))["groups"]}
    assert {k: g["created"] for k, g in days.items()} == {"2026-09-07": 1, "2026-09-08": 2, "2026-09-09": 0}
    assert {k: g["backlog"] for k, g in days.items()} == {"2026-09-07": 0, "2026-09-08": 1, "2026-09-09": 1}


async def test_a_range_counts_only_facts_inside_it(projections, history):
    resp = await projections.ok("/v1/metrics", tenant=history, **{"from": DAY1.isoformat(), "to": DAY2.isoformat()})
    assert (resp["totals"]["created"], resp["totals"]["resolved"]) == (1, 1)


async def test_bad_ranges_are_422(projections):
    resp = await projections.get("/v1/metrics", **{"from": DAY2.isoformat(), "to": DAY1.isoformat()})
    assert resp.status_code == 422
    assert (await projections.get("/v1/metrics", group_by="colour")).status_code == 422


async def test_empty_range(projections):
    far = datetime(2001, 1, 1, tzinfo=UTC)
    resp = await eventually(
        lambda: projections.ok(
            "/v1/metrics", tenant="nobody", **{"from": far.isoformat(), "to": (far + timedelta(days=1)).isoformat()}
        ),
        timeout=5,
    )
    assert resp["totals"]["created"] == 0
    assert resp["groups"] == []
