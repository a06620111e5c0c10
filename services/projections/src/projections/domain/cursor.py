"""Opaque keyset-pagination cursors: ``(sort, last sort value, last ticket id)`` in URL-safe base64."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass


class BadCursor(ValueError):
    """The cursor is not one this API issued for this sort."""


@dataclass(frozen=True)
class Cursor:
    sort: str
    value: str | None
    ticket_id: str


def encode_cursor(cursor: Cursor) -> str:
    raw = json.dumps([1, cursor.sort, cursor.value, cursor.ticket_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str, *, sort: str) -> Cursor:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        version, got_sort, value, ticket_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise BadCursor("malformed cursor") from exc
    if version != 1 or not isinstance(ticket_id, str) or not (value is None or isinstance(value, str)):
        raise BadCursor("malformed cursor")
    if got_sort != sort:
        raise BadCursor(f"cursor was issued for sort={got_sort!r}, not {sort!r}")
    return Cursor(sort=sort, value=value, ticket_id=ticket_id)
