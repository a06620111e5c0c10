"""The analysts' SQL contract: stable views in schema ``analytics`` over the read models, each view and
column commented, readable by the group role ``helpdesk_analyst`` and nothing else.

``VIEWS`` is the single source: the DDL, the ``COMMENT ON`` statements and docs/read-models.md come from
it (a test keeps the document in step). Columns are only ever added to a view (the contract is stable).
"""

# SQL here is composed from constants of this module only; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass

ANALYST_ROLE = "helpdesk_analyst"


@dataclass(frozen=True)
class View:
    name: str
    comment: str
    select: str
    """The SELECT, with ``{src}`` for the read-model schema."""
    columns: tuple[tuple[str, str], ...]


_T = "timestamptz"
TICKETS = View(
    "tickets",
    "One row per ticket: its current state as folded from helpdesk.tickets (the same fold every service "
    "uses). Tickets whose TicketOpened has not arrived yet have opened = false.",
    """SELECT ticket_id, tenant, folio, (state->>'opened')::boolean AS opened, status, priority, category,
       channel, subject, description, language, customer_id, customer_name, customer_email, customer_tier,
       department, tags, team, assignee, queued_at, escalation_level, created_at, updated_at,
       first_response_at, resolved_at, closed_at, resolution, reopen_count, csat, merged_into, follow_up_of,
       message_count, note_count, last_customer_message_at, last_agent_reply_at, sla_policy_id, sla_paused,
       first_response_due_at, first_response_sla, next_response_due_at, next_response_sla,
       resolution_due_at, resolution_sla, sla_state, next_due_at, first_response_minutes,
       resolution_minutes, version, unanswered_since
FROM {src}.tickets""",
    (
        ("ticket_id", "Ticket id (the Kafka key of its events)."),
        ("tenant", "Client organisation the desk serves for this ticket ('default' otherwise)."),
        ("folio", "Human-friendly unique reference, e.g. HD-2026-000123."),
        ("opened", "True once TicketOpened has been folded."),
        ("status", "new, open, pending, resolved or closed."),
        ("priority", "P1 (most urgent) to P4."),
        ("category", "Category from the classification rules or set by an agent."),
        ("channel", "Channel of the opening message: email, web, chat, phone, whatsapp, social, api."),
        ("subject", "Subject of the opening message."),
        ("description", "Body (plain text) of the opening message."),
        ("language", "Detected language of the opening message (ISO 639-1, e.g. es, en)."),
        ("customer_id", "CRM contact id of the customer (or email:<address> when derived by intake)."),
        ("customer_name", "Customer's name."),
        ("customer_email", "Customer's email address."),
        ("customer_tier", "Customer tier (standard, vip, ...) used by SLA policies."),
        ("department", "Customer's department, when the CRM knows it."),
        ("tags", "Tags set at opening."),
        ("team", "Team currently responsible (queued or assigned; kept after resolution)."),
        ("assignee", "Agent currently assigned; after resolve/close, the agent who resolved it."),
        ("queued_at", "When routing last queued it waiting for capacity; null once assigned."),
        ("escalation_level", "Highest escalation level reached (0 = never escalated)."),
        ("created_at", "When the ticket was opened (event time)."),
        ("updated_at", "Latest event time among the events that changed the ticket."),
        ("first_response_at", "First public agent reply (automatic acknowledgements are not agent replies)."),
        ("resolved_at", "Latest resolution; null while not resolved (cleared by a reopen)."),
        ("closed_at", "When it was closed (or merged)."),
        ("resolution", "Resolution text given when resolving; feeds the knowledge base."),
        ("reopen_count", "How many times it went from resolved back to open."),
        ("csat", "Latest customer satisfaction rating, 1 to 5."),
        ("merged_into", "Ticket id it was merged into."),
        ("follow_up_of", "Ticket id of the closed ticket this one follows up."),
        ("message_count", "Public messages: opening, customer messages and agent replies."),
        ("note_count", "Internal notes."),
        ("last_customer_message_at", "Latest customer message."),
        ("last_agent_reply_at", "Latest agent reply."),
        ("sla_policy_id", "SLA policy applied."),
        ("sla_paused", "True while the SLA clock is paused (pending on the customer)."),
        ("first_response_due_at", "First-response due time (business calendar applied)."),
        ("first_response_sla", "First-response clock: running, paused, warning, breached, met or stopped."),
        ("next_response_due_at", "Next-response due time of the current cycle."),
        ("next_response_sla", "Next-response clock state."),
        ("resolution_due_at", "Resolution due time."),
        ("resolution_sla", "Resolution clock state."),
        (
            "sla_state",
            "breached if any target was breached (even if met late), warning if any target is "
            "in its warning window, else ok; null without a policy.",
        ),
        ("next_due_at", "Earliest due time among the targets still ticking."),
        ("first_response_minutes", "Calendar minutes from creation to the first agent reply."),
        ("resolution_minutes", "Calendar minutes from creation to resolution (or close)."),
        ("version", "Number of events folded for this ticket."),
        (
            "unanswered_since",
            "Waiting on an agent since: the oldest customer message no agent reply has followed in the log "
            "(the opening message included); null once answered.",
        ),
    ),
)

