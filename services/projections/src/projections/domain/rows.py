"""A ticket's read-model row: the folded :class:`TicketState` flattened into queryable columns."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from helpdesk_events import SlaClock, TicketState

SlaState = Literal["ok", "warning", "breached"]
SLA_TARGETS = ("first_response", "next_response", "resolution")
_TICKING = ("running", "warning")


def sla_state(state: TicketState) -> SlaState | None:
    """``breached`` if any target was breached (even if met late), else ``warning`` if any target is in its
    warning window, else ``ok``; None for a ticket with no SLA policy yet."""
    if not state.sla:
        return None
    clocks = state.sla.values()
    if any(c.breached_at is not None or c.state == "breached" for c in clocks):
        return "breached"
    if any(c.state == "warning" for c in clocks):
        return "warning"
    return "ok"


def next_due(state: TicketState) -> datetime | None:
    """The earliest due time among the targets still ticking (not paused, met or breached)."""
    dues = [c.due_at for c in state.sla.values() if c.state in _TICKING and c.due_at is not None]
    return min(dues) if dues else None


def minutes_between(start: datetime | None, end: datetime | None) -> float | None:
    """Calendar minutes from ``start`` to ``end`` (None if either is missing)."""
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 3)


def _clock(state: TicketState, name: str) -> SlaClock | None:
    return state.sla.get(name)


def ticket_columns(state: TicketState) -> dict[str, Any]:
    """Every column of ``projections.tickets`` except the text-search ones, in table order."""
    customer = state.customer
    cols: dict[str, Any] = {
        "ticket_id": state.ticket_id,
        "tenant": state.tenant,
        "folio": state.folio,
        "status": state.status,
        "priority": state.priority,
        "category": state.category,
        "channel": state.channel,
        "subject": state.subject,
        "language": state.language,
        "customer_id": customer.contact_id if customer else None,
        "customer_name": customer.name if customer else None,
        "customer_email": customer.email if customer else None,
        "customer_tier": customer.tier if customer else None,
        "department": customer.department if customer else None,
        "tags": list(state.tags),
        "team": state.team,
        "assignee": state.assignee,
        "queued_at": state.queued_at,
        "escalation_level": state.escalation_level,
        "created_at": state.created_at,
        "updated_at": state.updated_at,
        "first_response_at": state.first_response_at,
        "resolved_at": state.resolved_at,
        "closed_at": state.closed_at,
        "resolution": state.resolution,
        "reopen_count": state.reopen_count,
        "csat": state.csat,
        "merged_into": state.merged_into,
        "follow_up_of": state.follow_up_of,
        "message_count": state.message_count,
        "note_count": state.note_count,
        "last_customer_message_at": state.last_customer_message_at,
        "last_agent_reply_at": state.last_agent_reply_at,
        "unanswered_since": state.unanswered_since,
        "sla_policy_id": state.sla_policy_id,
        "sla_paused": state.sla_paused,
    }
    for name in SLA_TARGETS:
        clock = _clock(state, name)
        cols[f"{name}_due_at"] = clock.due_at if clock else None
        cols[f"{name}_sla"] = clock.state if clock else None
    cols["sla_state"] = sla_state(state)
    cols["next_due_at"] = next_due(state)
    cols["first_response_minutes"] = minutes_between(state.created_at, state.first_response_at)
    cols["resolution_minutes"] = minutes_between(state.created_at, state.resolved_at or state.closed_at)
    cols["version"] = state.version
    return cols


TICKET_COLUMNS: tuple[str, ...] = tuple(ticket_columns(TicketState(ticket_id="-")))
"""The column names, in order."""


def fts_config(language: str | None) -> str:
    """The PostgreSQL text-search configuration for a ticket's detected language."""
    lang = (language or "").lower()
    if lang.startswith("es"):
        return "spanish"
    if lang.startswith("en"):
        return "english"
    return "simple"
