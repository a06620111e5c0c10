import json
from typing import Any

import helpdesk_events as he
import pytest
from helpdesk_events.testing import opened
from helpdesk_events.upcasters import Upcasters

pytestmark = pytest.mark.unit


def _v1_ticket_opened(**data_changes: Any) -> dict[str, Any]:
    """A TicketOpened as producers wrote it at schema_version 1: requester flat in data."""
    obj: dict[str, Any] = json.loads(he.encode(opened()))
    obj["schema_version"] = 1
    del obj["data"]["customer"]
    obj["data"].update(requester_email=" Ana.Lopez@Example.COM ", requester_name="Ana López", **data_changes)
    return obj


def test_ticket_opened_v1_loads_as_v2_with_a_customer():
    raw = json.dumps(_v1_ticket_opened()).encode()

    event = he.decode(raw)

    assert isinstance(event, he.TicketOpened)
    assert event.schema_version == 2
    assert event.data.customer == he.Customer(
        contact_id="email:ana.lopez@example.com", email="Ana.Lopez@Example.COM", name="Ana López"
    )


def test_ticket_opened_v1_without_email_gets_an_unknown_contact():
    obj = _v1_ticket_opened()
    del obj["data"]["requester_email"]

    event = he.decode_ticket_event(json.dumps(obj).encode())

    assert isinstance(event, he.TicketOpened)
    assert event.data.customer.contact_id == "unknown:T-1"
    assert event.data.customer.email is None


def test_a_v1_event_missing_schema_version_is_version_1():
    obj = _v1_ticket_opened()
    del obj["schema_version"]

    assert he.upcast(obj)["schema_version"] == 2


def test_upcast_does_not_mutate_its_input_and_leaves_current_events_alone():
    obj = _v1_ticket_opened()
    before = json.dumps(obj)

    he.upcast(obj)

    assert json.dumps(obj) == before
    current = json.loads(he.encode(opened()))
    assert he.upcast(current) == current


def test_a_newer_version_than_known_passes_through():
    obj = json.loads(he.encode(opened()))
    obj["schema_version"] = 3

    assert he.upcast(obj) is obj
    assert he.decode(json.dumps(obj).encode()).schema_version == 3


def test_steps_run_in_sequence_up_to_the_latest_version():
    registry = Upcasters()

    @registry.register("Thing", 1)
    def _v1(raw):
        raw["a"] = raw.pop("old")
        return raw

    @registry.register("Thing", 2)
    def _v2(raw):
        raw["b"] = raw["a"] * 2
        return raw

    assert registry.upcast({"type": "Thing", "old": 21}) == {"type": "Thing", "a": 21, "b": 42, "schema_version": 3}
    assert registry.upcast({"type": "Thing", "schema_version": 2, "a": 1}) == {
        "type": "Thing",
        "a": 1,
        "b": 2,
        "schema_version": 3,
    }
    assert registry.latest_version("Thing") == 3
    assert registry.latest_version("Other") == 1


def test_registering_a_step_twice_is_an_error():
    registry = Upcasters()
    registry.register("Thing", 1)(lambda raw: raw)

    with pytest.raises(ValueError, match="already registered"):
        registry.register("Thing", 1)(lambda raw: raw)


def test_a_failing_upcaster_is_a_decode_error(monkeypatch):
    def broken(raw):
        raise KeyError("requester")

    registry = Upcasters()
    registry.register("TicketOpened", 1)(broken)
    monkeypatch.setattr("helpdesk_events.codec.upcast", registry.upcast)

    with pytest.raises(he.DecodeError) as info:
        he.decode(json.dumps(_v1_ticket_opened()).encode())

    assert str(info.value) == "upcasting TicketOpened from schema_version 1 failed: KeyError: 'requester'"
