"""Metric facts: given events, when folded, then these facts (docs/metrics.md)."""

from __future__ import annotations

import pytest
from helpdesk_events import evolve
from helpdesk_events import testing as b
from projections.domain.facts import Fact, facts

pytestmark = pytest.mark.unit


def all_facts(*events) -> list[Fact]:
    state, out = None, []
    for e in events:
        after = evolve(state, e)
        out += facts(state, after, e)
        state = after
    return out


def kinds(*events) -> list[str]:
    return [f.kind for f in all_facts(*events)]


def test_opening_is_created():
    assert kinds(b.opened()) == ["created"]


def test_first_response_counts_only_the_first_reply_with_its_minutes():
    got = all_facts(b.opened(), b.replied(at=b.at_min(12), agent="lucia"), b.replied(at=b.at_min(20)))
    assert got[1:] == [Fact("first_response", agent="lucia", value=12.0)]


def test_notes_and_assignments_are_not_responses():
    assert "first_response" not in kinds(b.opened(), b.note(at=b.at_min(1)), b.assigned(at=b.at_min(2)))


def test_resolve_reopen_resolve_close():
    got = kinds(
        b.opened(),
        b.assigned("ana", at=b.at_min(1)),
        b.status("resolved", at=b.at_min(30), frm="new", resolution="x"),
        b.status("open", at=b.at_min(40), frm="resolved"),
        b.status("resolved", at=b.at_min(50)),
        b.status("closed", at=b.at_min(60), frm="resolved"),
    )
    assert got == ["created", "assigned", "resolved", "reopened", "resolved", "closed"]


def test_resolution_minutes_and_agent():
    got = all_facts(b.opened(), b.assigned("ana"), b.status("resolved", at=b.at_min(90), frm="new"))
    assert got[-1] == Fact("resolved", agent="ana", value=90.0)


def test_an_assignment_after_close_is_no_fact():
    assert kinds(b.opened(), b.status("closed", frm="new"), b.assigned("ana")) == ["created", "closed"]


def test_escalation_only_when_the_level_grows():
    got = all_facts(b.opened(), b.escalated(1), b.escalated(1), b.escalated(2))
    assert [(f.kind, f.value) for f in got[1:]] == [("escalated", 1.0), ("escalated", 2.0)]


def test_sla_met_in_time_breach_and_late_met():
    due = b.at_min(30)
    in_time = all_facts(b.opened(), b.policy(b.due("first_response", due)), b.met("first_response", b.at_min(10), due))
    assert in_time[-1] == Fact("sla_met", target="first_response", value=12.5, ok=True)
    late = all_facts(
        b.opened(),
        b.policy(b.due("resolution", due)),
        b.breached("resolution", due),
        b.met("resolution", b.at_min(45), due),
    )
    assert [(f.kind, f.ok) for f in late[1:]] == [("sla_breached", None), ("sla_met", False)]


def test_a_breach_logged_before_the_in_time_reply_is_withdrawn_by_the_met_within_target():
    due = b.at_min(30)
    got = kinds(
        b.opened(),
        b.policy(b.due("first_response", due)),
        b.breached("first_response", due),
        b.replied(at=b.at_min(29)),
        b.met("first_response", b.at_min(29), due),
    )
    assert got.count("sla_breached") == got.count("sla_breach_withdrawn") == 1


def test_every_rating_is_a_fact():
    assert [f.value for f in all_facts(b.opened(), b.rated(2), b.rated(5)) if f.kind == "csat"] == [2.0, 5.0]
