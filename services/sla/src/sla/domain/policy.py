"""SLA policies (``sla.yaml``): ordered, first match wins, each with business-minute targets on a calendar."""

from __future__ import annotations

from typing import Annotated, Literal

from helpdesk_events import SlaTargetName, Status
from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, model_validator

MatchKey = Literal["priority", "tier", "category", "channel"]
Share = Annotated[FiniteFloat, Field(gt=0, lt=1)]
TargetMinutes = Annotated[FiniteFloat, Field(gt=0)]


class TicketFacts(BaseModel):
    """What a policy matches on. ``None`` (e.g. no category) matches only a rule that lists ``null``."""

    model_config = ConfigDict(frozen=True)
    priority: str
    tier: str = "standard"
    category: str | None = None
    channel: str | None = None


class PolicySpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(min_length=1)
    match: dict[MatchKey, list[str | None]] = {}
    """Every listed key must hold (a value among the listed ones); an empty match is the catch-all."""
    calendar: str = Field(min_length=1)
    targets: dict[SlaTargetName, TargetMinutes]
    warnings: list[Share] = Field(default_factory=lambda: [0.75, 0.9])
    """Shares of each target at which an ``SlaWarning`` is recorded."""

    def matches(self, facts: TicketFacts) -> bool:
        return all(getattr(facts, key) in allowed for key, allowed in self.match.items())


_PAUSED_BY_DEFAULT: tuple[Status, ...] = ("pending",)


class SlaPolicies(BaseModel):
    """One version of the policy set. Bump ``version`` on every change: open tickets keep theirs."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    version: str = Field("unversioned", min_length=1)
    pause_statuses: list[Status] = Field(default_factory=lambda: list(_PAUSED_BY_DEFAULT))
    """Ticket statuses during which every SLA clock of the ticket is stopped."""
    policies: list[PolicySpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> SlaPolicies:
        ids = [p.id for p in self.policies]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate policy ids: {duplicates}")
        if any(s in ("resolved", "closed") for s in self.pause_statuses):
            raise ValueError("pause_statuses cannot include resolved or closed (they stop the clocks)")
        return self


class NoPolicyMatchedError(ValueError):
    """No policy matched and the set has no catch-all."""


def choose_policy(policies: SlaPolicies, facts: TicketFacts) -> PolicySpec:
    """The first policy whose every ``match`` key (priority, tier, category, channel) holds."""
    for policy in policies.policies:
        if policy.matches(facts):
            return policy
    raise NoPolicyMatchedError(f"no SLA policy of version {policies.version!r} matches {facts.model_dump()}")
