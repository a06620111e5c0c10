"""Given events / when one more / then state: one test per rule of helpdesk_events.fold."""

import itertools

import helpdesk_events as he
import pytest
from helpdesk_events.testing import (
    MON_0900,
    assigned,
    at_min,
    breached,
    customer_message,
    due,
    escalated,
    merged,
    met,
    note,
    notice,
    opened,
    paused,
    policy,
    queued,
    rated,
    recategorised,
    replied,
    reprioritised,
    resumed,
    status,
    unassigned,
    warned,
)

pytestmark = pytest.mark.unit


def given(*events: he.TicketEvent) -> he.TicketState:
    state = he.fold(events)
    assert state is not None
    return state


def then(state: he.TicketState, *events: he.TicketEvent) -> he.TicketState:
    after = he.fold(events, state)
    assert after is not None
    return after


def ignored(state: he.TicketState, event: he.TicketEvent) -> bool:
    """The event is only counted: nothing but the version changes."""
    after = he.evolve(state, event)
    return after == state.model_copy(update={"version": state.version + 1}) and not he.applies(state, event)


# --- general ------------------------------------------------------------------------------------------


def test_fold_of_nothing_is_none_and_initial_state_is_kept():
    assert he.fold([]) is None
    state = given(opened())
    assert he.fold([], state) is state


def test_opened_ticket():
    state = given(opened(at=MON_0900, priority="P2", category="hardware", language="es", tags=["vip"]))

    assert state.opened and state.status == "new"
    assert (state.ticket_id, state.tenant, state.folio) == ("T-1", "default", "HD-2026-000001")
    assert (state.priority, state.category, state.language, state.channel) == ("P2", "hardware", "es", "email")
    assert state.tags == ("vip",)
    assert state.customer is not None and state.customer.contact_id == "email:ana@example.com"
    assert state.created_at == state.updated_at == state.last_customer_message_at == MON_0900
    assert (state.version, state.message_count) == (1, 1)


def test_an_event_before_ticket_opened_makes_a_placeholder_that_opened_fills():
    state = given(assigned("ana", at=at_min(1)))

    assert not state.opened
    assert (state.ticket_id, state.status, state.assignee, state.folio) == ("T-1", "new", "ana", None)

    state = he.evolve(state, opened(at=MON_0900))

    assert state.opened and state.folio == "HD-2026-000001" and state.assignee == "ana"
    assert state.created_at == MON_0900 and state.updated_at == at_min(1)


def test_a_priority_change_folded_before_opened_wins_over_the_opening_priority():
    state = given(reprioritised("P1"), opened(priority="P4"))

    assert state.priority == "P1"


def test_a_second_ticket_opened_is_ignored():
    state = given(opened(subject="first"))

    assert ignored(state, opened(subject="second"))


def test_events_of_another_ticket_are_counted_and_ignored():
    state = given(opened(ticket="T-1"))

    assert ignored(state, replied(ticket="T-2"))


def test_version_counts_ignored_events_and_updated_at_only_applied_ones():
    state = given(opened(at=MON_0900), status("closed", at=at_min(5)))

    after = he.evolve(state, assigned("ana", at=at_min(60)))

    assert after.version == 3
    assert after.updated_at == at_min(5)


def test_updated_at_never_goes_back_with_producer_clock_skew():
    state = given(opened(at=at_min(10)), note(at=at_min(9)))

    assert state.updated_at == at_min(10)
    assert state.note_count == 1


# --- lifecycle ----------------------------------------------------------------------------------------

VALID = {
    ("new", "open"),
    ("new", "pending"),
    ("new", "resolved"),
    ("new", "closed"),
    ("open", "pending"),
    ("open", "resolved"),
    ("open", "closed"),
    ("pending", "open"),
    ("pending", "resolved"),
    ("pending", "closed"),
    ("resolved", "open"),
    ("resolved", "closed"),
}
_PATHS: dict[str, list[he.Status]] = {
    "new": [],
    "open": ["open"],
    "pending": ["pending"],
    "resolved": ["resolved"],
    "closed": ["closed"],
}


@pytest.mark.parametrize(("frm", "to"), list(itertools.product(he.TICKET_STATUSES, repeat=2)))
def test_status_changes_apply_only_along_the_lifecycle(frm, to):
    state = given(opened(), *[status(s) for s in _PATHS[frm]])
    assert state.status == frm

    after = he.evolve(state, status(to, at=at_min(30)))

    assert he.can_transition(frm, to) == ((frm, to) in VALID)
    assert after.status == (to if (frm, to) in VALID else frm)
    assert he.applies(state, status(to)) == ((frm, to) in VALID)


