"""Builds the projections service: settings in, adapters wired, handlers registered (one place)."""

from __future__ import annotations

from helpdesk_events.topics import DIRECTORY, TICKETS
from helpdesk_runtime.service import Context, Service

from .adapters.schema import ddl
from .config import ProjectionsSettings
from .dashboard import dashboard_router
from .entrypoints.consumers import directory_consumer, tickets_consumer
from .entrypoints.http_boards import boards_router
from .entrypoints.http_stream import stream_router
from .entrypoints.http_tickets import tickets_router


def bootstrap(settings: ProjectionsSettings, schema: str = "projections") -> Service:
    ctx = Context(settings, schema)
    return Service(
        name="projections",
        context=ctx,
        ddl=ddl(schema),
        consumers=[
            tickets_consumer(topic=settings.topic(TICKETS)),
            directory_consumer(topic=settings.topic(DIRECTORY)),
        ],
        routers=[tickets_router(ctx), boards_router(ctx), stream_router(ctx), dashboard_router(ctx)],
        description="Projections: read models, the query API, the knowledge base and live changes.",
    )
