"""Escalation settings and configuration (escalation.yaml, plus teams' tiers from teams.yaml/routing.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from helpdesk_runtime.settings import ServiceSettings
from pydantic import AliasChoices, Field, ValidationError

from .domain.matrix import Matrix, TeamInfo


class EscalationSettings(ServiceSettings):
    http_port: int = Field(8084, validation_alias=AliasChoices("HELPDESK_ESCALATION_HTTP_PORT"))


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def load_matrix(config_dir: Path) -> Matrix:
    path = config_dir / "escalation.yaml"
    try:
        return Matrix.model_validate(_yaml(path))
    except ValidationError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def load_teams(config_dir: Path) -> dict[str, TeamInfo]:
    return {t["id"]: TeamInfo.model_validate(t) for t in _yaml(config_dir / "teams.yaml").get("teams", [])}


def load_tiers(config_dir: Path) -> dict[str, dict[str, str]]:
    return dict(_yaml(config_dir / "routing.yaml").get("tiers", {}))
