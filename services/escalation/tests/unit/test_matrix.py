from __future__ import annotations

import pytest
from escalation.domain.matrix import Matrix, TeamInfo, TicketFacts, decide

pytestmark = pytest.mark.unit

MATRIX = Matrix.model_validate(
    {
        "matrix": [
            {
                "match": {},
                "levels": [
                    {
                        "level": 1,
                        "trigger": "sla_warning",
                        "target": "resolution",
                        "action": "notice",
                        "notify": ["lead"],
                    },
                    {
                        "level": 2,
                        "trigger": "sla_breach",
                        "target": "first_response",
                        "action": "functional",
                        "notify": ["lead", "manager"],
                    },
                ],
            }
        ]
    }
)
TEAMS = {
    "desk": TeamInfo(id="desk", tier="L1", lead="lucia", manager="marta"),
    "l2": TeamInfo(id="l2", tier="L2", lead="diego", manager="marta"),
}
TIERS = {"desk": {"L2": "l2", "L3": "l3"}}


def facts(fired=frozenset(), team="desk"):
    return TicketFacts(priority="P3", category="network", tier="standard", team=team, origin_team="desk", fired=fired)


def test_breach_moves_the_ticket_to_the_next_tier_and_notifies_lead_and_manager():
    [esc] = decide(MATRIX, TIERS, TEAMS, facts(), "sla_breach", "first_response")
    assert (esc.level, esc.from_team, esc.to_team) == (2, "desk", "l2")
    assert esc.recipients == [("lead", "lucia"), ("manager", "marta")]
    assert "first response" in esc.reason


def test_never_twice_for_the_same_trigger_target_and_level():
    [esc] = decide(MATRIX, TIERS, TEAMS, facts(), "sla_breach", "first_response")
    assert decide(MATRIX, TIERS, TEAMS, facts(frozenset({esc.key})), "sla_breach", "first_response") == []


def test_warning_on_another_target_does_nothing():
    assert decide(MATRIX, TIERS, TEAMS, facts(), "sla_warning", "first_response") == []


def test_warning_is_a_notice_without_moving_the_ticket():
    [esc] = decide(MATRIX, TIERS, TEAMS, facts(), "sla_warning", "resolution")
    assert esc.to_team is None and esc.recipients == [("lead", "lucia")]
