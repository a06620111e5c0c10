"""Builds the escalation service: settings in, adapters wired, handlers registered (one place)."""

from __future__ import annotations

from helpdesk_events.topics import TICKETS
from helpdesk_runtime.service import Context, Service

from .adapters.notifiers import LogNotifier, Notifier, WebhookNotifier
from .adapters.store import DDL
from .config import EscalationSettings, load_config
from .entrypoints.http import escalation_router
from .entrypoints.notices_consumer import notices_consumer
from .entrypoints.replay import replay_spec
from .entrypoints.tickets_consumer import tickets_consumer
from .entrypoints.timers import timer_handler


def notifier(settings: EscalationSettings) -> Notifier:
    if settings.webhook_url is None or settings.webhook_secret is None:
        return LogNotifier()
    return WebhookNotifier(
        settings.webhook_url,
        settings.webhook_secret.get_secret_value().encode(),
        attempts=settings.webhook_attempts,
        backoff=settings.webhook_backoff_seconds,
        timeout=settings.webhook_timeout_seconds,
    )


def bootstrap(settings: EscalationSettings) -> Service:
    ctx = Context(settings, "escalation")
    matrix, directory = load_config(settings.config_dir)
    topic = settings.topic(TICKETS)
    fire = timer_handler(matrix, directory)
    return Service(
        name="escalation",
        context=ctx,
        ddl=DDL,
        consumers=[tickets_consumer(matrix, directory, topic=topic), notices_consumer(notifier(settings), topic=topic)],
        timer_handler=fire,
        routers=[escalation_router(ctx, matrix, directory)],
        replay=replay_spec(matrix, directory, fire, topic=topic, live=ctx.schema),
        description="Escalation: the escalation matrix on SLA facts, stall timers, reopens, VIPs and agents' requests.",
    )