def test_validity_is_judged_on_the_folded_status_not_the_events_from_status():
    state = given(opened(), status("pending"))

    assert given(opened(), status("pending"), status("open", frm="new")).status == "open"
    assert ignored(state, status("pending", frm="open"))


def test_resolve_then_close():
    state = given(
        opened(), status("resolved", at=at_min(60), resolution="Replaced the toner"), status("closed", at=at_min(90))
    )

    assert state.status == "closed"
    assert state.resolved_at == at_min(60) and state.closed_at == at_min(90)
    assert state.resolution == "Replaced the toner"


def test_reopen_counts_and_clears_the_resolution():
    state = given(opened(), status("resolved", at=at_min(60), resolution="Rebooted"), status("open", at=at_min(70)))

    assert state.status == "open" and state.reopen_count == 1
    assert state.resolved_at is None and state.resolution is None

    state = then(state, status("resolved", at=at_min(80)), status("open"), status("resolved", at=at_min(99)))
    assert state.reopen_count == 2 and state.resolved_at == at_min(99)


def test_closed_is_terminal_for_status_priority_category_queue_and_escalation():
    state = given(opened(), status("closed"))

    for event in (status("open"), reprioritised("P1"), recategorised("network"), queued(), escalated(1)):
        assert ignored(state, event)


@pytest.mark.parametrize("frm", ["new", "open", "pending", "resolved"])
def test_priority_and_category_change_until_closed(frm):
    state = given(opened(priority="P3", category="hardware"), *[status(s) for s in _PATHS[frm]])

    state = then(state, reprioritised("P1"), recategorised(None))
    assert state.priority == "P1" and state.category is None


def test_a_change_to_the_current_value_is_ignored():
    state = given(opened(priority="P3", category="hardware"))

    assert ignored(state, reprioritised("P3"))
    assert ignored(state, recategorised("hardware"))


@pytest.mark.parametrize("frm", ["new", "pending", "resolved", "closed"])
def test_customer_messages_count_but_never_change_the_status(frm):
    state = given(opened(), *[status(s) for s in _PATHS[frm]])

    after = he.evolve(state, customer_message(at=at_min(45)))

    assert after.status == frm
    assert after.message_count == 2 and after.last_customer_message_at == at_min(45)


def test_the_first_agent_reply_opens_a_new_ticket_and_is_the_first_response():
    state = given(opened(), replied(at=at_min(20)), customer_message(at=at_min(30)), replied(at=at_min(40)))

    assert state.status == "open"
    assert state.first_response_at == at_min(20)
    assert state.last_agent_reply_at == at_min(40) and state.last_customer_message_at == at_min(30)
    assert state.message_count == 4


@pytest.mark.parametrize("frm", ["pending", "resolved"])
def test_an_agent_reply_does_not_move_other_statuses(frm):
    state = given(opened(), status(frm), replied())

    assert state.status == frm


def test_internal_notes_are_not_messages():
    state = given(opened(), note(), note())

    assert (state.message_count, state.note_count) == (1, 2)


def test_merge_closes_and_links_the_ticket():
    state = given(opened(), assigned("ana"), merged(into="T-9", at=at_min(15)))

    assert state.status == "closed" and state.closed_at == at_min(15)
    assert state.merged_into == "T-9"
    assert state.assignee == "ana"


@pytest.mark.parametrize("before", [[status("closed")], [merged(into="T-8")]], ids=["already closed", "already merged"])
def test_merge_into_a_closed_or_merged_ticket_is_ignored(before):
    state = given(opened(), *before)

    assert ignored(state, merged(into="T-9"))


def test_merge_into_itself_is_ignored():
    assert ignored(given(opened()), merged(into="T-1"))


def test_the_latest_rating_wins_even_after_close():
    state = given(opened(), status("resolved"), rated(2), status("closed"), rated(5))

    assert state.csat == 5


# --- routing ------------------------------------------------------------------------------------------


def test_queue_then_assign():
    state = given(opened(), queued("l1", at=at_min(1)))

    assert (state.team, state.assignee, state.queued_at) == ("l1", None, at_min(1))

    state = he.evolve(state, assigned("ana", team="l1", at=at_min(2)))

    assert (state.team, state.assignee, state.queued_at) == ("l1", "ana", None)


def test_requeue_clears_the_assignee():
    state = given(opened(), assigned("ana"), queued("l2"))

    assert (state.team, state.assignee) == ("l2", None)


