"""The escalation matrix as pure decisions: given ticket events, when an event, a due timer or a request,
then escalations."""

from __future__ import annotations

import uuid

import pytest
from escalation.domain.case import Case
from escalation.domain.decide import Escalation, fire_timer, react, request_manual
from escalation.domain.events import escalation_events
from escalation.domain.matrix import Directory, Matrix, TeamInfo
from escalation.domain.stalls import stall_timers, timer_key
from helpdesk_events import Customer, TicketEvent, fold
from helpdesk_events.testing import (
    assigned,
    at_min,
    breached,
    customer_message,
    escalated,
    met,
    opened,
    queued,
    replied,
    status,
    warned,
)

MATRIX = Matrix.model_validate(
    {
        "account_owners": {"default": "carmen", "acme": "oscar"},
        "contacts": {"lucia": "lucia@example.com"},
        "matrix": [
            {
                "name": "critical",
                "match": {"priority": ["P1"]},
                "levels": [
                    {"level": 2, "trigger": "sla_breach", "target": "first_response", "action": "functional"},
                    {"level": 1, "trigger": "unassigned_too_long", "after_minutes": 5, "notify": ["lead"]},
                ],
            },
            {
                "name": "vip",
                "match": {"tier": ["vip"]},
                "levels": [{"level": 1, "trigger": "vip", "notify": ["account_owner", "lead"]}],
            },
            {
                "match": {},
                "levels": [
                    {"level": 1, "trigger": "sla_warning", "target": "resolution", "notify": ["lead"]},
                    {
                        "level": 2,
                        "trigger": "sla_breach",
                        "target": "first_response",
                        "action": "functional",
                        "notify": ["lead", "manager", "target_lead"],
                    },
                    {
                        "level": 3,
                        "trigger": "sla_breach",
                        "target": "resolution",
                        "action": "functional",
                        "raise_priority_to": "P2",
                        "notify": ["manager"],
                    },
                    {"level": 1, "trigger": "unassigned_too_long", "after_minutes": 30, "notify": ["lead"]},
                    {"level": 2, "trigger": "unassigned_too_long", "after_minutes": 60, "notify": ["manager"]},
                    {"level": 2, "trigger": "no_agent_reply", "after_minutes": 120, "notify": ["lead", "assignee"]},
                    {"level": 2, "trigger": "reopened", "times": 2, "notify": ["lead", "manager"]},
                    {"level": 2, "trigger": "manual", "action": "functional", "notify": ["lead", "target_lead"]},
                    {"level": 3, "trigger": "manual", "action": "functional", "notify": ["manager"]},
                ],
            },
        ],
    }
)
DIRECTORY = Directory(
    teams={
        "desk": TeamInfo(id="desk", tier="L1", lead="lucia", manager="marta"),
        "l2": TeamInfo(id="l2", tier="L2", lead="diego", manager="marta"),
        "l3": TeamInfo(id="l3", tier="L3", lead="elena", manager="marta"),
    },
    tiers={"desk": {"L2": "l2", "L3": "l3"}, "l2": {"L3": "l3"}},
)


def given(*events: TicketEvent, matrix: Matrix = MATRIX) -> Case:
    """The case after ``events`` (escalations they trigger are recorded, as the service does)."""
    case: Case | None = None
    for event in events:
        case = react(matrix, DIRECTORY, case, event).case
    assert case is not None
    return case


def when(case: Case, event: TicketEvent, matrix: Matrix = MATRIX) -> tuple[Case, list[Escalation]]:
    reaction = react(matrix, DIRECTORY, case, event)
    return reaction.case, reaction.escalations


pytestmark = pytest.mark.unit

FR_DUE = at_min(240)
RES_DUE = at_min(2400)


def routed(*more: TicketEvent, priority: str = "P3", **opened_data: object) -> Case:
    """Opened at 09:00 (a P3 by default), assigned to lucia on the service desk at 09:01."""
    return given(opened(priority=priority, **opened_data), assigned("lucia", "desk", at=at_min(1)), *more)


# --- SLA facts --------------------------------------------------------------------------------------------


def test_first_response_breach_moves_the_ticket_to_the_next_tier_and_notifies():
    breach = breached("first_response", FR_DUE, at=FR_DUE)
    _, [esc] = when(routed(), breach)
    assert (esc.level, esc.trigger, esc.from_team, esc.to_team) == (2, "sla_breach", "desk", "l2")
    assert esc.cause == breach.event_id
    assert [(r.role, r.id) for r in esc.recipients] == [
        ("team_lead", "lucia"),
        ("manager", "marta"),
        ("target_team_lead", "diego"),
    ]
    assert esc.recipients[0].email == "lucia@example.com"
    assert esc.reason == "SLA breached on first response; moved from desk to l2 (support tier L2)"


