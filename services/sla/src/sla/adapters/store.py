"""The SLA service's tables (schema ``sla``)."""

DDL = """
CREATE TABLE IF NOT EXISTS clocks (
    ticket_id        text PRIMARY KEY,
    tenant           text NOT NULL,
    policy_id        text NOT NULL,
    policy_version   text NOT NULL,
    calendar         text NOT NULL,
    calendar_version text NOT NULL,
    opened_at        timestamptz NOT NULL,
    targets          jsonb NOT NULL,      -- {name: {minutes, started_at, due_at, state}}
    correlation      uuid
);
"""
