"""The fold of the sla service's own events shows exactly the clocks the service decided with.

A random ticket history is played the way the system runs it: inputs reach the log; the sla service consumes
the log behind them (it lags), publishes its events to the end of the log as it decides, and fires due timers
whenever it likes, also before it consumed an input that is already in the log (the race that made the chaos
suite fail at random). Then the ONE fold reads the whole log, ticket and SLA events interleaved as they are,
and every target's clock must equal the service's: phase, cycle, start, due time, pause, warnings, outcome.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from helpdesk_events import SlaClock, TicketEvent, TicketState, can_transition, evolve, fold
from helpdesk_events.testing import (
    MON_0900,
    customer_message,
    merged,
    opened,
    replied,
    reprioritised,
    status,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sla.domain.calendar import BusinessCalendar
from sla.domain.calendar_config import CalendarSpec
from sla.domain.clocks import SlaState, evolve_all
from sla.domain.decide import Rules, TimerFired, decide, timers
from sla.domain.policy import SlaPolicies
from sla.domain.publish import Cause, to_events

pytestmark = pytest.mark.unit

ALWAYS = BusinessCalendar(
    CalendarSpec.model_validate(
        {
            "timezone": "UTC",
            "week": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        }
    ),
    name="always",
    version="cal-1",
)
RULES = Rules(
    current=SlaPolicies.model_validate(
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
                    "id": "low",  # no next_response: a change to P4 stops that target
                    "match": {"priority": ["P4"]},
                    "calendar": "always",
                    "targets": {"first_response": 240, "resolution": 2400},
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
    ),
    calendars={"always": ALWAYS},
)
COMPARED = ("phase", "cycle", "started_at", "due_at", "paused", "warned", "met_at", "breached_at", "within_target")

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["reply", "message", "status", "status", "priority", "merge", "consume", "consume", "timer", "timer"]
        ),
        st.integers(1, 90),  # minutes since the previous input
        st.integers(0, 9),  # which choice (status, priority, timer)
    ),
    min_size=1,
    max_size=40,
)


class Desk:
    """The log, the inputs' lifecycle (as intake would emit it) and an sla service consuming behind."""

    def __init__(self) -> None:
        self.log: list[TicketEvent] = []
        self.inputs: list[TicketEvent] = []
        self.consumed = 0
        self.sla = SlaState(ticket_id="T-1")
        self.lifecycle: TicketState | None = None
        self.now = MON_0900

    def write(self, event: TicketEvent) -> None:
        self.inputs.append(event)
        self.log.append(event)
        self.lifecycle = evolve(self.lifecycle, event)

    def decide(self, when: TicketEvent | TimerFired, key: str) -> None:
        facts = decide(self.sla, when, RULES)
        after = evolve_all(self.sla, facts)
        self.log += to_events(facts, self.sla, after, Cause(key, "T-1", "default"))
        self.sla = after

    def consume(self) -> None:
        if self.consumed < len(self.inputs):
            event = self.inputs[self.consumed]
            self.consumed += 1
            self.decide(event, str(event.event_id))

    def fire(self, choice: int) -> None:
        if self.sla.policy is None:
            return
        due = [p for p in timers(self.sla, ALWAYS) if p.at <= self.now]
        if due:
            p = due[choice % len(due)]
            self.decide(TimerFired(p.target, p.kind, p.at, p.threshold), f"{p.key}@{p.at.isoformat()}")


def _status_input(desk: Desk, at: datetime, choice: int) -> TicketEvent | None:
    current = desk.lifecycle.status if desk.lifecycle is not None else "new"
    options = [s for s in ("open", "pending", "resolved", "closed") if can_transition(current, s)]
    return status(options[choice % len(options)], frm=current, at=at) if options else None


def _input(desk: Desk, kind: str, at: datetime, choice: int) -> TicketEvent | None:
    if kind == "reply":
        return replied(at=at)
    if kind == "message":
        return customer_message(at=at)
    if kind == "status":
        return _status_input(desk, at, choice)
    if kind == "priority" and desk.lifecycle is not None and desk.lifecycle.priority is not None:
        to = ("P1", "P2", "P3", "P4")[choice % 4]
        return reprioritised(to, frm=desk.lifecycle.priority, at=at) if to != desk.lifecycle.priority else None
    if kind == "merge" and choice == 0:
        return merged(at=at)
    return None


def play(actions: list[tuple[str, int, int]]) -> Desk:
    desk = Desk()
    desk.write(opened(at=MON_0900))
    for kind, minutes, choice in actions:
        if kind == "consume":
            desk.consume()
        elif kind == "timer":
            desk.now += timedelta(minutes=minutes)
            desk.fire(choice)
        else:
            desk.now += timedelta(minutes=minutes)
            event = _input(desk, kind, desk.now, choice)
            if event is not None:
                desk.write(event)
    while desk.consumed < len(desk.inputs):
        desk.consume()
    return desk


def _view(clock: SlaClock) -> dict[str, Any]:
    return {f: getattr(clock, f) for f in COMPARED}


@settings(database=None, deadline=None, max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(ACTIONS)
def test_the_fold_of_the_service_events_shows_the_service_clocks(actions):
    desk = play(actions)
    folded = fold(desk.log)
    assert folded is not None and folded.sla_stops_recorded
    assert {n: _view(c) for n, c in folded.sla.items()} == {n: _view(c) for n, c in desk.sla.targets.items()}


def test_the_race_seen_in_chaos_a_reopen_before_the_policy_is_published():
    """Opened, resolved and reopened reach the log before the service publishes the opening's policy: the
    service stops first_response at the resolve, and the fold must show that, not a clock running forever."""
    desk = Desk()
    desk.write(opened(at=MON_0900))
    desk.write(status("resolved", frm="new", at=MON_0900 + timedelta(minutes=2)))
    desk.write(status("open", frm="resolved", at=MON_0900 + timedelta(minutes=3)))
    for _ in range(3):
        desk.consume()
    folded = fold(desk.log)
    assert folded is not None
    assert [e.type for e in desk.log[3:]] == [
        "SlaPolicyApplied",
        "SlaTargetStopped",
        "SlaTargetMet",
        "SlaClockResumed",
    ]
    assert {n: c.state for n, c in folded.sla.items()} == {
        "first_response": "stopped",
        "next_response": "idle",
        "resolution": "running",
    }
    assert {n: c.state for n, c in folded.sla.items()} == {n: c.state for n, c in desk.sla.targets.items()}


def test_a_breach_the_timer_fired_before_the_service_read_an_in_time_reply_ends_compliant():
    desk = Desk()
    desk.write(opened(at=MON_0900))
    desk.consume()
    desk.write(replied(at=MON_0900 + timedelta(minutes=59)))
    desk.now = MON_0900 + timedelta(minutes=61)
    desk.fire(0)  # first_response's breach (due at 60), the reply still unread
    assert desk.log[-1].type == "SlaBreached"
    desk.consume()
    clock = fold(desk.log).sla["first_response"]  # type: ignore[union-attr]
    assert (clock.state, clock.breached_at, clock.within_target) == ("met", None, True)
    assert _view(clock) == _view(desk.sla.targets["first_response"])
