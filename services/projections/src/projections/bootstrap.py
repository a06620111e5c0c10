"""Builds the projections service: settings in, adapters wired, handlers registered (one place)."""

from __future__ import annotations

from helpdesk_events.topics import DIRECTORY, TICKETS
from helpdesk_runtime.service import Context, Service

from .adapters.store import DDL
from .config import ProjectionsSettings
from .entrypoints.consumers import directory_consumer, tickets_consumer
from .entrypoints.http import query_router


def bootstrap(settings: ProjectionsSettings) -> Service:
    ctx = Context(settings, "projections")
    return Service(
        name="projections",
        context=ctx,
        ddl=DDL,
        consumers=[
            tickets_consumer(topic=settings.topic(TICKETS)),
            directory_consumer(topic=settings.topic(DIRECTORY)),
        ],
        routers=[query_router(ctx)],
        description="Projections: read models and the query API.",
    )
