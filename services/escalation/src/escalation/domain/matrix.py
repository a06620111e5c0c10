"""The escalation matrix (escalation.yaml) and the support-tier directory it escalates through.

A matrix is a list of rows; the first row whose ``match`` fits the ticket (priority, category, customer
tier, tenant) applies. A row holds ordered levels; each level names its trigger (what fires it), its action
(functional move to the next support tier, hierarchical notice, priority raise) and whom it notifies.
"""

from __future__ import annotations

from typing import Literal

from helpdesk_events.types import Priority, SlaTargetName
from pydantic import BaseModel, ConfigDict, Field, model_validator

Trigger = Literal["sla_warning", "sla_breach", "unassigned_too_long", "no_agent_reply", "reopened", "vip", "manual"]
SLA_TRIGGERS: tuple[Trigger, ...] = ("sla_warning", "sla_breach")
STALL_TRIGGERS: tuple[Trigger, ...] = ("unassigned_too_long", "no_agent_reply")
Action = Literal["notice", "functional", "priority"]
NotifyRole = Literal["lead", "manager", "account_owner", "assignee", "target_lead"]
MatchKey = Literal["priority", "category", "tier", "tenant"]


class Level(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    level: int = Field(ge=1)
    trigger: Trigger
    target: SlaTargetName | None = None
    """SLA triggers: the target (first_response, next_response, resolution); none = any target."""
    after_minutes: float | None = Field(None, gt=0)
    """Stall triggers: how long the ticket may stay unassigned / without an agent reply (wall-clock minutes)."""
    times: int | None = Field(None, ge=1)
    """``reopened``: fires when the ticket has been reopened this many times."""
    action: Action = "notice"
    notify: tuple[NotifyRole, ...] = ()
    raise_priority_to: Priority | None = None
    to_team: str | None = None
    """``functional``: this team instead of the next support tier (e.g. a vendor team)."""

    @model_validator(mode="after")
    def _coherent(self) -> Level:
        where = f"level {self.level} ({self.trigger})"
        if self.trigger in STALL_TRIGGERS and self.after_minutes is None:
            raise ValueError(f"{where} needs after_minutes")
        if self.trigger not in STALL_TRIGGERS and self.after_minutes is not None:
            raise ValueError(f"{where}: after_minutes is only for {', '.join(STALL_TRIGGERS)}")
        if self.trigger == "reopened" and self.times is None:
            raise ValueError(f"{where} needs times")
        if self.target is not None and self.trigger not in SLA_TRIGGERS:
            raise ValueError(f"{where}: target is only for SLA triggers")
        if self.action == "priority" and self.raise_priority_to is None:
            raise ValueError(f"{where}: action priority needs raise_priority_to")
        if self.action == "notice" and not self.notify and self.raise_priority_to is None:
            raise ValueError(f"{where}: a notice needs someone to notify")
        if self.to_team is not None and self.action != "functional":
            raise ValueError(f"{where}: to_team is only for functional escalations")
        return self

    def key(self, target: str | None = None) -> str:
        """What "never twice" is counted on: trigger (with the SLA target) and level."""
        name = f"{self.trigger}:{target}" if target else self.trigger
        return f"{name}:{self.level}"


class MatrixRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = None
    match: dict[MatchKey, list[str]] = {}
    levels: list[Level] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> MatrixRow:
        seen: set[tuple[str, str | None, int]] = set()
        for lvl in self.levels:
            ident = (lvl.trigger, lvl.target, lvl.level)
            if ident in seen:
                raise ValueError(f"row {self.name or self.match}: level {lvl.level} of {lvl.trigger} twice")
            seen.add(ident)
        return self

    def fits(self, values: dict[str, str | None]) -> bool:
        return all(values.get(k) in allowed for k, allowed in self.match.items())


class Matrix(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = "unversioned"
    vip_tiers: list[str] = ["vip"]
    """Customer tiers the ``vip`` trigger fires for."""
    account_owners: dict[str, str] = {}
    """Tenant (client organisation) -> account owner's id; ``default`` applies to the others."""
    contacts: dict[str, str] = {}
    """Person id -> email, copied into notice recipients so a mail adapter can deliver them."""
    matrix: list[MatrixRow]

    def row_for(self, values: dict[str, str | None]) -> MatrixRow | None:
        return next((row for row in self.matrix if row.fits(values)), None)


class TeamInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    tier: str = "L1"
    lead: str | None = None
    manager: str | None = None


class Directory(BaseModel):
    """Teams (teams.yaml) and the tier ladder per team (routing.yaml ``tiers``)."""

    model_config = ConfigDict(frozen=True)

    teams: dict[str, TeamInfo] = {}
    tiers: dict[str, dict[str, str]] = {}

    def next_tier(self, current: str | None, origin: str | None) -> tuple[str, str] | None:
        """(tier, team) one support tier above ``current``: its own ladder first, then the origin's."""
        if current is None:
            return None
        tier = self.teams[current].tier if current in self.teams else "L1"
        following = {"L1": "L2", "L2": "L3"}.get(tier)
        if following is None:
            return None
        for ladder in (self.tiers.get(current, {}), self.tiers.get(origin or "", {})):
            if following in ladder:
                return following, ladder[following]
        return None

    def check(self, matrix: Matrix) -> None:
        """Fail at start-up on a matrix naming teams the directory does not know."""
        known = set(self.teams)
        for row in matrix.matrix:
            for lvl in row.levels:
                if lvl.to_team is not None and known and lvl.to_team not in known:
                    raise ValueError(f"escalation level {lvl.level} names unknown team {lvl.to_team!r}")
