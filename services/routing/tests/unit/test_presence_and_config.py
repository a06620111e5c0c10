from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from routing.domain.config import Directory, RoutingRules
from routing.domain.presence import PresenceEffect, presence_effect

pytestmark = pytest.mark.unit
T0 = datetime(2026, 11, 23, 9, tzinfo=UTC)


def test_going_offline_arms_the_grace_deadline():
    assert presence_effect("online", "offline", T0, 300) == PresenceEffect(
        changed=True, offline_deadline=T0 + timedelta(seconds=300)
    )


def test_coming_online_cancels_the_deadline_and_wakes_the_queues():
    assert presence_effect("offline", "online", T0, 300) == PresenceEffect(
        changed=True, cancel_deadline=True, wake=True
    )


def test_away_keeps_tickets_takes_none_and_cancels_the_deadline():
    assert presence_effect("offline", "away", T0, 300) == PresenceEffect(changed=True, cancel_deadline=True)


def test_no_change_does_nothing():
    assert presence_effect("away", "away", T0, 300) == PresenceEffect(changed=False)


def test_strategy_per_team_with_a_default():
    rules = RoutingRules.model_validate(
        {"rules": [{"name": "all", "team": "desk"}], "strategies": {"l2": "skills-first"}}
    )
    assert (rules.strategy("l2"), rules.strategy("desk")) == ("skills-first", "least-loaded")


def test_unknown_strategy_is_refused():
    with pytest.raises(ValidationError, match="round-robin"):
        RoutingRules.model_validate({"rules": [], "strategies": {"desk": "random"}})


def test_agent_in_an_unknown_team_is_refused_with_a_clear_error():
    with pytest.raises(ValidationError, match="agent 'x' belongs to unknown team"):
        Directory.model_validate(
            {
                "teams": [{"id": "desk", "name": "Desk"}],
                "agents": [{"id": "x", "name": "X", "teams": ["nope"], "capacity": 1}],
            }
        )


def test_the_sample_configuration_loads():
    from pathlib import Path

    from routing.config import load_directory, load_rules

    sample = Path(__file__).resolve().parents[4] / "deploy" / "config" / "sample"
    directory, rules = load_directory(sample), load_rules(sample)
    assert {t.id for t in directory.teams} >= {"service-desk", "it-specialists", "engineering", "hr"}
    assert rules.strategy("it-specialists") == "skills-first"


def test_rules_may_only_name_defined_teams_and_need_a_catch_all():
    from routing.domain.config import check_rules_against

    directory = Directory.model_validate({"teams": [{"id": "desk", "name": "Desk"}]})
    with pytest.raises(ValueError, match=r"not defined in teams.yaml: \['ghost'\]"):
        check_rules_against(RoutingRules.model_validate({"rules": [{"name": "a", "team": "ghost"}]}), directory)
    with pytest.raises(ValueError, match="catch-all"):
        check_rules_against(
            RoutingRules.model_validate({"rules": [{"name": "a", "match": {"category": ["x"]}, "team": "desk"}]}),
            directory,
        )
