"""Directory read models: agents (profile and presence) and teams."""

from __future__ import annotations

import asyncpg
from helpdesk_events import AgentPresenceChanged, AgentRegistered, DirectoryEvent, TeamDefined


async def apply_directory(conn: asyncpg.Connection, event: DirectoryEvent) -> str | None:
    """Upsert what ``event`` says; returns the changed entity kind (``agent``/``team``) or None."""
    match event:
        case AgentRegistered(data=d):
            await conn.execute(
                """INSERT INTO agents (agent_id, tenant, name, email, teams, skills, languages, capacity, active,
                                       updated_at)
                   VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10)
                   ON CONFLICT (agent_id) DO UPDATE SET tenant = $2, name = $3, email = $4, teams = $5,
                     skills = $6::jsonb, languages = $7, capacity = $8, active = $9, updated_at = $10""",
                d.agent_id,
                event.tenant,
                d.name,
                d.email,
                d.teams,
                dict(d.skills),
                d.languages,
                d.capacity,
                d.active,
                event.occurred_at,
            )
            return "agent"
        case AgentPresenceChanged(data=d):
            await conn.execute(
                """INSERT INTO agents (agent_id, tenant, presence, presence_since, updated_at)
                   VALUES ($1, $2, $3, $4, $4)
                   ON CONFLICT (agent_id) DO UPDATE SET presence = $3,
                     presence_since = CASE WHEN agents.presence = $3 THEN agents.presence_since ELSE $4 END,
                     updated_at = greatest(agents.updated_at, $4)""",
                d.agent_id,
                event.tenant,
                d.presence,
                event.occurred_at,
            )
            return "agent"
        case TeamDefined(data=d):
            await conn.execute(
                """INSERT INTO teams (team_id, tenant, name, tier, lead_id, manager_id, skills, active, updated_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                   ON CONFLICT (team_id) DO UPDATE SET tenant = $2, name = $3, tier = $4, lead_id = $5,
                     manager_id = $6, skills = $7, active = $8, updated_at = $9""",
                d.team_id,
                event.tenant,
                d.name,
                d.tier,
                d.lead_id,
                d.manager_id,
                d.skills,
                d.active,
                event.occurred_at,
            )
            return "team"
        case _:
            return None
