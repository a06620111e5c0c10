"""Bytes <-> models for Kafka and HTTP: compact UTF-8 JSON, upcasted on the way in.

Every decode function raises :class:`DecodeError` (and nothing else) for any input it cannot turn into a
model; its message is a precise, human reason fit for a dead letter, for example::

    not UTF-8: invalid start byte 0xff at byte 0
    not JSON: Expecting value at line 1 column 1
    unknown type 'TicketExploded'
    invalid TicketOpened: data.priority: Input should be 'P1', 'P2', 'P3' or 'P4' (got 'P9')
"""

import json
from collections.abc import Mapping
from typing import Any, NoReturn, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from helpdesk_events.catalogue import (
    DIRECTORY_EVENT_TYPES,
    EVENT_TYPES,
    TICKET_EVENT_TYPES,
    AnyEvent,
    DirectoryEvent,
    TicketEvent,
)
from helpdesk_events.inbound import InboundMessage
from helpdesk_events.upcasters import upcast

_T = TypeVar("_T")
_MAX_ERRORS = 5
_MAX_INPUT_REPR = 60
_PRIVATE = frozenset({"body", "body_html", "subject", "raw_rfc822", "description", "resolution", "comment", "text"})
"""Fields holding what customers and agents wrote: a decoding error names their kind, never their content."""

_ANY: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)
_TICKET: TypeAdapter[TicketEvent] = TypeAdapter(TicketEvent)
_DIRECTORY: TypeAdapter[DirectoryEvent] = TypeAdapter(DirectoryEvent)


class DecodeError(ValueError):
    """The input is not a valid event or inbound message; ``str(error)`` says exactly why."""


def encode(event: BaseModel) -> bytes:
    """An event (or an :class:`InboundMessage`) as compact UTF-8 JSON, every field written."""
    return event.model_dump_json(by_alias=True).encode("utf-8")


def decode(raw: bytes) -> AnyEvent:
    """Any event of the catalogue, upcasted to its current schema version."""
    obj = _event_object(raw, EVENT_TYPES, "")
    return _validate(_ANY, obj)


def decode_ticket_event(raw: bytes) -> TicketEvent:
    """A ``helpdesk.tickets`` event; a directory event is a :class:`DecodeError`."""
    obj = _event_object(raw, TICKET_EVENT_TYPES, "ticket ")
    return _validate(_TICKET, obj)


def decode_directory_event(raw: bytes) -> DirectoryEvent:
    """A ``helpdesk.directory`` event; a ticket event is a :class:`DecodeError`."""
    obj = _event_object(raw, DIRECTORY_EVENT_TYPES, "directory ")
    return _validate(_DIRECTORY, obj)


def decode_inbound(raw: bytes) -> InboundMessage:
    """An inbound message from an adapter."""
    obj = _json_object(raw)
    try:
        return InboundMessage.model_validate(obj)
    except ValidationError as exc:
        _invalid("InboundMessage", exc, strip_tag=False)


def _json_object(raw: bytes) -> dict[str, Any]:
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise DecodeError(f"expected bytes, got {type(raw).__name__}")
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start]
        raise DecodeError(f"not UTF-8: {exc.reason} 0x{byte:02x} at byte {exc.start}") from None
    text = text.removeprefix("\ufeff")
    try:
        obj = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise DecodeError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError as exc:  # NaN / Infinity
        raise DecodeError(f"not JSON: {exc}") from None
    except RecursionError:
        raise DecodeError("not JSON: nested too deeply") from None
    if not isinstance(obj, dict):
        raise DecodeError(f"expected a JSON object, got {_json_kind(obj)}")
    return obj


def _event_object(raw: bytes, known: Mapping[str, object], kind: str) -> dict[str, Any]:
    obj = _json_object(raw)
    if "type" not in obj:
        raise DecodeError("missing 'type'")
    type_name = obj["type"]
    if not isinstance(type_name, str):
        raise DecodeError(f"'type' must be a string, got {_json_kind(type_name)}")
    if type_name not in EVENT_TYPES:
        raise DecodeError(f"unknown type {_short(type_name)}")
    if type_name not in known:
        raise DecodeError(f"type {_short(type_name)} is not a {kind}event")
    version = obj.get("schema_version", 1)
    if isinstance(version, bool) or not isinstance(version, int):
        raise DecodeError(f"invalid {type_name}: schema_version: must be an integer (got {_short(version)})")
    try:
        return upcast(obj)
    except Exception as exc:  # an upcaster bug must still be a dead letter, not a crash
        raise DecodeError(
            f"upcasting {type_name} from schema_version {version} failed: {type(exc).__name__}: {exc}"
        ) from None


def _validate(adapter: TypeAdapter[_T], obj: dict[str, Any]) -> _T:
    try:
        return adapter.validate_python(obj)
    except ValidationError as exc:
        _invalid(obj["type"], exc, strip_tag=True)


def _invalid(what: str, exc: ValidationError, *, strip_tag: bool) -> NoReturn:
    errors = exc.errors(include_url=False, include_context=False)
    parts = []
    for error in errors[:_MAX_ERRORS]:
        loc = list(error["loc"])
        if strip_tag and loc and loc[0] == what:
            loc = loc[1:]
        path = _path(loc)
        message = error["msg"]
        if error["type"] != "missing":
            # What people wrote stays out of the reason (it is logged): only its JSON kind is shown.
            shown = _json_kind(error["input"]) if _PRIVATE & {str(p) for p in loc} else _short(error["input"])
            message += f" (got {shown})"
        parts.append(f"{path}: {message}" if path else message)
    more = len(errors) - _MAX_ERRORS
    suffix = f"; and {more} more error{'s' if more > 1 else ''}" if more > 0 else ""
    raise DecodeError(f"invalid {what}: " + "; ".join(parts) + suffix) from None


def _path(loc: list[int | str]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_INPUT_REPR else text[: _MAX_INPUT_REPR - 3] + "..."


def _json_kind(value: object) -> str:
    kinds = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")
