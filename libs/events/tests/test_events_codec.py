import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import helpdesk_events as he
import pytest
from helpdesk_events.strategies import PROPERTY, events_of, from_model
from helpdesk_events.testing import opened
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("name", sorted(he.EVENT_TYPES))
@settings(PROPERTY, max_examples=30)  # x 23 types
@given(data=st.data())
def test_every_event_type_round_trips(name, data):
    event = data.draw(events_of(he.EVENT_TYPES[name]))
    raw = he.encode(event)

    decoded = he.decode(raw)

    assert type(decoded) is type(event)
    assert decoded == event
    assert he.encode(decoded) == raw
    if name in he.TICKET_EVENT_TYPES:
        assert he.decode_ticket_event(raw) == event
    else:
        assert he.decode_directory_event(raw) == event


def test_encoding_is_compact_utf8_json_with_rfc3339_offsets():
    event = opened(subject="Impresora sin tóner").model_copy(
        update={"occurred_at": datetime.fromisoformat("2026-03-02T09:00:00-06:00")}
    )

    raw = he.encode(event)

    assert b" " not in raw.split(b'"subject"')[0]  # compact separators
    assert "Impresora sin tóner".encode() in raw  # UTF-8, not \u escapes
    obj = json.loads(raw)
    assert obj["occurred_at"] == "2026-03-02T09:00:00-06:00"
    assert obj["type"] == "TicketOpened"
    assert obj["schema_version"] == 2
    assert set(obj) >= {
        "event_id",
        "ticket_id",
        "tenant",
        "producer",
        "causation_id",
        "correlation_id",
        "data",
    }


def test_unknown_fields_from_newer_producers_are_ignored():
    obj = json.loads(he.encode(opened()))
    obj["shiny_new_envelope_field"] = 1
    obj["data"]["shiny_new_field"] = {"x": 1}

    assert he.decode(json.dumps(obj).encode()) == opened().model_copy(update={"event_id": UUID(obj["event_id"])})


def _reason(raw: bytes, decoder: Callable[[bytes], object] = he.decode) -> str:
    with pytest.raises(he.DecodeError) as info:
        decoder(raw)
    return str(info.value)


def _opened_json(**changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = json.loads(he.encode(opened()))
    obj.update(changes)
    return obj


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe{}", "not UTF-8: invalid start byte 0xff at byte 0"),
        (b'{"type": "Ticket\xc3', "not UTF-8: unexpected end of data 0xc3 at byte 16"),
        (b"", "not JSON: Expecting value at line 1 column 1"),
        (
            b'{"type": "TicketOpened",',
            "not JSON: Expecting property name enclosed in double quotes at line 1 column 25",
        ),
        (b"NaN", "not JSON: NaN is not valid JSON"),
        (b"[" * 100_000, "not JSON: nested too deeply"),
        (b"[1, 2]", "expected a JSON object, got array"),
        (b'"TicketOpened"', "expected a JSON object, got string"),
        (b"{}", "missing 'type'"),
        (b'{"type": 7}', "'type' must be a string, got number"),
        (b'{"type": "TicketExploded"}', "unknown type 'TicketExploded'"),
    ],
)
def test_garbage_is_a_decode_error_with_a_precise_reason(raw, reason):
    assert _reason(raw) == reason


def test_decode_error_is_a_value_error():
    assert issubclass(he.DecodeError, ValueError)


def test_invalid_fields_are_summarised_with_their_paths():
    obj = _opened_json()
    obj["data"]["priority"] = "P9"
    obj["data"]["attachments"] = [{"name": "a.png", "content_type": "image/png", "size": -1, "sha256": "x"}]
    del obj["data"]["folio"]
    obj["occurred_at"] = "2026-03-02T09:00:00"

    reason = _reason(json.dumps(obj).encode())

    assert reason.startswith("invalid TicketOpened: ")
    assert "occurred_at: Input should have timezone info (got '2026-03-02T09:00:00')" in reason
    assert "data.folio: Field required" in reason
    assert "data.priority: Input should be 'P1', 'P2', 'P3' or 'P4' (got 'P9')" in reason
    assert "data.attachments[0].size: Input should be greater than or equal to 0 (got -1)" in reason