def test_never_twice_for_the_same_trigger_target_and_level():
    case, [_] = when(routed(), breached("first_response", FR_DUE, at=FR_DUE))
    _, again = when(case, breached("first_response", FR_DUE, at=FR_DUE))
    assert again == []


def test_a_breach_the_fold_ignores_escalates_nothing():
    case = routed(met("first_response", met_at=at_min(30), due_at=FR_DUE))
    assert when(case, breached("first_response", FR_DUE, at=FR_DUE))[1] == []


def test_warning_is_a_notice_and_a_warning_on_another_target_is_nothing():
    _, [esc] = when(routed(), warned("resolution", RES_DUE, at=at_min(1800)))
    assert esc.to_team is None and esc.level == 1 and [r.id for r in esc.recipients] == ["lucia"]
    assert esc.reason == "SLA warning on resolution"
    assert when(routed(), warned("first_response", FR_DUE, at=at_min(180)))[1] == []


def test_second_functional_escalation_climbs_to_l3_before_the_first_comes_back_from_the_log():
    case, [first] = when(routed(), breached("first_response", FR_DUE, at=FR_DUE))
    assert case.team == "l2"  # decided, not yet folded
    case, [second] = when(case, breached("resolution", RES_DUE, at=RES_DUE))
    assert (second.level, second.from_team, second.to_team) == (3, "l2", "l3")
    assert second.raise_priority_to == "P2"
    assert "priority raised from P3 to P2" in second.reason


def test_priority_is_never_lowered():
    case = given(opened(priority="P3"), assigned("lucia", "desk", at=at_min(1)), escalated(2, to_team="l2"))
    case = case.model_copy(update={"ticket": case.ticket.model_copy(update={"priority": "P1"})})
    row_matrix = MATRIX.model_copy(update={"matrix": MATRIX.matrix[2:]})
    _, [esc] = when(case, breached("resolution", RES_DUE, at=RES_DUE), matrix=row_matrix)
    assert esc.raise_priority_to is None


def test_functional_escalation_lands_above_the_current_level():
    case = routed()
    case = request_manual(MATRIX, DIRECTORY, case, "lucia", "needs a specialist").case  # level 2, to l2
    _, [esc] = when(case, breached("first_response", FR_DUE, at=FR_DUE))
    assert (esc.level, esc.from_team, esc.to_team) == (3, "l2", "l3")


def test_at_the_highest_tier_a_functional_escalation_still_records_the_level():
    case = routed(escalated(2, to_team="l3"))
    _, [esc] = when(case, breached("first_response", FR_DUE, at=FR_DUE))
    assert esc.to_team is None and "already at the highest support tier" in esc.reason


def test_resolved_or_closed_tickets_never_escalate():
    case = routed(status("resolved", at=at_min(60), resolution="fixed"))
    assert when(case, breached("resolution", RES_DUE, at=RES_DUE))[1] == []
    assert request_manual(MATRIX, DIRECTORY, case, "lucia", "please").escalations == []


# --- stall timers -----------------------------------------------------------------------------------------


def test_unassigned_too_long_is_armed_from_event_time_and_fires_once():
    case = given(opened(), queued("desk", at=at_min(1)))
    timers = stall_timers(MATRIX, case)
    assert {k: t.due_at for k, t in timers.items()} == {
        "unassigned_too_long:1": at_min(30),
        "unassigned_too_long:2": at_min(60),
        "no_agent_reply:2": at_min(120),
    }
    assert fire_timer(MATRIX, DIRECTORY, case, "unassigned_too_long:1", at_min(29)).escalations == []
    fired = fire_timer(MATRIX, DIRECTORY, case, "unassigned_too_long:1", at_min(30))
    [esc] = fired.escalations
    assert (esc.level, esc.trigger, esc.reason) == (1, "unassigned_too_long", "unassigned for more than 30 minutes")
    assert esc.cause == case.unassigned_cause and esc.from_team == "desk"
    assert "unassigned_too_long:1" not in stall_timers(MATRIX, fired.case)
    assert fire_timer(MATRIX, DIRECTORY, fired.case, "unassigned_too_long:1", at_min(90)).escalations == []


def test_assignment_cancels_the_unassigned_timers():
    case = given(opened(), queued("desk", at=at_min(1)), assigned("lucia", "desk", at=at_min(10)))
    assert not [k for k in stall_timers(MATRIX, case) if k.startswith("unassigned")]
    assert fire_timer(MATRIX, DIRECTORY, case, "unassigned_too_long:1", at_min(30)).escalations == []


def test_the_unassigned_clock_restarts_when_an_escalation_takes_the_agent_away():
    case = routed(escalated(2, to_team="l2", at=at_min(50)))
    assert stall_timers(MATRIX, case)["unassigned_too_long:1"].due_at == at_min(80)


