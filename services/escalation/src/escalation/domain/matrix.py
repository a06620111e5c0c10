"""The escalation matrix and its pure decision: given a ticket's facts and a trigger, which escalations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

Trigger = Literal["sla_warning", "sla_breach"]


class Level(BaseModel):
    model_config = ConfigDict(frozen=True)
    level: int
    trigger: Trigger
    target: str | None = None
    action: Literal["notice", "functional", "priority"]
    notify: list[Literal["lead", "manager"]] = []


class MatrixRow(BaseModel):
    model_config = ConfigDict(frozen=True)
    match: dict[str, list[str]] = {}
    levels: list[Level]


class Matrix(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str = "unversioned"
    matrix: list[MatrixRow]


class TeamInfo(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    tier: str = "L1"
    lead: str | None = None
    manager: str | None = None


@dataclass(frozen=True)
class TicketFacts:
    priority: str | None
    category: str | None
    tier: str | None
    team: str | None
    origin_team: str | None
    fired: frozenset[str]


@dataclass(frozen=True)
class Escalation:
    level: int
    trigger: str
    reason: str
    from_team: str | None
    to_team: str | None
    recipients: list[tuple[str, str]]  # (role, id)
    key: str


def _row_for(matrix: Matrix, facts: TicketFacts) -> MatrixRow | None:
    values = {"priority": facts.priority, "category": facts.category, "tier": facts.tier}
    for row in matrix.matrix:
        if all(values.get(k) in allowed for k, allowed in row.match.items()):
            return row
    return None


def next_tier_team(
    tiers: dict[str, dict[str, str]], teams: dict[str, TeamInfo], origin: str | None, current: str | None
) -> str | None:
    if origin is None or current is None:
        return None
    current_tier = teams[current].tier if current in teams else "L1"
    following = {"L1": "L2", "L2": "L3"}.get(current_tier)
    return tiers.get(origin, {}).get(following) if following else None


def decide(
    matrix: Matrix,
    tiers: dict[str, dict[str, str]],
    teams: dict[str, TeamInfo],
    facts: TicketFacts,
    trigger: Trigger,
    target: str,
) -> list[Escalation]:
    """Escalations for one trigger; never twice for the same trigger, target and level (``facts.fired``)."""
    row = _row_for(matrix, facts)
    if row is None:
        return []
    out: list[Escalation] = []
    for level in row.levels:
        if level.trigger != trigger or (level.target is not None and level.target != target):
            continue
        key = f"{trigger}:{target}:{level.level}"
        if key in facts.fired:
            continue
        to_team = next_tier_team(tiers, teams, facts.origin_team, facts.team) if level.action == "functional" else None
        team = teams.get(facts.team or "")
        recipients: list[tuple[str, str]] = [
            (str(role), who)
            for role, who in (("lead", team.lead if team else None), ("manager", team.manager if team else None))
            if role in level.notify and who
        ]
        what = "SLA warning" if trigger == "sla_warning" else "SLA breached"
        reason = f"{what} on {target.replace('_', ' ')}"
        if to_team:
            reason += f"; moved from {facts.team} to the next support tier ({to_team})"
        out.append(Escalation(level.level, trigger, reason, facts.team, to_team, recipients, key))
    return out
