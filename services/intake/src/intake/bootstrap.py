"""Builds the intake service: settings in, adapters wired, handlers registered (one place)."""

from __future__ import annotations

from helpdesk_events.topics import INBOUND, TICKETS
from helpdesk_runtime.service import Context, Service

from .adapters.store import DDL
from .config import IntakeSettings, load_rules
from .entrypoints.commands_http import commands_router
from .entrypoints.contacts_http import contacts_router
from .entrypoints.http import inbound_router
from .entrypoints.inbound_consumer import inbound_consumer
from .entrypoints.tickets_consumer import tickets_consumer


def bootstrap(settings: IntakeSettings) -> Service:
    ctx = Context(settings, "intake")
    rules = load_rules(settings.config_dir)
    return Service(
        name="intake",
        context=ctx,
        ddl=DDL,
        consumers=[
            inbound_consumer(rules, topic=settings.topic(INBOUND), folio_prefix=settings.folio_prefix),
            tickets_consumer(topic=settings.topic(TICKETS)),
        ],
        routers=[
            inbound_router(ctx),
            commands_router(ctx, rules, folio_prefix=settings.folio_prefix, reply_domain=settings.reply_domain),
            contacts_router(ctx),
        ],
        description="Intake: inbound messages from every channel become ticket events.",
    )
