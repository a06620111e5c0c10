"""Projections' read models (schema ``projections``, or another name for a rebuild): DDL.

``READ_MODEL_VERSION`` is the shape of these tables. A database holding another version is rebuilt by
replay: the tables are dropped and the consumers' stored offsets and dedupe keys are cleared, so they
re-read every topic from the beginning (the log is the source of truth).
"""

# SQL here is composed from constants of this module only; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import re

from ..domain.rows import TICKET_COLUMNS
from .analytics import analytics_ddl
from .boards import BOARD_VIEWS_DDL

READ_MODEL_VERSION = 4
"""4: the one SLA clock model (phases, cycles, idle clocks, stop events); 3: unanswered_since."""

_TYPES = {
    "escalation_level": "int NOT NULL DEFAULT 0",
    "reopen_count": "int NOT NULL DEFAULT 0",
    "csat": "int",
    "unanswered_since": "timestamptz",
    "message_count": "int NOT NULL DEFAULT 0",
    "note_count": "int NOT NULL DEFAULT 0",
    "sla_paused": "boolean NOT NULL DEFAULT false",
    "tags": "text[] NOT NULL DEFAULT '{}'",
    "first_response_minutes": "double precision",
    "resolution_minutes": "double precision",
    "version": "int NOT NULL",
    "ticket_id": "text PRIMARY KEY",
    "tenant": "text NOT NULL",
    "status": "text NOT NULL",
}


def _column_type(name: str) -> str:
    if name in _TYPES:
        return _TYPES[name]
    return "timestamptz" if name.endswith("_at") else "text"


def column_sql_type(name: str) -> str:
    """The bare type of a ``tickets`` column (``int``, ``text[]``, ``timestamptz``…), for casts."""
    return re.split(r" (?:NOT|PRIMARY|DEFAULT)\b", _column_type(name))[0]


_TICKETS = ",\n    ".join(f"{c} {_column_type(c)}" for c in TICKET_COLUMNS)

_RESET = f"""
CREATE TABLE IF NOT EXISTS read_model_meta (
    id int PRIMARY KEY CHECK (id = 1),
    version int NOT NULL
);
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM read_model_meta WHERE version = {READ_MODEL_VERSION}) THEN
        DROP TABLE IF EXISTS tickets, timeline, agents, teams, facts CASCADE;
        DELETE FROM consumer_offsets WHERE consumer LIKE 'projections.%';
        DELETE FROM processed WHERE consumer LIKE 'projections.%';
        INSERT INTO read_model_meta VALUES (1, {READ_MODEL_VERSION})
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
    END IF;
END $$;
"""

# pg_trgm and unaccent are trusted extensions (PostgreSQL 13+): the database owner may create them. If
# unaccent cannot be created, f_unaccent falls back to an immutable translate() of the Latin accents.
_SEARCH = r"""
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
DO $do$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'unaccent unavailable (%), using the translate() fallback', SQLERRM;
    END;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'unaccent') THEN
        EXECUTE $f$CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
            AS $b$SELECT public.unaccent('public.unaccent'::regdictionary, $1)$b$$f$;
    ELSE
        EXECUTE $f$CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
            AS $b$SELECT translate($1, 'áàâäãéèêëíìîïóòôöõúùûüñçÁÀÂÄÃÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÑÇ',
                                        'aaaaaeeeeiiiiooooouuuuncAAAAAEEEEIIIIOOOOOUUUUNC')$b$$f$;
    END IF;
END $do$;
-- Any-word query: the lexemes of q in one configuration, OR-ed (so "impresora no imprime" matches a
-- ticket that shares only "impresora"); ranking then prefers documents matching more of them. NULL when
-- q has no lexemes (only stop words).
CREATE OR REPLACE FUNCTION any_words(cfg regconfig, q text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$SELECT nullif(replace(plainto_tsquery(cfg, q)::text, ' & ', ' | '), '')::tsquery$$;
"""

_TABLES = f"""
CREATE TABLE IF NOT EXISTS tickets (
    {_TICKETS},
    description text,
    fts_config  text NOT NULL DEFAULT 'simple',
    search      tsvector NOT NULL DEFAULT ''::tsvector,
    kb_text     text NOT NULL DEFAULT '',
    state       jsonb NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS tickets_folio ON tickets (tenant, folio) WHERE folio IS NOT NULL;
CREATE INDEX IF NOT EXISTS tickets_created ON tickets (tenant, created_at, ticket_id);
CREATE INDEX IF NOT EXISTS tickets_updated ON tickets (tenant, updated_at, ticket_id);
CREATE INDEX IF NOT EXISTS tickets_status ON tickets (tenant, status, priority);
CREATE INDEX IF NOT EXISTS tickets_team ON tickets (tenant, team, status);
CREATE INDEX IF NOT EXISTS tickets_assignee ON tickets (assignee, status);
CREATE INDEX IF NOT EXISTS tickets_search ON tickets USING gin (search);
CREATE INDEX IF NOT EXISTS tickets_kb_trgm ON tickets USING gin (kb_text public.gin_trgm_ops)
    WHERE status IN ('resolved', 'closed') AND resolution IS NOT NULL;

CREATE TABLE IF NOT EXISTS timeline (
    ticket_id   text NOT NULL,
    seq         int NOT NULL,
    event_id    uuid NOT NULL UNIQUE,
    type        text NOT NULL,
    occurred_at timestamptz NOT NULL,
    producer    text NOT NULL,
    actor       text,
    summary     text NOT NULL,
    applied     boolean NOT NULL,
    event       jsonb NOT NULL,
    PRIMARY KEY (ticket_id, seq)
);

CREATE TABLE IF NOT EXISTS facts (
    event_id    uuid NOT NULL,
    kind        text NOT NULL,
    target      text NOT NULL DEFAULT '',
    ticket_id   text NOT NULL,
    tenant      text NOT NULL,
    occurred_at timestamptz NOT NULL,
    agent       text,
    value       double precision,
    ok          boolean,
    PRIMARY KEY (event_id, kind, target)
);
CREATE INDEX IF NOT EXISTS facts_time ON facts (tenant, occurred_at);
CREATE INDEX IF NOT EXISTS facts_ticket ON facts (ticket_id, kind);

CREATE TABLE IF NOT EXISTS agents (
    agent_id       text PRIMARY KEY,
    tenant         text NOT NULL DEFAULT 'default',
    name           text,
    email          text,
    teams          text[] NOT NULL DEFAULT '{{}}',
    skills         jsonb NOT NULL DEFAULT '{{}}',
    languages      text[] NOT NULL DEFAULT '{{}}',
    capacity       int NOT NULL DEFAULT 0,
    active         boolean NOT NULL DEFAULT true,
    presence       text NOT NULL DEFAULT 'offline',
    presence_since timestamptz,
    updated_at     timestamptz
);

CREATE TABLE IF NOT EXISTS teams (
    team_id    text PRIMARY KEY,
    tenant     text NOT NULL DEFAULT 'default',
    name       text,
    tier       text,
    lead_id    text,
    manager_id text,
    skills     text[] NOT NULL DEFAULT '{{}}',
    active     boolean NOT NULL DEFAULT true,
    updated_at timestamptz
);
"""


def ddl(schema: str, *, analytics: bool = True) -> str:
    """The whole DDL for a read-model schema; with ``analytics``, the analysts' views point at ``schema``
    (a rebuild creates its schema without them and repoints them when it switches)."""
    return _RESET + _SEARCH + _TABLES + BOARD_VIEWS_DDL + (analytics_ddl(schema) if analytics else "")
