"""Escalation settings and configuration (escalation.yaml, plus the teams' tiers from teams.yaml/routing.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from helpdesk_runtime.settings import ServiceSettings
from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator

from .domain.matrix import Directory, Matrix, TeamInfo

DEV_WEBHOOK_SECRET = "dev-webhook-secret"  # noqa: S105 - refused outside development


class EscalationSettings(ServiceSettings):
    http_port: int = Field(8084, validation_alias=AliasChoices("HELPDESK_ESCALATION_HTTP_PORT"))
    webhook_url: str | None = Field(None, validation_alias=AliasChoices("HELPDESK_ESCALATION_WEBHOOK_URL"))
    """Where notices are POSTed; none = the log-only notifier."""
    webhook_secret: SecretStr | None = Field(None, validation_alias=AliasChoices("HELPDESK_ESCALATION_WEBHOOK_SECRET"))
    """HMAC-SHA256 key of the ``X-Helpdesk-Signature`` header; required with a webhook outside development."""
    webhook_attempts: int = Field(4, ge=1, validation_alias=AliasChoices("HELPDESK_ESCALATION_WEBHOOK_ATTEMPTS"))
    webhook_backoff_seconds: float = Field(
        0.5, ge=0, validation_alias=AliasChoices("HELPDESK_ESCALATION_WEBHOOK_BACKOFF_SECONDS")
    )
    webhook_timeout_seconds: float = Field(
        5.0, gt=0, validation_alias=AliasChoices("HELPDESK_ESCALATION_WEBHOOK_TIMEOUT_SECONDS")
    )

    @model_validator(mode="after")
    def _webhook_secret(self) -> EscalationSettings:
        if self.webhook_url is None:
            return self
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else None
        if self.env != "development" and (not secret or secret == DEV_WEBHOOK_SECRET):
            raise ValueError("HELPDESK_ESCALATION_WEBHOOK_SECRET must be set to a real secret with a webhook URL")
        if not secret:
            object.__setattr__(self, "webhook_secret", SecretStr(DEV_WEBHOOK_SECRET))
        return self


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def load_matrix(config_dir: Path) -> Matrix:
    path = config_dir / "escalation.yaml"
    try:
        return Matrix.model_validate(_yaml(path))
    except ValidationError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def load_directory(config_dir: Path) -> Directory:
    teams = {t["id"]: TeamInfo.model_validate(t) for t in _yaml(config_dir / "teams.yaml").get("teams", [])}
    return Directory(teams=teams, tiers=dict(_yaml(config_dir / "routing.yaml").get("tiers", {})))


def load_config(config_dir: Path) -> tuple[Matrix, Directory]:
    matrix, directory = load_matrix(config_dir), load_directory(config_dir)
    directory.check(matrix)
    return matrix, directory
