"""Response models of the query API (they make the OpenAPI document precise)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from helpdesk_events import TicketState
from pydantic import BaseModel


class TimelineEntry(BaseModel):
    seq: int
    type: str
    occurred_at: datetime
    producer: str
    actor: str | None = None
    summary: str
    applied: bool
    data: dict[str, Any]


class TicketView(BaseModel):
    ticket: TicketState
    timeline: list[TimelineEntry]
    as_of: datetime | None = None


class TicketRow(BaseModel):
    """One ticket in a list: the read-model columns (analytics.tickets documents each one)."""

    ticket_id: str
    tenant: str
    folio: str | None
    status: str
    priority: str | None
    category: str | None
    channel: str | None
    subject: str | None
    language: str | None
    customer_id: str | None
    customer_name: str | None
    customer_email: str | None
    customer_tier: str | None
    department: str | None
    tags: list[str]
    team: str | None
    assignee: str | None
    queued_at: datetime | None
    escalation_level: int
    created_at: datetime | None
    updated_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    resolution: str | None
    reopen_count: int
    csat: int | None
    merged_into: str | None
    follow_up_of: str | None
    message_count: int
    note_count: int
    last_customer_message_at: datetime | None
    last_agent_reply_at: datetime | None
    unanswered_since: datetime | None
    sla_policy_id: str | None
    sla_paused: bool
    first_response_due_at: datetime | None
    first_response_sla: str | None
    next_response_due_at: datetime | None
    next_response_sla: str | None
    resolution_due_at: datetime | None
    resolution_sla: str | None
    sla_state: str | None
    next_due_at: datetime | None
    first_response_minutes: float | None
    resolution_minutes: float | None
    version: int


class TicketPage(BaseModel):
    items: list[TicketRow]
    next_cursor: str | None
    """Pass as ``cursor`` (with the same sort and filters) for the next page; null on the last page."""


class Agent(BaseModel):
    agent_id: str
    tenant: str
    name: str | None
    email: str | None
    teams: list[str]
    languages: list[str]
    skills: dict[str, int]
    capacity: int
    active: bool
    presence: str
    presence_since: datetime | None
    load: int
    free_capacity: int
    assigned_today: int
    resolved_today: int
    updated_at: datetime | None


class Queue(BaseModel):
    tenant: str
    team: str
    team_name: str | None
    tier: str | None
    waiting: int
    waiting_p1: int
    waiting_p2: int
    waiting_p3: int
    waiting_p4: int
    oldest_waiting_since: datetime | None
    oldest_age_seconds: float
    next_due_at: datetime | None
    open_tickets: int


class Article(BaseModel):
    """A solved ticket offered as a knowledge-base answer."""

    ticket_id: str
    folio: str | None
    subject: str | None
    resolution: str
    category: str | None
    team: str | None
    language: str | None
    resolved_at: datetime | None
    score: float


class Percentiles(BaseModel):
    median: float | None
    p90: float | None


class SlaTargetMetrics(BaseModel):
    met: int
    breached: int
    compliance_pct: float | None


class Csat(BaseModel):
    average: float | None
    responses: int
    satisfied_pct: float | None


class MetricsGroup(BaseModel):
    key: str | None
    created: int
    resolved: int
    backlog: int
    first_response_minutes: Percentiles
    first_response_business_minutes: Percentiles
    resolution_minutes: Percentiles
    resolution_business_minutes: Percentiles
    sla: dict[str, SlaTargetMetrics]
    breaches: int
    reopened: int
    reopen_rate_pct: float | None
    csat: Csat
    escalations: int


class MetricsReport(BaseModel):
    tenant: str
    start: datetime
    end: datetime
    group_by: str
    groups: list[MetricsGroup]
    totals: MetricsGroup
