"""Intake settings and its slice of the configuration (classification rules)."""

from __future__ import annotations

from pathlib import Path

import yaml
from helpdesk_runtime.settings import ServiceSettings
from pydantic import AliasChoices, Field

from .domain.classify import IntakeRules


class IntakeSettings(ServiceSettings):
    http_port: int = Field(8081, validation_alias=AliasChoices("HELPDESK_INTAKE_HTTP_PORT"))
    folio_prefix: str = "HD"
    reply_domain: str = "helpdesk.invalid"
    """Domain of the Message-IDs given to agent replies (``reply-<uuid>@<domain>``), so answers thread back."""


def load_rules(config_dir: Path) -> IntakeRules:
    path = config_dir / "intake.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        return IntakeRules.model_validate(raw)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc
