"""Schema names that go into SQL text must be plain identifiers."""

from __future__ import annotations

from helpdesk_runtime.db import check_schema_name


def check(schema: str) -> str:
    return check_schema_name(schema)