TICKET_EVENTS = View(
    "ticket_events",
    "Every event of every ticket, in log order, with a readable summary: the ticket's timeline.",
    """SELECT ticket_id, seq, event_id, type, occurred_at, producer, actor, summary, applied,
       event->'data' AS data
FROM {src}.timeline""",
    (
        ("ticket_id", "Ticket id."),
        ("seq", "Position in the ticket's log, from 1."),
        ("event_id", "Event id (UUID)."),
        ("type", "Event type, e.g. TicketOpened, TicketAssigned, SlaBreached."),
        ("occurred_at", "Event time."),
        ("producer", "Service that emitted it."),
        ("actor", "Agent, customer or service behind it."),
        ("summary", "One readable sentence."),
        ("applied", "False when the fold recorded the event but ignored it (e.g. an assignment after close)."),
        ("data", "The event's payload (JSON)."),
    ),
)

SLA_TARGETS = View(
    "sla_targets",
    "One row per ticket and SLA target (first_response, next_response, resolution): its current clock.",
    """SELECT t.ticket_id, t.tenant, t.folio, c.key AS target, (c.value->>'due_at')::timestamptz AS due_at,
       c.value->>'state' AS state, (c.value->>'met_at')::timestamptz AS met_at,
       (c.value->>'breached_at')::timestamptz AS breached_at, (c.value->>'within_target')::boolean AS within_target,
       (c.value->>'warning_threshold')::double precision AS warning_threshold,
       (c.value->>'cycle')::int AS cycle, (c.value->>'started_at')::timestamptz AS started_at
FROM {src}.tickets t, jsonb_each(t.state->'sla') c""",
    (
        ("ticket_id", "Ticket id."),
        ("tenant", "Tenant."),
        ("folio", "Folio."),
        ("target", "first_response, next_response or resolution."),
        ("due_at", "Due time (null while paused without a deadline)."),
        (
            "state",
            "idle (no cycle yet), running, paused, warning, breached, met or stopped (no outcome: resolved, "
            "closed, merged, or dropped by a new policy).",
        ),
        ("met_at", "When the target was met."),
        ("breached_at", "When it was breached (kept if met late: null means compliant)."),
        ("within_target", "As reported when met."),
        ("warning_threshold", "Highest warning share reached (0.75 = 75 % of the target used)."),
        (
            "cycle",
            "Cycles started (next_response: one per customer message that waited; resolution: one more per reopen).",
        ),
        ("started_at", "Start of the current cycle (null in logs before 2026-12)."),
    ),
)

METRIC_FACTS = View(
    "metric_facts",
    "Reporting facts, one per measurable change (docs/metrics.md): created, first_response, resolved, "
    "reopened, closed, assigned, escalated, sla_met, sla_breached, sla_breach_withdrawn, csat.",
    """SELECT event_id, kind, nullif(target, '') AS target, ticket_id, tenant, occurred_at, agent, value, ok
FROM {src}.facts""",
    (
        ("event_id", "Event that produced the fact."),
        (
            "kind",
            "created, first_response, resolved, reopened, closed, assigned, escalated, sla_met, sla_breached, "
            "sla_breach_withdrawn (a breach that raced an in-time reply or resolution: subtract it) or csat.",
        ),
        ("target", "SLA target, for sla_met, sla_breached and sla_breach_withdrawn."),
        ("ticket_id", "Ticket id (join analytics.tickets for team, channel, priority, category)."),
        ("tenant", "Tenant."),
        ("occurred_at", "Event time of the fact."),
        ("agent", "Agent: replier (first_response), assignee at the time (others)."),
        (
            "value",
            "first_response/resolved/closed: calendar minutes since creation; sla_met: business "
            "minutes used; escalated: level; csat: rating.",
        ),
        ("ok", "sla_met: met within target and never breached."),
    ),
)

