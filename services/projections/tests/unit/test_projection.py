"""Folding a poll in memory: each ticket ends where the shared fold puts it, one entry per event in log
order, and a later poll continues from the rows the earlier one left."""

from __future__ import annotations

import pytest
from helpdesk_events import fold
from helpdesk_events import testing as b
from projections.domain.projection import Current, project, step

pytestmark = pytest.mark.unit


def lives():
    one = [b.opened(ticket="A", body="Se quemó"), b.assigned(ticket="A"), b.status("resolved", ticket="A")]
    two = [b.assigned("lucia", ticket="B"), b.opened(ticket="B", folio="HD-2"), b.replied(ticket="B")]
    return one, two


def test_a_poll_of_mixed_tickets_folds_each_in_log_order():
    one, two = lives()
    mixed = [one[0], two[0], one[1], two[1], one[2], two[2]]
    got = project({}, mixed)
    assert got.tickets["A"].state == fold(one) and got.tickets["B"].state == fold(two)
    assert got.tickets["A"].description == "Se quemó"
    assert [(e.event.ticket_id, e.after.version) for e in got.entries] == [
        ("A", 1),
        ("B", 1),
        ("A", 2),
        ("B", 2),
        ("A", 3),
        ("B", 3),
    ]
    assert [e.change["event"] for e in got.entries][:2] == ["TicketOpened", "TicketAssigned"]


def test_a_later_poll_continues_from_the_loaded_rows_like_single_steps():
    one, _ = lives()
    first = project({}, one[:1])
    later = project(first.tickets, one[1:])
    current: Current | None = None
    entries = []
    for event in one:
        current, entry = step(current, event)
        entries.append(entry)
    assert later.tickets["A"] == current
    assert later.entries == entries[1:]


def test_an_event_the_fold_ignores_is_an_entry_not_applied_and_without_facts():
    _, two = lives()
    again = b.opened(ticket="B", folio="HD-3")
    got = project({}, [*two, again])
    last = got.entries[-1]
    assert (last.applied, last.facts, last.after.version) == (False, [], 4)
    assert got.tickets["B"].state.folio == "HD-2"
