"""Routing's tables (schema ``routing``): the directory, and the work list (queue + assignments).

Load is never stored: it is the count of a agent's ``assigned`` work rows. It only grows inside the
assigner's transaction, which holds the row locks of the team's agents, so no two routing replicas can
push an agent over capacity; releases (resolve, close, escalate) only lower it and need no agent lock.
"""

from __future__ import annotations

DDL = """
CREATE TABLE IF NOT EXISTS teams (
    team_id    text PRIMARY KEY,
    name       text NOT NULL,
    tier       text NOT NULL,
    lead_id    text,
    manager_id text
);
CREATE TABLE IF NOT EXISTS agents (
    agent_id         text PRIMARY KEY,
    name             text NOT NULL,
    email            text,
    teams            text[] NOT NULL,
    skills           jsonb NOT NULL DEFAULT '{}',
    languages        text[] NOT NULL DEFAULT '{}',
    capacity         int NOT NULL,
    presence         text NOT NULL DEFAULT 'offline',
    last_assigned_at timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS work (
    ticket_id   text PRIMARY KEY,
    tenant      text NOT NULL,
    team        text NOT NULL,
    rule        text NOT NULL,
    state       text NOT NULL,          -- waiting | assigned | done
    agent_id    text,
    priority    text NOT NULL,
    rank        int NOT NULL,
    language    text,
    skills      text[] NOT NULL DEFAULT '{}',
    due_at      timestamptz,
    queued_at   timestamptz NOT NULL,
    ready       boolean NOT NULL DEFAULT true,
    announced   boolean NOT NULL DEFAULT false,
    manual      boolean NOT NULL DEFAULT false,
    correlation uuid,
    level       int NOT NULL DEFAULT 0,  -- escalation level: only a higher one moves the ticket (as the fold)
    assigned_at timestamptz
);
CREATE INDEX IF NOT EXISTS work_ready ON work (rank, due_at, queued_at) WHERE state = 'waiting' AND ready;
CREATE INDEX IF NOT EXISTS work_agent ON work (agent_id) WHERE state = 'assigned';
"""

ASSIGN_CHANNEL = "routing_assign"
