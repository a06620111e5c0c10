"""Upcasters: old events in the log must always still load (DESIGN §4).

An upcaster turns the raw JSON object of one event type at schema version *n* into version *n + 1*.
:func:`upcast` runs every registered step in sequence, starting from the event's ``schema_version``
(missing means 1), and sets ``schema_version`` after each step; the codec runs it before validation, so
the models only ever see the current shape. Versions without an upcaster are left alone (additive changes
need none, and a newer producer's version passes through untouched).

To change a payload incompatibly: bump the model's ``schema_version`` default, then register the step::

    @register_upcaster("TicketOpened", from_version=2)
    def _ticket_opened_v2_to_v3(raw: dict[str, Any]) -> dict[str, Any]:
        ...  # receives a private deep copy: mutate and return it

History (the worked example):

* ``TicketOpened`` v1 -> v2: v1 carried the requester flat in ``data`` as ``requester_email`` and
  ``requester_name``. v2 (current) carries ``customer: Customer``; the upcaster builds it with
  ``contact_id = "email:" + lower-cased, stripped email`` (``"unknown:" + ticket_id`` when v1 had no email),
  ``email`` and ``name``.
"""

import copy
from collections.abc import Callable
from typing import Any

RawEvent = dict[str, Any]
Upcaster = Callable[[RawEvent], RawEvent]


class Upcasters:
    """A registry of upcasting steps keyed by (type name, from version)."""

    def __init__(self) -> None:
        self._steps: dict[tuple[str, int], Upcaster] = {}

    def register(self, type_name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorator registering ``fn`` as the step from ``from_version`` to ``from_version + 1``."""
        if from_version < 1:
            raise ValueError(f"from_version must be >= 1, got {from_version}")

        def decorator(fn: Upcaster) -> Upcaster:
            key = (type_name, from_version)
            if key in self._steps:
                raise ValueError(f"an upcaster for {type_name} v{from_version} is already registered")
            self._steps[key] = fn
            return fn

        return decorator

    def upcast(self, raw: RawEvent) -> RawEvent:
        """Return ``raw`` brought up to the latest registered version (``raw`` itself is never mutated).

        Raises ``TypeError`` when ``schema_version`` is not an integer; exceptions of a step propagate.
        """
        type_name = raw.get("type")
        version = raw.get("schema_version", 1)
        if isinstance(version, bool) or not isinstance(version, int):
            raise TypeError(f"schema_version must be an integer, got {version!r}")
        if not isinstance(type_name, str) or (type_name, version) not in self._steps:
            return raw
        event = copy.deepcopy(raw)
        while (step := self._steps.get((type_name, version))) is not None:
            event = step(event)
            version += 1
            event["schema_version"] = version
        return event

    def latest_version(self, type_name: str) -> int:
        """The version :meth:`upcast` brings ``type_name`` to from version 1."""
        version = 1
        while (type_name, version) in self._steps:
            version += 1
        return version


UPCASTERS = Upcasters()
"""The registry the codec uses."""

register_upcaster = UPCASTERS.register
upcast = UPCASTERS.upcast


@register_upcaster("TicketOpened", from_version=1)
def _ticket_opened_v1_to_v2(raw: RawEvent) -> RawEvent:
    data = raw.get("data")
    if not isinstance(data, dict) or "customer" in data:
        return raw  # malformed or already v2-shaped: leave it to validation
    email = data.pop("requester_email", None)
    name = data.pop("requester_name", None)
    if isinstance(email, str) and email.strip():
        email = email.strip()
        contact_id = "email:" + email.lower()
    else:
        contact_id = f"unknown:{raw.get('ticket_id')}"
    data["customer"] = {"contact_id": contact_id, "email": email, "name": name}
    return raw
