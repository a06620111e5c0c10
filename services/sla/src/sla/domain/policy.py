"""SLA policies (first match wins) and the pure decisions around them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from helpdesk_events import SlaTargetDue, SlaTargetName
from pydantic import BaseModel, ConfigDict, Field


class PolicySpec(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    match: dict[str, list[str]] = {}
    calendar: str
    targets: dict[SlaTargetName, float]
    warnings: list[float] = Field(default_factory=lambda: [0.75, 0.9])


class SlaPolicies(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str = "unversioned"
    policies: list[PolicySpec]


class Calendar(Protocol):
    def due(self, start: datetime, minutes: float) -> datetime: ...

    def elapsed(self, start: datetime, end: datetime) -> float: ...


def choose_policy(policies: SlaPolicies, facts: dict[str, str | None]) -> PolicySpec:
    """First policy whose every ``match`` key (priority, tier, category, channel) holds."""
    for policy in policies.policies:
        if all(facts.get(key) in allowed for key, allowed in policy.match.items()):
            return policy
    raise ValueError("no SLA policy matched and there is no catch-all policy")


# Targets whose clock starts when the ticket opens; next_response starts at each customer message.
STARTS_AT_OPEN: tuple[SlaTargetName, ...] = ("first_response", "resolution")


def targets_at_open(policy: PolicySpec, calendar: Calendar, opened_at: datetime) -> list[SlaTargetDue]:
    return [
        SlaTargetDue(
            name=name,
            minutes=minutes,
            due_at=calendar.due(opened_at, minutes) if name in STARTS_AT_OPEN else None,
        )
        for name, minutes in policy.targets.items()
    ]


def warning_times(
    policy: PolicySpec, calendar: Calendar, start: datetime, minutes: float
) -> list[tuple[float, datetime]]:
    """(threshold, instant) for each warning share of the target, in business time."""
    return [(share, calendar.due(start, minutes * share)) for share in sorted(policy.warnings) if 0 < share < 1]
