"""The stored case body is deterministic: the replay compares it with the live one."""

from __future__ import annotations

from escalation.domain.case import Case
from helpdesk_events import TicketState


def test_fired_keys_are_stored_sorted_and_read_back_as_a_set():
    case = Case(ticket=TicketState(ticket_id="t-1"), fired=frozenset({"manual:3", "reopened:1", "sla_breach:x:2"}))
    body = case.model_dump(mode="json")
    assert body["fired"] == ["manual:3", "reopened:1", "sla_breach:x:2"]
    assert Case.model_validate(body) == case
