"""Hypothesis strategies for every model of the catalogue. Test-only: imports ``hypothesis``.

Strategies are derived from the models' own annotations and constraints, so a field added to a payload is
generated (and round-tripped) without touching a test. Use them for property tests of anything that
consumes events (e.g. "my projection never fails on any sequence of events")::

    @given(st.lists(TICKET_EVENTS))
    def test_total(events): ...
"""

import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import annotated_types
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel
from pydantic.fields import FieldInfo

import helpdesk_events as he

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""Settings for property tests: enough examples to find races, no deadline (CI machines stall)."""

OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
AWARE_DATETIMES = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=OFFSETS)

Overrides = dict[str | type, st.SearchStrategy[Any]]
"""Field name -> strategy (at any depth), or type -> strategy (for every unconstrained field of that type)."""


def from_model(model: type[BaseModel], overrides: Overrides | None = None) -> st.SearchStrategy[Any]:
    """``st.builds(model, ...)`` with a strategy for EVERY field (defaults included), honouring constraints.

    ``overrides`` maps a field name to a strategy, at any depth (e.g. ``agent_id`` inside ``data``), or a
    type (``str``, ``AwareDatetime``...) to the strategy for every field of that type without constraints.
    """
    overrides = overrides or {}
    fields = {
        name: overrides[name] if name in overrides else _strategy(f.annotation, f.metadata, overrides)
        for name, f in model.model_fields.items()
    }
    return st.builds(model, **fields)


def _strategy(annotation: Any, metadata: list[Any], overrides: Overrides) -> st.SearchStrategy[Any]:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _strategy(args[0], [*metadata, *args[1:]], overrides)
    constraints: dict[str, Any] = {}
    for item in metadata:
        for meta in item.metadata if isinstance(item, FieldInfo) else [item]:
            for key in ("ge", "gt", "le", "lt", "min_length", "max_length"):
                if isinstance(meta, annotated_types.BaseMetadata) and hasattr(meta, key):
                    constraints[key] = getattr(meta, key)
    if isinstance(annotation, type) and annotation in overrides and not constraints:
        return overrides[annotation]
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([_strategy(a, metadata, overrides) for a in args])
    if origin is list:
        return st.lists(_strategy(args[0], [], overrides), max_size=3)
    if origin is dict:
        return st.dictionaries(_strategy(args[0], [], overrides), _strategy(args[1], [], overrides), max_size=3)
    if annotation is type(None):
        return st.none()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return from_model(annotation, overrides)
    if annotation is AwareDatetime:
        return AWARE_DATETIMES
    if annotation is UUID:
        return st.uuids()
    if annotation is bool:
        return st.booleans()
    if annotation is str:
        return st.text(min_size=constraints.get("min_length", 0), max_size=constraints.get("max_length", 12))
    if annotation is int:
        low = constraints.get("ge", constraints.get("gt", -(10**6) - 1) + 1)
        high = constraints.get("le", constraints.get("lt", 10**6 + 1) - 1)
        return st.integers(min_value=low, max_value=high)
    if annotation is float:
        return st.floats(
            min_value=constraints.get("ge", constraints.get("gt", -1e9)),
            max_value=constraints.get("le", constraints.get("lt", 1e9)),
            exclude_min="gt" in constraints,
            exclude_max="lt" in constraints,
            allow_nan=False,
            allow_infinity=False,
        )
    raise NotImplementedError(f"no strategy for {annotation!r}")


def events_of(event_type: type[BaseModel], overrides: Overrides | None = None) -> st.SearchStrategy[Any]:
    """Any event of ``event_type`` as a producer writes it today (current schema version)."""
    version = event_type.model_fields["schema_version"].default
    return from_model(event_type, {"schema_version": st.just(version), **(overrides or {})})


ANY_EVENT = st.one_of([events_of(cls) for cls in he.EVENT_TYPES.values()])
"""Any event of the catalogue, fields drawn freely."""

_WEEK = st.datetimes(min_value=datetime(2026, 3, 2), max_value=datetime(2026, 3, 9), timezones=st.just(UTC))

COLLIDING: Overrides = {
    str: st.sampled_from(["", "x", "ñ"]),
    AwareDatetime: _WEEK,
    "ticket_id": st.sampled_from(["T-1", "T-1", "T-1", "T-1", "T-2"]),
    "agent_id": st.sampled_from(["ana", "ben"]),
    "team": st.sampled_from(["l1", "l2"]),
    "to_team": st.sampled_from([None, "l1", "l2"]),
    "level": st.integers(min_value=1, max_value=4),
    "into_ticket_id": st.sampled_from(["T-1", "T-9"]),
}
"""Overrides that make events collide: mostly one ticket, two agents and teams, low levels, one week, and
little text (so that sequences get long)."""

COLLIDING_TICKET_EVENT = st.one_of([events_of(cls, COLLIDING) for cls in he.TICKET_EVENT_TYPES.values()])
"""Ticket events that mostly concern ticket ``T-1`` and race each other: what fold properties need."""
