"""The fold is total and keeps its invariants over any sequence of racing events, in any order."""

import helpdesk_events as he
import pytest
from helpdesk_events.strategies import COLLIDING, COLLIDING_TICKET_EVENT, PROPERTY, events_of
from hypothesis import given
from hypothesis import strategies as st

pytestmark = pytest.mark.unit

# Any ticket event, with the racing ones (status, assignment, reply, breach) over-represented so that
# sequences reach reopen, close-then-assign, breach-after-met... within a few events.
_RACERS = (he.TicketStatusChanged, he.TicketStatusChanged, he.TicketAssigned, he.AgentReplied, he.SlaBreached)
_LIVELY = {**COLLIDING, "to_status": st.sampled_from(["open", "open", "pending", "resolved", "resolved", "closed"])}
EVENT = st.one_of(COLLIDING_TICKET_EVENT, *[events_of(cls, _LIVELY) for cls in _RACERS])
EVENT_SEQUENCES = st.lists(EVENT, max_size=40)
LONG_SEQUENCES = st.lists(EVENT, min_size=10, max_size=30)


@PROPERTY
@given(events=EVENT_SEQUENCES)
def test_fold_is_total_and_deterministic(events):
    state = he.fold(events)

    if not events:
        assert state is None
        return
    assert state is not None
    assert state.version == len(events)
    assert state.ticket_id == events[0].ticket_id
    assert he.fold(events) == state
    assert he.TicketState.model_validate_json(state.model_dump_json()) == state  # services persist it
    assert he.fold(events[1:], he.evolve(None, events[0])) == state


@PROPERTY
@given(events=EVENT_SEQUENCES, data=st.data())
def test_fold_is_total_in_any_order(events, data):
    shuffled = data.draw(st.permutations(events))

    state = he.fold(shuffled)

    assert state is None or state.version == len(events)


def _check_step(before: he.TicketState, event: he.TicketEvent, after: he.TicketState) -> None:
    assert after.version == before.version + 1
    assert after.ticket_id == before.ticket_id
    if not he.applies(before, event):
        assert after == before.model_copy(update={"version": after.version})
        return
    assert after.updated_at is not None
    assert before.updated_at is None or after.updated_at >= before.updated_at
    # the lifecycle only moves along valid transitions (or by the documented implicit ones)
    if after.status != before.status:
        implicit = (isinstance(event, he.AgentReplied) and (before.status, after.status) == ("new", "open")) or (
            isinstance(event, he.TicketMerged) and after.status == "closed"
        )
        assert he.can_transition(before.status, after.status) or implicit
        assert isinstance(event, he.TicketStatusChanged | he.AgentReplied | he.TicketMerged)
    assert before.status != "closed" or after.status == "closed"
    assert after.reopen_count == before.reopen_count + (before.status == "resolved" and after.status == "open")
    # counters and one-time facts never go back
    assert after.escalation_level >= before.escalation_level
    assert after.message_count >= before.message_count and after.note_count >= before.note_count
    assert before.first_response_at is None or after.first_response_at == before.first_response_at
    assert before.merged_into is None or after.merged_into == before.merged_into
    assert after.opened >= before.opened
    # resolved/closed tickets keep their assignee and team
    if before.status in ("resolved", "closed") and not isinstance(event, he.TicketStatusChanged):
        assert (after.assignee, after.team) == (before.assignee, before.team)
    # SLA outcomes stick within a cycle (a breach is withdrawn only by a met within target)
    for name, clock in before.sla.items():
        now = after.sla[name]
        if now.cycle != clock.cycle or isinstance(event, he.SlaClockResumed) and now.met_at is None:
            continue  # a new cycle (legacy resumes carry no cycle number)
        if clock.state == "met":
            assert (now.phase, now.met_at, now.within_target, now.breached_at) == (
                "met",
                clock.met_at,
                clock.within_target,
                clock.breached_at,
            )
        if clock.breached_at is not None and not (now.phase == "met" and now.within_target):
            assert now.breached_at == clock.breached_at


@PROPERTY
@given(events=LONG_SEQUENCES)
def test_every_step_keeps_the_invariants(events):
    state = he.evolve(None, events[0])
    for event in events[1:]:
        after = he.evolve(state, event)
        _check_step(state, event, after)
        state = after