@pytest.mark.parametrize("done", ["resolved", "closed"])
def test_an_assignment_after_resolve_or_close_is_recorded_but_not_applied(done):
    state = given(opened(), assigned("ana"), status(done))

    after = he.evolve(state, assigned("ben"))

    assert after.version == state.version + 1
    assert after.assignee == "ana"  # kept for reporting: who resolved it
    assert not he.applies(state, assigned("ben"))
    assert ignored(state, queued("l2"))
    assert ignored(state, unassigned("ana"))


def test_a_reopened_ticket_waits_for_routing_to_assign_it_again():
    state = given(opened(), assigned("ana"), status("resolved"), status("open"))

    assert (state.assignee, state.team, state.status) == (None, "l1", "open")
    assert he.evolve(state, assigned("ana")).assignee == "ana"  # routing's new decision applies


def test_unassign_applies_only_to_the_current_assignee():
    state = given(opened(), assigned("ana"))

    assert ignored(state, unassigned("ben"))
    assert he.evolve(state, unassigned("ana")).assignee is None


# --- escalation ---------------------------------------------------------------------------------------


def test_escalation_levels_only_grow_and_lower_escalations_are_ignored_whole():
    state = given(opened(priority="P3"), escalated(2))

    assert state.escalation_level == 2
    assert ignored(state, escalated(2, raise_priority_to="P1"))
    assert ignored(state, escalated(1, to_team="l2"))
    assert he.evolve(state, escalated(3)).escalation_level == 3


def test_functional_escalation_moves_the_ticket_to_the_next_tier():
    state = given(opened(), assigned("ana", team="l1"), escalated(1, from_team="l1", to_team="l2"))

    assert (state.team, state.assignee) == ("l2", None)


def test_escalation_to_the_current_team_keeps_the_assignee():
    state = given(opened(), assigned("ana", team="l1"), escalated(1, to_team="l1"))

    assert (state.team, state.assignee, state.escalation_level) == ("l1", "ana", 1)


@pytest.mark.parametrize(
    ("current", "raise_to", "expected"), [("P3", "P2", "P2"), ("P1", "P2", "P1"), ("P2", "P2", "P2")]
)
def test_raise_priority_applies_only_if_more_urgent(current, raise_to, expected):
    state = given(opened(priority=current), escalated(1, raise_priority_to=raise_to))

    assert state.priority == expected
    assert state.escalation_level == 1


@pytest.mark.parametrize("done", ["resolved", "closed"])
def test_escalations_after_resolve_or_close_are_ignored(done):
    assert ignored(given(opened(), status(done)), escalated(1))


def test_a_notice_request_is_recorded_and_changes_nothing_else():
    state = given(opened(at=MON_0900))

    after = he.evolve(state, notice(at=at_min(5)))

    assert after == state.model_copy(update={"version": 2, "updated_at": at_min(5)})


# --- SLA ----------------------------------------------------------------------------------------------

FR_DUE, RES_DUE = at_min(60), at_min(480)


def _with_policy(*more: he.TicketEvent) -> he.TicketState:
    return given(opened(), policy(due("first_response", FR_DUE), due("resolution", RES_DUE)), *more)


def test_policy_starts_the_clocks():
    state = _with_policy()

    assert {n: (c.state, c.due_at, c.cycle) for n, c in state.sla.items()} == {
        "first_response": ("running", FR_DUE, 1),
        "resolution": ("running", RES_DUE, 1),
    }
    assert (state.sla_policy_id, state.sla_policy_version) == ("p3-standard", "7")


def test_met_then_breach_of_the_same_target_is_ignored():
    state = _with_policy(replied(at=at_min(20)), met("first_response", at_min(20), FR_DUE))

    assert state.sla["first_response"].state == "met"
    assert state.sla["first_response"].within_target is True
    assert ignored(state, breached("first_response", FR_DUE, at=at_min(61)))


