"""Properties of the SLA decisions on a 24x7 calendar: paused time never counts, whatever the pauses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpdesk_events.testing import MON_0900, opened, replied, status
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sla.domain.calendar import BusinessCalendar
from sla.domain.calendar_config import CalendarSpec
from sla.domain.clocks import SlaState, TargetMet, evolve_all
from sla.domain.decide import Rules, decide, timers
from sla.domain.policy import SlaPolicies

pytestmark = pytest.mark.unit

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = BusinessCalendar(
    CalendarSpec.model_validate({"timezone": "UTC", "week": {d: [["00:00", "24:00"]] for d in DAYS}}),
    name="always",
)
RULES = Rules(
    current=SlaPolicies.model_validate(
        {
            "version": "p",
            "policies": [
                {"id": "all", "calendar": "always", "targets": {"first_response": 60, "resolution": 480}},
            ],
        }
    ),
    calendars={"always": ALWAYS},
)
# (minutes running before a pause, minutes paused), whole seconds; running time stays under the 60-minute target.
SPANS = st.lists(st.tuples(st.integers(0, 10 * 60), st.integers(1, 600 * 60)), min_size=0, max_size=5).filter(
    lambda spans: sum(run for run, _ in spans) < 59 * 60
)


def run(spans: list[tuple[int, int]]) -> tuple[SlaState, timedelta, timedelta]:
    state = SlaState(ticket_id="T-1")
    events = [opened(at=MON_0900)]
    at = MON_0900
    paused = timedelta()
    for running, pause in spans:
        at += timedelta(seconds=running)
        events.append(status("pending", at=at))
        at += timedelta(seconds=pause)
        paused += timedelta(seconds=pause)
        events.append(status("open", frm="pending", at=at))
    for event in events:
        state = evolve_all(state, decide(state, event, RULES))
    return state, paused, at - MON_0900 - paused


@settings(database=None, deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(SPANS)
def test_due_times_move_by_exactly_the_paused_time(spans):
    state, paused, _ = run(spans)
    breach = {p.key: p.at for p in timers(state, ALWAYS)}
    assert breach["first_response:breach"] == MON_0900 + timedelta(minutes=60) + paused
    assert breach["resolution:breach"] == MON_0900 + timedelta(minutes=480) + paused


@settings(database=None, deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(SPANS, st.integers(0, 60))
def test_minutes_used_exclude_every_pause(spans, later):
    state, paused, running = run(spans)
    reply_at = MON_0900 + paused + running + timedelta(seconds=later)
    [met] = decide(state, replied(at=reply_at), RULES)
    assert isinstance(met, TargetMet)
    assert met.business_minutes_used == pytest.approx((running.total_seconds() + later) / 60, abs=1e-4)
    assert met.within_target
