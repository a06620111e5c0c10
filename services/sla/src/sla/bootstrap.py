"""Builds the SLA service: settings in, adapters wired, handlers registered (one place)."""

from __future__ import annotations

from helpdesk_events.topics import TICKETS
from helpdesk_runtime.service import Context, Service

from .adapters.store import DDL
from .config import SlaSettings, load_calendar_set, load_policies
from .entrypoints.tickets_consumer import tickets_consumer
from .entrypoints.timers import on_timer


def bootstrap(settings: SlaSettings) -> Service:
    ctx = Context(settings, "sla")
    policies = load_policies(settings.config_dir)
    _, calendars = load_calendar_set(settings.config_dir)
    missing = {p.calendar for p in policies.policies} - set(calendars)
    if missing:
        raise ValueError(f"sla.yaml names calendars not in calendars.yaml: {sorted(missing)}")
    return Service(
        name="sla",
        context=ctx,
        ddl=DDL,
        consumers=[tickets_consumer(policies, calendars, topic=settings.topic(TICKETS))],
        timer_handler=on_timer,
        description="SLA: policies, business-time clocks, warnings and breaches.",
    )
