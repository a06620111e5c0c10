"""The escalation service's tables (schema ``escalation``)."""

DDL = """
CREATE TABLE IF NOT EXISTS cases (
    ticket_id   text PRIMARY KEY,
    tenant      text NOT NULL,
    priority    text,
    category    text,
    tier        text,
    team        text,
    origin_team text,
    level       int NOT NULL DEFAULT 0,
    fired       text[] NOT NULL DEFAULT '{}',
    open        boolean NOT NULL DEFAULT true,
    correlation uuid
);
"""
