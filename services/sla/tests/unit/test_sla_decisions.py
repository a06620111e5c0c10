"""SLA decisions as given events / when / then facts: policy choice, clocks, pauses, re-targeting, timers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from helpdesk_events import (
    Customer,
    SlaBreached,
    SlaClockPaused,
    SlaClockResumed,
    SlaPolicyApplied,
    SlaTargetMet,
    SlaWarning,
    TicketEvent,
)
from helpdesk_events.testing import (
    MON_0900,
    at_min,
    customer_message,
    merged,
    opened,
    replied,
    reprioritised,
    status,
)
from sla.domain.calendar import BusinessCalendar
from sla.domain.calendar_config import CalendarSpec
from sla.domain.clocks import (
    Breached,
    ClockPaused,
    ClockResumed,
    CustomerWrote,
    CycleStarted,
    Due,
    Fact,
    PolicyApplied,
    SlaState,
    TargetMet,
    TargetStopped,
    TicketDone,
    Warned,
    evolve_all,
)
from sla.domain.decide import Rules, TimerFired, decide, timers
from sla.domain.policy import SlaPolicies
from sla.domain.publish import Cause, to_events

pytestmark = pytest.mark.unit

ALL_DAY = [["00:00", "24:00"]]
ALWAYS = BusinessCalendar(
    CalendarSpec.model_validate(
        {"timezone": "UTC", "week": {d: ALL_DAY for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
    ),
    name="always",
    version="cal-1",
)
OFFICE = BusinessCalendar(
    CalendarSpec.model_validate(
        {"timezone": "UTC", "week": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}
    ),
    name="office",
    version="cal-1",
)
V1 = SlaPolicies.model_validate(
    {
        "version": "v1",
        "policies": [
            {
                "id": "critical",
                "match": {"priority": ["P1"]},
                "calendar": "always",
                "targets": {"first_response": 15, "next_response": 30, "resolution": 240},
                "warnings": [0.5, 0.9],
            },
            {
                "id": "vip-email",
                "match": {"tier": ["vip"], "channel": ["email"]},
                "calendar": "office",
                "targets": {"first_response": 30, "resolution": 480},
            },
            {
                "id": "hardware",
                "match": {"category": ["hardware"]},
                "calendar": "office",
                "targets": {"first_response": 120, "resolution": 960},
            },
            {
                "id": "standard",
                "match": {},
                "calendar": "always",
                "targets": {"first_response": 60, "next_response": 120, "resolution": 480},
                "warnings": [0.75],
            },
        ],
    }
)
V2 = V1.model_copy(update={"version": "v2", "policies": [V1.policies[3]]})
RULES = Rules(current=V1, calendars={"always": ALWAYS, "office": OFFICE})


def given(*events: TicketEvent | TimerFired, rules: Rules = RULES) -> SlaState:
    state = SlaState(ticket_id="T-1")
    for event in events:
        state = evolve_all(state, decide(state, event, rules))
    return state


def when(state: SlaState, event: TicketEvent | TimerFired, rules: Rules = RULES) -> list[Fact]:
    return decide(state, event, rules)


def vip(**data: object) -> TicketEvent:
    return opened(customer=Customer(contact_id="c-1", tier="vip"), **data)


def due(facts: list[Fact], name: str) -> datetime | None:
    for fact in facts:
        for d in getattr(fact, "dues", ()):
            if d.name == name:
                return d.due_at
    raise AssertionError(f"{name} not in {facts}")


# ----- policy choice -----


@pytest.mark.parametrize(
    ("event", "policy"),
    [
        (opened(priority="P1"), "critical"),
        (vip(priority="P1"), "critical"),
        (vip(channel="email"), "vip-email"),
        (vip(channel="web"), "standard"),
        (opened(category="hardware"), "hardware"),
        (vip(channel="email", category="hardware"), "vip-email"),
        (opened(priority="P4"), "standard"),
    ],
)
def test_the_first_policy_matching_priority_tier_category_and_channel_applies(event, policy):
    [applied] = when(SlaState(ticket_id="T-1"), event)
    assert isinstance(applied, PolicyApplied)
    assert applied.policy.policy_id == policy
    assert applied.policy.policy_version == "v1"
    assert applied.reason == "opened"


def test_opening_starts_first_response_and_resolution_from_the_event_time():
    [applied] = when(SlaState(ticket_id="T-1"), opened(at=MON_0900))
    assert applied.dues == (  # type: ignore[union-attr]
        Due("first_response", 60, at_min(60), "running", 1, MON_0900),
        Due("next_response", 120, None, "idle", 0, None),
        Due("resolution", 480, at_min(480), "running", 1, MON_0900),
    )


def test_due_times_are_in_business_time_of_the_policy_calendar():
    # vip-email on the office calendar (Mon-Fri 09:00-17:00 UTC): opened Friday 16:50 → Monday 09:20.
    friday_1650 = datetime.fromisoformat("2026-03-06T16:50:00+00:00")
    facts = when(SlaState(ticket_id="T-1"), vip(channel="email", at=friday_1650))
    assert due(facts, "first_response") == datetime.fromisoformat("2026-03-09T09:20:00+00:00")


def test_a_second_opening_changes_nothing():
    assert when(given(opened()), opened(at=at_min(5))) == []


def test_timers_are_a_breach_and_each_warning_per_running_target():
    plans = {(p.key, p.at) for p in timers(given(opened(priority="P1")), ALWAYS)}
    assert plans == {
        ("first_response:warn0.5", at_min(7.5)),
        ("first_response:warn0.9", at_min(13.5)),
        ("first_response:breach", at_min(15)),
        ("resolution:warn0.5", at_min(120)),
        ("resolution:warn0.9", at_min(216)),
        ("resolution:breach", at_min(240)),
    }


# ----- warnings, breaches, met -----


def test_warning_then_breach_at_their_instants():
    state = given(opened())
    assert when(state, TimerFired("first_response", "warning", at_min(45), 0.75)) == [
        Warned("first_response", 0.75, at_min(45), at_min(60))
    ]
    state = given(opened(), TimerFired("first_response", "warning", at_min(45), 0.75))
    assert "first_response:warn0.75" not in {p.key for p in timers(state, ALWAYS)}
    assert when(state, TimerFired("first_response", "breach", at_min(60))) == [
        Breached("first_response", at_min(60), at_min(60))
    ]


def test_a_timer_fires_once():
    state = given(opened(), TimerFired("first_response", "breach", at_min(60)))
    assert when(state, TimerFired("first_response", "breach", at_min(60))) == []
    assert "first_response:breach" not in {p.key for p in timers(state, ALWAYS)}


def test_first_response_is_met_by_the_first_agent_reply_with_the_business_minutes_used():
    state = given(opened())
    assert when(state, replied(at=at_min(20))) == [TargetMet("first_response", at_min(20), at_min(60), 20, True)]
    after = given(opened(), replied(at=at_min(20)))
    assert {p.target for p in timers(after, ALWAYS)} == {"resolution"}
    assert when(after, replied(at=at_min(30))) == []


def test_a_reply_after_the_breach_is_met_late():
    state = given(opened(), TimerFired("first_response", "breach", at_min(60)))
    assert when(state, replied(at=at_min(90))) == [TargetMet("first_response", at_min(90), at_min(60), 90, False)]


def test_met_counts_business_minutes_only():
    friday_1650 = datetime.fromisoformat("2026-03-06T16:50:00+00:00")
    monday_0905 = datetime.fromisoformat("2026-03-09T09:05:00+00:00")
    state = given(vip(channel="email", at=friday_1650))
    [met] = when(state, replied(at=monday_0905))
    assert met == TargetMet(
        "first_response", monday_0905, datetime.fromisoformat("2026-03-09T09:20:00+00:00"), 15, True
    )


# ----- pauses -----


def test_pending_pauses_every_clock_and_disarms_the_timers():
    state = given(opened())
    assert when(state, status("pending", at=at_min(10))) == [ClockPaused(at_min(10), "pending")]
    paused = given(opened(), status("pending", at=at_min(10)))
    assert timers(paused, ALWAYS) == []
    assert when(paused, status("pending", at=at_min(12))) == []


def test_resume_moves_the_due_times_by_the_paused_span():
    state = given(opened(), status("pending", at=at_min(10)))
    [resumed] = when(state, status("open", frm="pending", at=at_min(40)))
    assert resumed == ClockResumed(
        at_min(40),
        "status open",
        dues=(
            Due("first_response", 60, at_min(90), "running", 1, MON_0900),
            Due("resolution", 480, at_min(510), "running", 1, MON_0900),
        ),
    )
    after = given(opened(), status("pending", at=at_min(10)), status("open", frm="pending", at=at_min(40)))
    assert {(p.key, p.at) for p in timers(after, ALWAYS) if p.kind == "breach"} == {
        ("first_response:breach", at_min(90)),
        ("resolution:breach", at_min(510)),
    }


def test_paused_time_never_counts_towards_a_met_target():
    state = given(opened(), status("pending", at=at_min(10)), status("open", frm="pending", at=at_min(40)))
    [met] = when(state, replied(at=at_min(50)))
    assert met == TargetMet("first_response", at_min(50), at_min(90), 20, True)


def test_a_reply_while_paused_meets_with_the_time_before_the_pause():
    state = given(opened(), status("pending", at=at_min(10)))
    assert when(state, replied(at=at_min(30))) == [TargetMet("first_response", at_min(30), None, 10, True)]


def test_a_stale_timer_after_a_pause_fires_nothing():
    state = given(opened(), status("pending", at=at_min(10)), status("open", frm="pending", at=at_min(40)))
    assert when(state, TimerFired("first_response", "breach", at_min(60))) == []
    assert when(state, TimerFired("first_response", "breach", at_min(90))) == [
        Breached("first_response", at_min(90), at_min(90))
    ]


def test_pause_statuses_are_configurable():
    never = Rules(current=V1.model_copy(update={"pause_statuses": []}), calendars=RULES.calendars)
    state = given(opened(), rules=never)
    assert when(state, status("pending", at=at_min(10)), rules=never) == []


# ----- next response -----


def test_a_customer_message_after_the_first_response_starts_next_response():
    state = given(opened(), replied(at=at_min(20)))
    assert when(state, customer_message(at=at_min(100))) == [
        CustomerWrote(at_min(100)),
        CycleStarted(
            "next_response", at_min(100), (Due("next_response", 120, at_min(220), "running", 1, at_min(100)),)
        ),
    ]
    state = given(opened(), replied(at=at_min(20)), customer_message(at=at_min(100)))
    assert when(state, customer_message(at=at_min(110))) == [CustomerWrote(at_min(110))]
    assert when(state, replied(at=at_min(130))) == [TargetMet("next_response", at_min(130), at_min(220), 30, True)]


def test_customer_messages_before_the_first_response_do_not_start_next_response():
    assert when(given(opened()), customer_message(at=at_min(5))) == [CustomerWrote(at_min(5))]


def test_a_customer_message_while_pending_starts_next_response_at_the_message_and_ticks_after_the_resume():
    state = given(opened(), replied(at=at_min(20)), status("pending", at=at_min(25)), customer_message(at=at_min(100)))
    [resumed] = when(state, status("open", frm="pending", at=at_min(105)))
    assert isinstance(resumed, ClockResumed)
    assert Due("next_response", 120, at_min(225), "running", 1, at_min(100)) in resumed.dues


# ----- resolution, reopen, close, merge -----


def test_resolve_meets_resolution_and_stops_the_other_clocks():
    state = given(opened())
    assert when(state, status("resolved", at=at_min(100))) == [
        TargetStopped("first_response", at_min(100), "resolved"),
        TargetMet("resolution", at_min(100), at_min(480), 100, True),
        TicketDone(at_min(100), closed=False),
    ]
    assert timers(given(opened(), status("resolved", at=at_min(100))), ALWAYS) == []


def test_resolving_while_pending_excludes_the_pending_span():
    state = given(opened(), status("pending", at=at_min(10)))
    [met] = [f for f in when(state, status("resolved", frm="pending", at=at_min(100))) if isinstance(f, TargetMet)]
    assert met.business_minutes_used == 10


def test_reopen_starts_a_new_resolution_cycle_from_the_reopen():
    state = given(opened(), replied(at=at_min(5)), status("resolved", at=at_min(100)))
    [resumed] = when(state, status("open", frm="resolved", at=at_min(1000)))
    assert resumed == ClockResumed(
        at_min(1000),
        "reopened",
        restarted=(("resolution", at_min(1000)),),
        reopened=True,
        dues=(Due("resolution", 480, at_min(1480), "running", 2, at_min(1000)),),
    )
    reopened = given(
        opened(), replied(at=at_min(5)), status("resolved", at=at_min(100)), status("open", at=at_min(1000))
    )
    assert when(reopened, status("resolved", at=at_min(1030))) == [
        TargetMet("resolution", at_min(1030), at_min(1480), 30, True),
        TicketDone(at_min(1030), closed=False),
    ]


def test_a_customer_reply_that_reopens_also_waits_for_a_next_response():
    state = given(
        opened(), replied(at=at_min(5)), status("resolved", at=at_min(100)), customer_message(at=at_min(1000))
    )
    [resumed] = when(state, status("open", frm="resolved", at=at_min(1000)))
    assert isinstance(resumed, ClockResumed)
    assert resumed.restarted == (("resolution", at_min(1000)), ("next_response", at_min(1000)))


def test_closing_an_unresolved_ticket_meets_resolution_and_nothing_follows():
    state = given(opened(), replied(at=at_min(5)))
    assert when(state, status("closed", at=at_min(50))) == [
        TargetMet("resolution", at_min(50), at_min(480), 50, True),
        TicketDone(at_min(50), closed=True),
    ]
    closed = given(opened(), status("closed", at=at_min(50)))
    assert when(closed, status("open", at=at_min(60))) == []
    assert when(closed, customer_message(at=at_min(60))) == []
    assert timers(closed, ALWAYS) == []


def test_a_merged_ticket_stops_its_clocks():
    state = given(opened(), merged(at=at_min(30)))
    assert timers(state, ALWAYS) == []
    assert state.closed


# ----- priority change -----


def test_a_priority_change_retargets_from_the_original_start():
    state = given(opened(priority="P3"))
    [applied] = when(state, reprioritised("P1", frm="P3", at=at_min(5)))
    assert isinstance(applied, PolicyApplied)
    assert applied.policy.policy_id == "critical"
    assert applied.reason == "priority P3 -> P1"
    assert applied.dues == (
        Due("first_response", 15, at_min(15), "running", 1, MON_0900),
        Due("next_response", 30, None, "idle", 0, None),
        Due("resolution", 240, at_min(240), "running", 1, MON_0900),
    )


def test_a_priority_change_uses_the_policy_set_version_the_ticket_opened_under():
    opened_under_v1 = given(opened(priority="P3"))
    now_v2 = Rules(current=V2, calendars=RULES.calendars, versions={"v1": V1})
    [applied] = when(opened_under_v1, reprioritised("P1", frm="P3", at=at_min(5)), rules=now_v2)
    assert isinstance(applied, PolicyApplied)
    assert (applied.policy.policy_id, applied.policy.policy_version) == ("critical", "v1")
    opened_under_v2 = given(opened(priority="P3"), rules=now_v2)
    assert opened_under_v2.policy is not None and opened_under_v2.policy.policy_version == "v2"


def test_a_retarget_whose_deadline_already_passed_breaches_at_the_change():
    state = given(opened(priority="P3"), reprioritised("P1", frm="P3", at=at_min(30)))
    plans = {p.key: p.at for p in timers(state, ALWAYS)}
    assert plans["first_response:breach"] == at_min(30)
    assert "first_response:warn0.5" not in plans  # due no earlier than the breach: pointless
    assert when(state, TimerFired("first_response", "breach", at_min(30))) == [
        Breached("first_response", at_min(30), at_min(15))
    ]


def test_a_retarget_keeps_met_targets_and_the_pauses():
    state = given(
        opened(priority="P3"),
        replied(at=at_min(10)),
        status("pending", at=at_min(20)),
        status("open", frm="pending", at=at_min(80)),
    )
    [applied] = when(state, reprioritised("P1", frm="P3", at=at_min(90)))
    assert isinstance(applied, PolicyApplied)
    assert Due("resolution", 240, at_min(300), "running", 1, MON_0900) in applied.dues
    after = given(
        opened(priority="P3"),
        replied(at=at_min(10)),
        status("pending", at=at_min(20)),
        status("open", frm="pending", at=at_min(80)),
        reprioritised("P1", frm="P3", at=at_min(90)),
    )
    assert after.targets["first_response"].phase == "met"


def test_a_priority_change_to_the_same_policy_records_the_fact_only():
    state = given(opened(priority="P3"))
    [fact] = when(state, reprioritised("P4", frm="P3", at=at_min(5)))
    assert type(fact).__name__ == "FactsChanged"


# ----- replay -----


def test_replaying_the_same_events_rebuilds_the_same_due_times():
    events = [
        opened(at=MON_0900),
        status("pending", at=at_min(10)),
        status("open", frm="pending", at=at_min(40)),
        reprioritised("P1", frm="P3", at=at_min(41)),
    ]
    first, second = given(*events), given(*events)
    assert timers(first, ALWAYS) == timers(second, ALWAYS)
    assert first == second
    assert max(p.at for p in timers(first, ALWAYS)) == MON_0900 + timedelta(minutes=270)


def test_the_state_survives_its_json_round_trip():
    state = given(
        opened(priority="P1"),
        replied(at=at_min(3)),
        status("pending", at=at_min(10)),
        customer_message(at=at_min(12)),
        TimerFired("resolution", "warning", at_min(120), 0.5),
    )
    assert SlaState.model_validate(state.model_dump(mode="json")) == state


# ----- published events -----

CAUSE = Cause("cause-1", "T-1", "acme")


def published(state: SlaState, event) -> list:
    facts = decide(state, event, RULES)
    return to_events(facts, state, evolve_all(state, facts), CAUSE)


def test_every_sla_event_carries_the_policy_and_calendar_versions():
    events = [
        *published(SlaState(ticket_id="T-1"), opened()),
        *published(given(opened()), status("pending", at=at_min(1))),
        *published(given(opened(), status("pending", at=at_min(1))), status("open", frm="pending", at=at_min(2))),
        *published(given(opened()), TimerFired("first_response", "warning", at_min(45), 0.75)),
        *published(given(opened()), TimerFired("first_response", "breach", at_min(60))),
        *published(given(opened()), replied(at=at_min(61))),
    ]
    assert [type(e) for e in events] == [
        SlaPolicyApplied,
        SlaClockPaused,
        SlaClockResumed,
        SlaWarning,
        SlaBreached,
        SlaTargetMet,
    ]
    for e in events:
        assert (e.data.policy_id, e.data.policy_version, e.data.calendar, e.data.calendar_version) == (
            "standard",
            "v1",
            "always",
            "cal-1",
        )
        assert e.tenant == "acme" and e.producer == "sla"


def test_event_ids_depend_only_on_the_cause():
    assert published(SlaState(ticket_id="T-1"), opened()) == published(SlaState(ticket_id="T-1"), opened())
    [a] = published(given(opened()), TimerFired("first_response", "breach", at_min(60)))
    [b] = to_events(
        decide(given(opened()), TimerFired("first_response", "breach", at_min(60)), RULES),
        given(opened()),
        given(opened()),
        Cause("cause-2", "T-1", "acme"),
    )
    assert a.event_id != b.event_id


def test_a_next_response_cycle_is_published_as_a_resume_of_that_target():
    state = given(opened(), replied(at=at_min(5)))
    [event] = published(state, customer_message(at=at_min(10)))
    assert isinstance(event, SlaClockResumed)
    assert event.data.reason == "customer_message"
    assert [(t.name, t.due_at) for t in event.data.targets] == [("next_response", at_min(130))]
    paused = given(opened(), replied(at=at_min(5)), status("pending", at=at_min(6)))
    [started] = published(paused, customer_message(at=at_min(10)))
    assert isinstance(started, SlaClockResumed)  # the cycle starts paused: no due time until the resume
    assert [(t.name, t.due_at, t.phase, t.cycle) for t in started.data.targets] == [
        ("next_response", None, "running", 1)
    ]
