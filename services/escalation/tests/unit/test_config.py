"""The matrix configuration: the sample loads, mistakes are refused with the reason, settings guard secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from escalation.config import EscalationSettings, load_config
from escalation.domain.matrix import Directory, Matrix, TeamInfo
from pydantic import ValidationError

pytestmark = pytest.mark.unit

SAMPLE = Path(__file__).resolve().parents[4] / "deploy" / "config" / "sample"


def test_the_sample_matrix_loads_with_the_tier_ladder():
    matrix, directory = load_config(SAMPLE)
    assert [row.name for row in matrix.matrix][-1] == "everything else"
    assert directory.next_tier("service-desk", "service-desk") == ("L2", "it-specialists")
    assert directory.next_tier("it-specialists", "service-desk") == ("L3", "engineering")
    assert directory.next_tier("engineering", "service-desk") is None


@pytest.mark.parametrize(
    ("level", "problem"),
    [
        ({"level": 1, "trigger": "unassigned_too_long", "notify": ["lead"]}, "needs after_minutes"),
        ({"level": 1, "trigger": "reopened", "notify": ["lead"]}, "needs times"),
        ({"level": 1, "trigger": "sla_breach", "action": "priority"}, "needs raise_priority_to"),
        ({"level": 1, "trigger": "sla_breach"}, "needs someone to notify"),
        ({"level": 1, "trigger": "vip", "target": "resolution", "notify": ["lead"]}, "only for SLA triggers"),
        ({"level": 1, "trigger": "sla_breach", "notify": ["cto"]}, "notify"),
        ({"level": 1, "trigger": "stalled", "notify": ["lead"]}, "trigger"),
    ],
)
def test_a_wrong_level_is_refused_with_the_reason(level, problem):
    with pytest.raises(ValidationError, match=problem):
        Matrix.model_validate({"matrix": [{"levels": [level]}]})


def test_a_level_naming_an_unknown_team_is_refused():
    matrix = Matrix.model_validate(
        {"matrix": [{"levels": [{"level": 2, "trigger": "manual", "action": "functional", "to_team": "nasa"}]}]}
    )
    _, directory = load_config(SAMPLE)
    with pytest.raises(ValueError, match="unknown team 'nasa'"):
        directory.check(matrix)
    Directory().check(matrix)  # no directory: nothing to check against


def test_a_webhook_needs_a_real_secret_outside_development(monkeypatch):
    monkeypatch.setenv("HELPDESK_ESCALATION_WEBHOOK_URL", "https://chat.example/hooks/desk")
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET"):
        EscalationSettings(env="production")
    dev = EscalationSettings(env="development")
    assert dev.webhook_secret is not None and dev.webhook_secret.get_secret_value() == "dev-webhook-secret"
    monkeypatch.setenv("HELPDESK_ESCALATION_WEBHOOK_SECRET", "s3cret-from-the-vault")
    assert EscalationSettings(env="production").webhook_url == "https://chat.example/hooks/desk"


def _doc_blocks() -> dict[str, object]:
    text = (SAMPLE.parents[2] / "docs" / "escalation.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```yaml\n")[1:]]
    found: dict[str, object] = {}
    for block in blocks:
        first = block.splitlines()[0]
        if first.startswith("# ") and first.endswith(".yaml"):
            found[first[2:]] = yaml.safe_load(block)
        elif first.startswith("# teams.yaml"):
            found["teams.yaml"] = yaml.safe_load(block)
    return found


def test_the_documented_it_desk_example_is_valid_and_climbs_as_described():
    from escalation.domain.decide import react
    from helpdesk_events.testing import MON_0900, assigned, breached, opened

    blocks = _doc_blocks()
    matrix = Matrix.model_validate(blocks["escalation.yaml"])
    doc = blocks["teams.yaml"]
    assert isinstance(doc, dict)
    directory = Directory(teams={t["id"]: TeamInfo.model_validate(t) for t in doc["teams"]}, tiers=doc["tiers"])
    directory.check(matrix)
    case = react(matrix, directory, None, opened(category="network")).case
    case = react(matrix, directory, case, assigned("tomas", "service-desk")).case
    first = react(matrix, directory, case, breached("first_response", MON_0900, at=MON_0900))
    [l2] = first.escalations
    assert (l2.to_team, [r.id for r in l2.recipients]) == ("network-ops", ["lucia", "diego"])
    [l3] = react(matrix, directory, first.case, breached("resolution", MON_0900, at=MON_0900)).escalations
    assert (l3.level, l3.from_team, l3.to_team) == (3, "network-ops", "telco-vendor")