AGENTS = View(
    "agents",
    "Agents from the directory with their live load (open tickets assigned) against capacity and today's "
    "(UTC) assignments and resolutions.",
    "SELECT * FROM {src}.board_agents",
    (
        ("agent_id", "Agent id."),
        ("tenant", "Tenant of the directory entry."),
        ("name", "Name."),
        ("email", "Email."),
        ("teams", "Teams the agent works in."),
        ("languages", "Languages the agent handles."),
        ("skills", "Skill name to level (JSON)."),
        ("capacity", "Maximum open tickets assigned at once."),
        ("active", "False once off-boarded."),
        ("presence", "online, away or offline."),
        ("presence_since", "When the presence last changed."),
        ("load", "Open (new, open, pending) tickets assigned now."),
        ("free_capacity", "capacity - load, never below 0."),
        ("assigned_today", "Assignments received since 00:00 UTC."),
        ("resolved_today", "Tickets resolved since 00:00 UTC while assigned to the agent."),
        ("updated_at", "Latest directory change."),
    ),
)

QUEUES = View(
    "queues",
    "Per tenant and team: tickets waiting for an agent (new/open, no assignee), by priority, the oldest "
    "wait and the next due time.",
    "SELECT * FROM {src}.board_queues",
    (
        ("tenant", "Tenant."),
        ("team", "Team id."),
        ("team_name", "Team name from the directory."),
        ("tier", "Support tier L1, L2 or L3."),
        ("waiting", "Tickets waiting for an agent."),
        ("waiting_p1", "Waiting P1 tickets."),
        ("waiting_p2", "Waiting P2 tickets."),
        ("waiting_p3", "Waiting P3 tickets."),
        ("waiting_p4", "Waiting P4 tickets."),
        ("oldest_waiting_since", "Since when the oldest waiting ticket waits (queued, else created)."),
        ("oldest_age_seconds", "Age of the oldest waiting ticket, in seconds."),
        ("next_due_at", "Earliest SLA due time among waiting tickets."),
        ("open_tickets", "All open tickets of the team, assigned or not."),
    ),
)

TEAMS = View(
    "teams",
    "Teams from the directory.",
    "SELECT team_id, tenant, name, tier, lead_id, manager_id, skills, active, updated_at FROM {src}.teams",
    (
        ("team_id", "Team id."),
        ("tenant", "Tenant."),
        ("name", "Name."),
        ("tier", "Support tier L1, L2 or L3."),
        ("lead_id", "Team lead's agent id."),
        ("manager_id", "Manager's id."),
        ("skills", "Skills the team covers."),
        ("active", "False once retired."),
        ("updated_at", "Latest directory change."),
    ),
)

VIEWS: tuple[View, ...] = (TICKETS, TICKET_EVENTS, SLA_TARGETS, METRIC_FACTS, AGENTS, QUEUES, TEAMS)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def analytics_ddl(src: str) -> str:
    """Views over schema ``src``, their comments, the analyst role and its grants (idempotent)."""
    parts = ["CREATE SCHEMA IF NOT EXISTS analytics;"]
    for v in VIEWS:
        parts.append(f"CREATE OR REPLACE VIEW analytics.{v.name} AS {v.select.format(src=src)};")
        parts.append(f"COMMENT ON VIEW analytics.{v.name} IS {_quote(v.comment)};")
        parts.extend(f"COMMENT ON COLUMN analytics.{v.name}.{col} IS {_quote(text)};" for col, text in v.columns)
    parts.append(
        f"""DO $$
BEGIN
    BEGIN
        CREATE ROLE {ANALYST_ROLE} NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN RAISE NOTICE 'cannot create role {ANALYST_ROLE}; create it as an admin';
    END;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ANALYST_ROLE}') THEN
        GRANT USAGE ON SCHEMA analytics TO {ANALYST_ROLE};
        GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO {ANALYST_ROLE};
    END IF;
END $$;"""
    )
    return "\n".join(parts)
