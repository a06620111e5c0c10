"""docs/read-models.md documents every analytics view and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from projections.adapters.analytics import VIEWS

pytestmark = pytest.mark.unit

DOC = Path(__file__).resolve().parents[4] / "docs" / "read-models.md"


def test_every_view_and_column_is_documented():
    text = DOC.read_text(encoding="utf-8")
    missing = []
    for view in VIEWS:
        section = text.split(f"### analytics.{view.name}\n", 1)
        if len(section) < 2:
            missing.append(view.name)
            continue
        body = section[1].split("\n### ", 1)[0]
        missing += [f"{view.name}.{col}" for col, _ in view.columns if f"| `{col}` |" not in body]
    assert missing == []


def test_every_column_comment_is_a_sentence():
    assert [f"{v.name}.{c}" for v in VIEWS for c, text in v.columns if not text.strip().endswith(".")] == []
