"""Routing's ticket facts, built from a work row (ids are minted here, in the adapter, not in the domain)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from helpdesk_events import (
    RoutingReason,
    TicketAssigned,
    TicketAssignedData,
    TicketQueued,
    TicketQueuedData,
    TicketUnassigned,
    TicketUnassignedData,
)

PRODUCER = "routing"
Row = Mapping[str, Any]


def assigned(
    row: Row, *, team: str, agent_id: str, reason: RoutingReason, now: datetime, actor: str | None = None
) -> TicketAssigned:
    return TicketAssigned(
        event_id=uuid.uuid4(),
        ticket_id=row["ticket_id"],
        tenant=row["tenant"],
        occurred_at=now,
        producer=PRODUCER,
        correlation_id=row["correlation"],
        data=TicketAssignedData(
            team=team,
            agent_id=agent_id,
            previous_agent_id=row["previous_agent"] or (row["agent_id"] if row["state"] == "assigned" else None),
            manual=actor is not None,
            actor=actor,
            reason=reason,
        ),
    )


def queued(row: Row, *, team: str, reason: RoutingReason, now: datetime) -> TicketQueued:
    return TicketQueued(
        event_id=uuid.uuid4(),
        ticket_id=row["ticket_id"],
        tenant=row["tenant"],
        occurred_at=now,
        producer=PRODUCER,
        correlation_id=row["correlation"],
        data=TicketQueuedData(team=team, priority=row["priority"], reason=reason),
    )


def unassigned(row: Row, *, reason: str, now: datetime) -> TicketUnassigned:
    return TicketUnassigned(
        event_id=uuid.uuid4(),
        ticket_id=row["ticket_id"],
        tenant=row["tenant"],
        occurred_at=now,
        producer=PRODUCER,
        correlation_id=row["correlation"],
        data=TicketUnassignedData(agent_id=row["agent_id"], reason=reason),
    )
