"""Routing's tables (schema ``routing``): the directory, and the work list (queue + assignments).

Load is never stored: it is the count of an agent's ``assigned`` work rows (per channel too). It only
grows while the agent's row is locked (the assigner locks a team's agents in id order; a manual
assignment locks its one agent), so no two routing replicas can push an agent over capacity; releases
(resolve, close, merge, escalate, offline too long) only lower it and need no agent lock. The tickets
consumer touches only the work row of the ticket it handles; waiting rows are found by the assigner.
"""

from __future__ import annotations

DDL = """
CREATE TABLE IF NOT EXISTS teams (
    team_id    text PRIMARY KEY,
    name       text NOT NULL,
    tier       text NOT NULL,
    lead_id    text,
    manager_id text,
    active     boolean NOT NULL DEFAULT true,
    seeded     jsonb,                  -- the teams.yaml entry last applied (a changed file is applied again)
    rr_last    text                    -- round-robin: the agent picked last
);
CREATE TABLE IF NOT EXISTS agents (
    agent_id             text PRIMARY KEY,
    name                 text NOT NULL,
    email                text,
    teams                text[] NOT NULL,
    skills               jsonb NOT NULL DEFAULT '{}',
    languages            text[] NOT NULL DEFAULT '{}',
    capacity             int NOT NULL,
    capacity_per_channel jsonb NOT NULL DEFAULT '{}',
    active               boolean NOT NULL DEFAULT true,
    presence             text NOT NULL DEFAULT 'offline',
    presence_since       timestamptz,
    last_assigned_at     timestamptz,
    seeded               jsonb,
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS presence_log (
    agent_id  text NOT NULL,
    presence  text NOT NULL,
    at        timestamptz NOT NULL,
    source    text NOT NULL
);
CREATE TABLE IF NOT EXISTS presence_pending (  -- presence that arrived before the agent's profile
    agent_id  text PRIMARY KEY,
    presence  text NOT NULL,
    source    text NOT NULL
);
CREATE TABLE IF NOT EXISTS work (
    ticket_id      text PRIMARY KEY,
    tenant         text NOT NULL,
    team           text NOT NULL,
    rule           text NOT NULL,
    state          text NOT NULL,       -- waiting | assigned | done
    agent_id       text,
    priority       text NOT NULL,
    rank           int NOT NULL,
    language       text,
    channel        text,
    skills         text[] NOT NULL DEFAULT '{}',
    due_at         timestamptz,
    queued_at      timestamptz NOT NULL,
    ready          boolean NOT NULL DEFAULT true,  -- unused since the assigner scans waiting rows itself
    announced      boolean NOT NULL DEFAULT false, -- TicketQueued published for this wait
    manual         boolean NOT NULL DEFAULT false, -- assigned by hand (kept unless reassign_manual)
    assigned_by    text,
    previous_agent text,
    correlation    uuid,
    level          int NOT NULL DEFAULT 0,  -- escalation level: only a higher one moves the ticket (as the fold)
    assigned_at    timestamptz
);
-- Indexes and columns added later are created only when missing: plain CREATE INDEX IF NOT EXISTS or
-- ALTER TABLE would lock tables that a running replica is writing while another one starts.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
                   AND table_name = 'work' AND column_name = 'previous_agent') THEN
        ALTER TABLE teams ADD COLUMN IF NOT EXISTS active boolean NOT NULL DEFAULT true,
            ADD COLUMN IF NOT EXISTS seeded jsonb, ADD COLUMN IF NOT EXISTS rr_last text;
        ALTER TABLE agents ADD COLUMN IF NOT EXISTS capacity_per_channel jsonb NOT NULL DEFAULT '{}',
            ADD COLUMN IF NOT EXISTS active boolean NOT NULL DEFAULT true,
            ADD COLUMN IF NOT EXISTS presence_since timestamptz, ADD COLUMN IF NOT EXISTS seeded jsonb;
        ALTER TABLE work ADD COLUMN IF NOT EXISTS channel text, ADD COLUMN IF NOT EXISTS previous_agent text,
            ADD COLUMN IF NOT EXISTS assigned_by text;
        DROP INDEX IF EXISTS work_ready;
    END IF;
    IF to_regclass('work_waiting') IS NULL THEN
        CREATE INDEX work_waiting ON work (team, rank, due_at, queued_at) WHERE state = 'waiting';
    END IF;
    IF to_regclass('work_agent') IS NULL THEN
        CREATE INDEX work_agent ON work (agent_id) WHERE state = 'assigned';
    END IF;
    IF to_regclass('presence_log_agent') IS NULL THEN
        CREATE INDEX presence_log_agent ON presence_log (agent_id, at);
    END IF;
END
$$;
"""

ASSIGN_CHANNEL = "routing_assign"
