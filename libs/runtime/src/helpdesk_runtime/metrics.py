"""Prometheus metrics every service exposes on /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CONSUMED = Counter("helpdesk_consumed_total", "Records consumed and applied", ["consumer", "topic"])
DUPLICATES = Counter("helpdesk_duplicates_total", "Records skipped as already applied", ["consumer", "topic"])
PRODUCED = Counter("helpdesk_produced_total", "Records published by the outbox relay", ["topic"])
DEADLETTERED = Counter("helpdesk_deadletter_total", "Records sent to the dead-letter topic", ["consumer", "topic"])
LAG = Gauge("helpdesk_consumer_lag", "High watermark minus position", ["consumer", "topic", "partition"])
HANDLER_SECONDS = Histogram(
    "helpdesk_handler_seconds",
    "Time to apply one consumed batch (decide, evolve, commit)",
    ["consumer"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
OUTBOX_BACKLOG = Gauge("helpdesk_outbox_backlog", "Outbox rows not yet published")
TIMERS_FIRED = Counter("helpdesk_timers_fired_total", "Durable timers fired", ["kind"])
TIMER_DELAY = Histogram(
    "helpdesk_timer_delay_seconds",
    "Delay between a timer's due time and its firing",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10),
)