def test_no_agent_reply_runs_from_the_customer_message_and_clears_on_reply():
    msg = customer_message(at=at_min(300))
    case = routed(replied(at=at_min(20)), msg)
    timer = stall_timers(MATRIX, case)["no_agent_reply:2"]
    assert (timer.due_at, timer.cause) == (at_min(420), msg.event_id)
    [esc] = fire_timer(MATRIX, DIRECTORY, case, "no_agent_reply:2", at_min(421)).escalations
    assert [(r.role, r.id) for r in esc.recipients] == [("team_lead", "lucia"), ("assignee", "lucia")]
    answered = routed(replied(at=at_min(20)), msg, replied(at=at_min(301)))
    assert "no_agent_reply:2" not in stall_timers(MATRIX, answered)


def test_no_timer_while_pending_or_after_resolve():
    assert "no_agent_reply:2" not in stall_timers(MATRIX, routed(status("pending", at=at_min(5))))
    assert stall_timers(MATRIX, given(opened(), queued("desk"), status("closed", frm="new", at=at_min(5)))) == {}


def test_timer_keys_are_per_ticket_and_level():
    assert timer_key("T-1", "unassigned_too_long:1") == "esc:T-1:unassigned_too_long:1"


# --- reopen, VIP, manual ----------------------------------------------------------------------------------


def test_reopened_fires_at_the_configured_count():
    def reopen(n: int) -> list[TicketEvent]:
        return [
            status("resolved", at=at_min(10 * n), resolution="done"),
            status("open", frm="resolved", at=at_min(10 * n + 5)),
        ]

    assert when(routed(reopen(1)[0]), reopen(1)[1])[1] == []
    case, [esc] = when(routed(*reopen(1), reopen(2)[0]), reopen(2)[1])
    assert case.ticket.reopen_count == 2
    assert (esc.level, esc.trigger, esc.reason) == (2, "reopened", "reopened 2 times")
    assert [r.role for r in esc.recipients] == ["team_lead", "manager"]
    assert when(routed(*reopen(1), *reopen(2), reopen(3)[0]), reopen(3)[1])[1] == []


def test_vip_customer_notifies_the_account_owner_on_open():
    first = opened(customer=Customer(contact_id="email:ceo@acme.example", tier="vip"), priority="P2")
    [esc] = react(MATRIX, DIRECTORY, None, first).escalations
    assert (esc.trigger, esc.level, esc.cause) == ("vip", 1, first.event_id)
    assert [(r.role, r.id) for r in esc.recipients] == [("account_owner", "carmen")]  # no team yet: no lead
    assert react(MATRIX, DIRECTORY, None, opened(priority="P2")).escalations == []


def test_the_account_owner_is_the_tenants():
    first = opened(customer=Customer(contact_id="email:ceo@acme.example", tier="vip"))
    first = first.model_copy(update={"tenant": "acme"})
    [esc] = react(MATRIX, DIRECTORY, None, first).escalations
    assert [r.id for r in esc.recipients] == ["oscar"]


def test_manual_requests_climb_one_manual_level_each():
    first = request_manual(MATRIX, DIRECTORY, routed(), "lucia", "needs network skills")
    [esc] = first.escalations
    assert (esc.level, esc.to_team, esc.trigger) == (2, "l2", "manual")
    assert (
        esc.reason
        == "escalation requested by agent lucia: needs network skills; moved from desk to l2 (support tier L2)"
    )
    second = request_manual(MATRIX, DIRECTORY, first.case, "diego", "vendor bug")
    assert [(e.level, e.from_team, e.to_team) for e in second.escalations] == [(3, "l2", "l3")]
    assert request_manual(MATRIX, DIRECTORY, second.case, "elena", "again").escalations == []


# --- events -----------------------------------------------------------------------------------------------


def test_escalations_become_events_the_fold_applies():
    breach = breached("first_response", FR_DUE, at=FR_DUE)
    case, escalations = when(routed(), breach)
    ids = iter(uuid.UUID(int=1000 + i) for i in range(10))
    events = escalation_events(case, escalations, at=FR_DUE, correlation_id=None, new_id=lambda: next(ids))
    esc, notice = events
    assert esc.type == "TicketEscalated" and esc.causation_id == breach.event_id
    assert notice.type == "EscalationNoticeRequested" and notice.causation_id == esc.event_id
    assert notice.data.folio == "HD-2026-000001" and notice.data.to_team == "l2"
    state = fold([opened(), assigned("lucia", "desk", at=at_min(1)), esc])
    assert state is not None and (state.team, state.assignee, state.escalation_level) == ("l2", None, 2)
