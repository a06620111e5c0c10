"""Builds the routing service: settings in, adapters wired, handlers registered (one place)."""

from __future__ import annotations

from helpdesk_events.topics import TICKETS
from helpdesk_runtime.service import Context, Service

from .adapters.assigner import Assigner
from .adapters.directory import seed_directory
from .adapters.store import DDL
from .config import RoutingSettings, load_directory, load_rules
from .entrypoints.tickets_consumer import tickets_consumer


def bootstrap(settings: RoutingSettings) -> Service:
    ctx = Context(settings, "routing")
    directory = load_directory(settings.config_dir)
    rules = load_rules(settings.config_dir)

    async def seed(c: Context) -> None:
        await seed_directory(c, directory)

    def assigner(c: Context) -> Assigner:
        return Assigner(
            pool=lambda: c.pool, dsn=settings.dsn, schema=c.schema, clock=c.clock, topic_prefix=settings.topic_prefix
        )

    return Service(
        name="routing",
        context=ctx,
        ddl=DDL,
        consumers=[tickets_consumer(rules, topic=settings.topic(TICKETS))],
        on_start=[seed],
        workers=[assigner],
        description="Routing: teams, agents, queues and assignment.",
    )