def test_response_clocks_planned_before_a_resolve_the_log_already_holds_start_stopped():
    """Seen in the chaos suite: the agent resolves a new ticket before the sla service's SlaPolicyApplied
    for its opening reaches the log. The service stops first_response when it reaches the resolve (no
    event), so the fold must not show it running, overdue forever. Same for a reopen's next_response cycle
    whose SlaClockResumed lands after the next resolve."""
    state = given(
        opened(),
        status("resolved", at=at_min(2)),
        policy(due("first_response", FR_DUE), due("next_response", None), due("resolution", RES_DUE)),
        met("resolution", at_min(2), RES_DUE),
    )
    assert {n: c.state for n, c in state.sla.items()} == {
        "first_response": "stopped",
        "next_response": "stopped",
        "resolution": "met",
    }

    reopened = given(
        opened(),
        policy(due("first_response", FR_DUE), due("resolution", RES_DUE)),
        status("resolved", at=at_min(2)),
        customer_message(at=at_min(10)),
        status("open", at=at_min(10)),
        status("resolved", at=at_min(12)),
        resumed(due("resolution", at_min(250)), due("next_response", at_min(70)), at=at_min(10)),
    )
    assert reopened.sla["next_response"].state == "stopped"
    assert reopened.sla["first_response"].state == "stopped"
    # A reopen that the log shows before any later resolve starts the cycle as before.
    running = given(
        opened(),
        policy(due("first_response", FR_DUE), due("resolution", RES_DUE)),
        status("resolved", at=at_min(2)),
        customer_message(at=at_min(10)),
        status("open", at=at_min(10)),
        resumed(due("resolution", at_min(250)), due("next_response", at_min(70)), at=at_min(10)),
    )
    assert (running.sla["next_response"].state, running.sla["resolution"].state) == ("running", "running")


def test_a_merge_stops_every_clock_whichever_comes_first():
    state = _with_policy(merged(at=at_min(5)))
    assert {n: c.state for n, c in state.sla.items()} == {"first_response": "stopped", "resolution": "stopped"}
    late = given(opened(), merged(at=at_min(5)), policy(due("first_response", FR_DUE), due("resolution", RES_DUE)))
    assert {n: c.state for n, c in late.sla.items()} == {"first_response": "stopped", "resolution": "stopped"}


def _outcome(state: he.TicketState, name: str) -> tuple[object, ...]:
    c = state.sla[name]
    return (c.state, c.breached_at, c.within_target)


def test_a_breach_that_raced_an_in_time_reply_is_recorded_then_withdrawn():
    state = _with_policy(replied(at=at_min(59)))  # the sla service has not seen the reply yet
    assert he.answered_in_time(state, "first_response", FR_DUE)

    state = then(state, breached("first_response", FR_DUE))
    assert _outcome(state, "first_response") == ("breached", FR_DUE, None)
    state = then(state, met("first_response", at_min(59), FR_DUE))
    assert _outcome(state, "first_response") == ("met", None, True)


def test_a_breach_answered_in_time_is_told_by_the_log_facts():
    assert he.answered_in_time(_with_policy(status("resolved", at=at_min(400))), "resolution", RES_DUE)
    assert not he.answered_in_time(_with_policy(merged(at=at_min(400))), "resolution", RES_DUE)
    assert not he.answered_in_time(_with_policy(replied(at=at_min(61))), "first_response", FR_DUE)
    nr_due = at_min(150)
    state = given(opened(), customer_message(at=at_min(100)), resumed(due("next_response", nr_due)))
    assert not he.answered_in_time(state, "next_response", nr_due)
    assert he.answered_in_time(then(state, replied(at=at_min(140))), "next_response", nr_due)


def test_a_breach_logged_before_the_in_time_reply_is_withdrawn_by_the_met_that_follows():
    """The breach reached the log before the reply that met the target in time: the sla service records the
    target met within target, and that outcome is compliant."""
    state = _with_policy(breached("first_response", FR_DUE))
    assert _outcome(state, "first_response") == ("breached", FR_DUE, None)
    state = then(state, replied(at=at_min(59)), met("first_response", at_min(59), FR_DUE))
    assert _outcome(state, "first_response") == ("met", None, True)


def test_a_message_logged_after_the_reply_is_unanswered_whatever_its_timestamp():
    """The customer wrote at minute 130 but the message waited in the inbound topic while the agent
    replied at 140: the sla service (log order) starts a cycle the reply did not answer, and its breach
    must show in the fold, not be explained away by the message's earlier timestamp."""
    nr_due = at_min(190)
    state = given(
        opened(),
        replied(at=at_min(20)),
        replied(at=at_min(140)),
        customer_message(at=at_min(130)),
        resumed(due("next_response", nr_due)),
    )
    assert state.unanswered_since == at_min(130)

    after = he.evolve(state, breached("next_response", nr_due))
    assert after.sla["next_response"].state == "breached"
    answered = he.evolve(state, replied(at=at_min(150)))
    assert answered.unanswered_since is None
    assert he.answered_in_time(answered, "next_response", nr_due)  # the timer raced this in-time reply


def test_unanswered_since_is_the_oldest_message_no_reply_followed():
    state = given(opened(at=at_min(0)), customer_message(at=at_min(5)))
    assert state.unanswered_since == at_min(0)
    state = given(opened(at=at_min(0)), replied(at=at_min(10)), customer_message(at=at_min(30)))
    assert state.unanswered_since == at_min(30)
    state = he.evolve(state, customer_message(at=at_min(40)))
    assert state.unanswered_since == at_min(30)


