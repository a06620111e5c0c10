"""Opaque pagination cursors round-trip and refuse anything else."""

from __future__ import annotations

import pytest
from projections.domain.cursor import BadCursor, Cursor, decode_cursor, encode_cursor

pytestmark = pytest.mark.unit


def test_round_trip():
    c = Cursor(sort="-created_at", value="2026-03-02 09:00:00+00", ticket_id="T-1")
    assert decode_cursor(encode_cursor(c), sort="-created_at") == c


@pytest.mark.parametrize("text", ["", "!!", "bm90IGpzb24", "WzIsIngiLG51bGwsIlQiXQ", "WzEsIngiLDEsIlQiXQ"])
def test_malformed(text):
    with pytest.raises(BadCursor):
        decode_cursor(text, sort="x")


def test_another_sort_is_refused():
    text = encode_cursor(Cursor(sort="priority", value="P1", ticket_id="T-1"))
    with pytest.raises(BadCursor, match="priority"):
        decode_cursor(text, sort="-priority")
