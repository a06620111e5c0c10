"""What ticket events do to the read models, folded in memory (pure; the consumer writes the result).

One event gives one :class:`Entry` (its timeline row, metric facts and live-feed change) and moves its
ticket's :class:`Current` (the folded state and the opening description). The per-record path steps one
event; the batch path steps a whole poll's events in log order and writes each ticket's final row once,
so both leave the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from helpdesk_events import TicketEvent, TicketOpened, TicketState, applies, evolve

from .facts import Fact, facts
from .timeline import describe


@dataclass(frozen=True)
class Current:
    """A ticket as its read-model row holds it."""

    state: TicketState
    description: str | None = None


@dataclass(frozen=True)
class Entry:
    """What one event adds: the timeline row (``seq`` is the ticket's version after it), its facts and the
    change pushed to live subscribers."""

    event: TicketEvent
    after: TicketState
    summary: str
    actor: str | None
    applied: bool
    facts: list[Fact]
    change: dict[str, Any]


def change(after: TicketState, event: TicketEvent, summary: str) -> dict[str, Any]:
    """The live feed's payload for a ticket change (GET /v1/stream, ``event: ticket``)."""
    return {
        "kind": "ticket",
        "ticket_id": after.ticket_id,
        "tenant": after.tenant,
        "folio": after.folio,
        "status": after.status,
        "team": after.team,
        "assignee": after.assignee,
        "version": after.version,
        "event": event.type,
        "summary": summary,
    }


def step(current: Current | None, event: TicketEvent) -> tuple[Current, Entry]:
    """Fold one event into its ticket."""
    before = current.state if current is not None else None
    description = current.description if current is not None else None
    applied = applies(before, event)
    after = evolve(before, event)
    if isinstance(event, TicketOpened) and applied:
        description = event.data.body
    summary, actor = describe(event)
    entry = Entry(event, after, summary, actor, applied, facts(before, after, event), change(after, event, summary))
    return Current(after, description), entry


@dataclass(frozen=True)
class Projected:
    tickets: dict[str, Current]
    """The final row of every ticket the events touched."""
    entries: list[Entry]
    """One per event, in the events' order."""


def project(loaded: dict[str, Current], events: Iterable[TicketEvent]) -> Projected:
    """Fold ``events`` (in log order) over the tickets' ``loaded`` rows."""
    tickets: dict[str, Current] = {}
    entries: list[Entry] = []
    for event in events:
        tid = event.ticket_id
        current, entry = step(tickets.get(tid) or loaded.get(tid), event)
        tickets[tid] = current
        entries.append(entry)
    return Projected(tickets, entries)