def test_a_real_breach_is_recorded_once_and_a_late_met_keeps_it():
    state = _with_policy(breached("first_response", FR_DUE, at=at_min(61)))

    clock = state.sla["first_response"]
    assert (clock.state, clock.breached_at) == ("breached", at_min(61))
    assert ignored(state, breached("first_response", FR_DUE, at=at_min(62)))

    state = then(state, replied(at=at_min(90)), met("first_response", at_min(90), FR_DUE))
    clock = state.sla["first_response"]
    assert (clock.state, clock.met_at, clock.breached_at, clock.within_target) == (
        "met",
        at_min(90),
        at_min(61),
        False,
    )


def test_pause_and_resume_replan_the_clocks():
    state = _with_policy(warned("resolution", RES_DUE, 0.75), paused(at=at_min(30)))

    assert state.sla_paused
    assert {c.state for c in state.sla.values()} == {"paused"}
    assert ignored(state, paused(at=at_min(31)))
    assert ignored(state, warned("first_response", FR_DUE))
    assert ignored(state, breached("first_response", FR_DUE))

    state = he.evolve(state, resumed(due("resolution", at_min(600)), at=at_min(150)))

    assert not state.sla_paused
    resolution = state.sla["resolution"]
    assert (resolution.state, resolution.due_at, resolution.warning_threshold) == ("warning", at_min(600), 0.75)
    assert state.sla["first_response"].state == "running"


def test_resume_starts_a_new_cycle_of_a_met_target():
    state = given(
        opened(),
        resumed(due("next_response", at_min(30))),
        met("next_response", at_min(10), at_min(30)),
        resumed(due("next_response", at_min(90))),
    )

    clock = state.sla["next_response"]
    assert (clock.state, clock.due_at, clock.met_at, clock.cycle) == ("running", at_min(90), None, 2)


def test_reapplying_a_policy_keeps_outcomes_and_replans_the_rest():
    state = _with_policy(
        met("first_response", at_min(20), FR_DUE),
        policy(due("first_response", at_min(30)), due("resolution", at_min(240))),
    )

    assert state.sla["first_response"].state == "met"
    assert state.sla["first_response"].due_at == FR_DUE
    assert state.sla["resolution"].due_at == at_min(240)


def test_a_policy_applied_while_paused_starts_paused():
    state = given(opened(), paused(), policy(due("resolution", None)))

    assert state.sla["resolution"].state == "paused"


def test_warnings_keep_the_highest_threshold():
    state = _with_policy(warned("resolution", RES_DUE, 0.9), warned("resolution", RES_DUE, 0.5))

    assert state.sla["resolution"].state == "warning"
    assert state.sla["resolution"].warning_threshold == 0.9


def test_sla_facts_for_unknown_targets_create_their_clock():
    state = given(
        opened(), warned("resolution", RES_DUE), breached("first_response", FR_DUE), met("next_response", at_min(5))
    )

    assert {n: c.state for n, c in state.sla.items()} == {
        "resolution": "warning",
        "first_response": "breached",
        "next_response": "met",
    }
    assert state.sla["first_response"].due_at == FR_DUE


def test_sla_facts_are_recorded_after_close():
    state = _with_policy(status("resolved", at=at_min(100)), status("closed"), met("resolution", at_min(100), RES_DUE))

    assert state.sla["resolution"].state == "met"


def test_status_never_moves_sla_clocks_by_itself():
    state = _with_policy(status("pending"))

    assert not state.sla_paused
    assert state.sla["resolution"].state == "running"


def test_is_open():
    assert [s for s in he.TICKET_STATUSES if he.is_open(s)] == ["new", "open", "pending"]


def test_resolving_stops_response_targets_still_open_and_a_new_cycle_restarts_them():
    planned = [
        opened(at=MON_0900),
        policy(due("first_response", at_min(60)), due("resolution", at_min(600)), at=MON_0900),
    ]
    state = given(*planned, status("resolved", at=at_min(5), resolution="reinstalled"))
    assert state.sla["first_response"].state == "stopped"  # no reply owed any more: neither met nor breached
    assert state.sla["resolution"].state == "running"  # the sla service's SlaTargetMet meets it
    state = he.evolve(state, status("open", at=at_min(10)))  # reopened: the sla service starts a new cycle
    state = he.evolve(state, resumed(due("first_response", at_min(120)), at=at_min(10)))
    assert state.sla["first_response"].state == "running"
