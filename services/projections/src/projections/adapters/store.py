"""Projections' read models (schema ``projections``): current ticket state and the timeline."""

DDL = """
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id   text PRIMARY KEY,
    tenant      text NOT NULL,
    folio       text,
    status      text NOT NULL,
    priority    text,
    category    text,
    channel     text,
    subject     text,
    team        text,
    assignee    text,
    escalation_level int NOT NULL DEFAULT 0,
    created_at  timestamptz,
    updated_at  timestamptz,
    version     int NOT NULL,
    state       jsonb NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS tickets_folio ON tickets (tenant, folio) WHERE folio IS NOT NULL;
CREATE TABLE IF NOT EXISTS timeline (
    ticket_id   text NOT NULL,
    seq         int NOT NULL,
    event_id    uuid NOT NULL,
    type        text NOT NULL,
    occurred_at timestamptz NOT NULL,
    producer    text NOT NULL,
    event       jsonb NOT NULL,
    PRIMARY KEY (ticket_id, seq)
);
CREATE TABLE IF NOT EXISTS agents (
    agent_id   text PRIMARY KEY,
    name       text,
    teams      text[] NOT NULL DEFAULT '{}',
    capacity   int,
    presence   text,
    updated_at timestamptz
);
"""
