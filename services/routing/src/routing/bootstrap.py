"""Builds the routing service: settings in, adapters wired, handlers registered (one place)."""

from __future__ import annotations

from helpdesk_events.topics import DIRECTORY, TICKETS
from helpdesk_runtime.service import Context, Service

from .adapters.assigner import Assigner
from .adapters.directory import seed_directory
from .adapters.store import DDL
from .config import RoutingSettings, load_directory, load_rules
from .domain.config import check_rules_against
from .entrypoints.directory_consumer import directory_consumer
from .entrypoints.http import routing_router
from .entrypoints.tickets_consumer import tickets_consumer
from .entrypoints.timers import timer_handler


def bootstrap(settings: RoutingSettings) -> Service:
    ctx = Context(settings, "routing")
    directory = load_directory(settings.config_dir)
    rules = load_rules(settings.config_dir)
    check_rules_against(rules, directory)

    async def seed(c: Context) -> None:
        await seed_directory(c, directory, rules)

    def assigner(c: Context) -> Assigner:
        return Assigner(
            pool=lambda: c.pool,
            dsn=settings.dsn,
            schema=c.schema,
            clock=c.clock,
            topic_prefix=settings.topic_prefix,
            rules=rules,
        )

    return Service(
        name="routing",
        context=ctx,
        ddl=DDL,
        consumers=[
            tickets_consumer(rules, topic=settings.topic(TICKETS)),
            directory_consumer(rules, topic=settings.topic(DIRECTORY)),
        ],
        timer_handler=timer_handler(rules),
        routers=[routing_router(ctx, rules)],
        on_start=[seed],
        workers=[assigner],
        description="Routing: the agent directory (teams, agents, presence), queues and assignment.",
    )
