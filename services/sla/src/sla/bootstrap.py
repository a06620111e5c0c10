"""Builds the SLA service: settings in, adapters wired, handlers registered (one place)."""

from __future__ import annotations

from helpdesk_events.topics import TICKETS
from helpdesk_runtime.service import Context, Service

from .adapters.store import DDL, remember_policy_set
from .config import SlaSettings, load_calendar_set, load_policies
from .entrypoints.process import Configuration
from .entrypoints.replay import replay_spec
from .entrypoints.tickets_consumer import tickets_consumer
from .entrypoints.timers import timer_handler


def bootstrap(settings: SlaSettings) -> Service:
    ctx = Context(settings, "sla")
    policies = load_policies(settings.config_dir)
    _, calendars = load_calendar_set(settings.config_dir)
    missing = {p.calendar for p in policies.policies} - set(calendars)
    if missing:
        raise ValueError(f"sla.yaml names calendars not in calendars.yaml: {sorted(missing)}")
    closed = sorted({p.calendar for p in policies.policies if not calendars[p.calendar].has_hours})
    if closed:
        raise ValueError(f"sla.yaml uses calendars without any open hours (no deadline could be reached): {closed}")
    config = Configuration(policies, dict(calendars))

    async def remember(context: Context) -> None:
        await remember_policy_set(context.pool, policies)

    fire = timer_handler(config)
    return Service(
        name="sla",
        context=ctx,
        ddl=DDL,
        consumers=[tickets_consumer(config, topic=settings.topic(TICKETS))],
        timer_handler=fire,
        on_start=[remember],
        replay=replay_spec(config, fire, topic=settings.topic(TICKETS)),
        description="SLA: policies, business-time clocks, warnings and breaches.",
    )