def test_long_error_lists_are_truncated():
    obj = {"type": "SatisfactionRated", "data": {"rating": 9, "comment": 5}}

    reason = _reason(json.dumps(obj).encode())

    assert reason.startswith("invalid SatisfactionRated: event_id: Field required; ")
    assert reason.endswith("; and 1 more error")


def test_a_non_integer_schema_version_is_rejected_before_upcasting():
    obj = _opened_json(schema_version="1")

    assert _reason(json.dumps(obj).encode()) == "invalid TicketOpened: schema_version: must be an integer (got '1')"


def test_decoders_for_one_topic_reject_the_other_topics_events():
    team = he.TeamDefined(
        event_id=UUID(int=1),
        entity_id="l1",
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        producer="routing",
        data=he.TeamDefinedData(team_id="l1", name="Service desk", tier="L1"),
    )

    assert _reason(he.encode(team), he.decode_ticket_event) == "type 'TeamDefined' is not a ticket event"
    assert _reason(he.encode(opened()), he.decode_directory_event) == "type 'TicketOpened' is not a directory event"


def test_non_bytes_input_is_a_decode_error():
    assert _reason("{}") == "expected bytes, got str"  # type: ignore[arg-type]


@PROPERTY
@given(raw=st.binary(max_size=64) | st.text(max_size=64).map(str.encode))
def test_decoding_arbitrary_bytes_only_ever_raises_decode_error(raw):
    for decoder in (he.decode, he.decode_ticket_event, he.decode_directory_event, he.decode_inbound):
        try:
            decoder(raw)
        except he.DecodeError as exc:
            assert str(exc)


# --- inbound messages ---------------------------------------------------------------------------------

_RAW_EMAIL = b"From: Ana <ana@example.com>\r\nSubject: Help\r\n\r\nHello\r\n"


@PROPERTY
@given(
    msg=from_model(
        he.InboundMessage,
        {"raw_rfc822": st.none() | st.binary(max_size=30).map(lambda b: base64.b64encode(b).decode())},
    )
)
def test_inbound_messages_round_trip(msg):
    assert he.decode_inbound(he.encode(msg)) == msg


def test_inbound_minimal_message_from_an_adapter():
    raw = (
        b'{"message_id": "wa-1", "channel": "whatsapp", "received_at": "2026-03-02T09:00:00+01:00",'
        b' "sender": {"phone": "+34600000000"}, "body": "hola", "x-adapter-extra": 1}'
    )

    msg = he.decode_inbound(raw)

    assert msg.sender.phone == "+34600000000"
    assert msg.body_is_html is False
    assert msg.references == [] and msg.attachments == [] and msg.metadata == {}
    assert msg.tenant == "default"


def test_inbound_raw_rfc822_is_base64_and_may_be_wrapped():
    wrapped = base64.encodebytes(_RAW_EMAIL).decode()  # MIME style, with line breaks
    msg = he.InboundMessage(
        message_id="<1@example.com>",
        channel="email",
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
        raw_rfc822=wrapped,
    )

    assert msg.rfc822_bytes() == _RAW_EMAIL
    assert he.decode_inbound(he.encode(msg)).rfc822_bytes() == _RAW_EMAIL


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"message_id": ""}, "message_id: String should have at least 1 character (got '')"),
        ({"message_id": "x" * 513}, "message_id: String should have at most 512 characters"),
        (
            {"channel": "fax"},
            "channel: Input should be 'email', 'web', 'chat', 'phone', 'whatsapp', 'social' or 'api'",
        ),
        ({"received_at": "2026-03-02 09:00"}, "received_at: Input should have timezone info"),
        ({"raw_rfc822": "not base64!"}, "raw_rfc822: Value error, not valid base64"),
    ],
)
def test_invalid_inbound_messages_say_why(changes, reason):
    obj = {"message_id": "m1", "channel": "web", "received_at": "2026-03-02T09:00:00Z", **changes}

    assert _reason(json.dumps(obj).encode(), he.decode_inbound).startswith(f"invalid InboundMessage: {reason}")
