"""Builds the escalation service: settings in, adapters wired, handlers registered (one place)."""

from __future__ import annotations

from helpdesk_events.topics import TICKETS
from helpdesk_runtime.service import Context, Service

from .adapters.store import DDL
from .config import EscalationSettings, load_matrix, load_teams, load_tiers
from .entrypoints.tickets_consumer import tickets_consumer


def bootstrap(settings: EscalationSettings) -> Service:
    ctx = Context(settings, "escalation")
    consumer = tickets_consumer(
        load_matrix(settings.config_dir),
        load_teams(settings.config_dir),
        load_tiers(settings.config_dir),
        topic=settings.topic(TICKETS),
    )
    return Service(
        name="escalation",
        context=ctx,
        ddl=DDL,
        consumers=[consumer],
        description="Escalation: the escalation matrix on SLA warnings and breaches.",
    )
