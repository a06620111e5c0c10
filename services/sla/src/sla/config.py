"""SLA settings and configuration files (calendars.yaml, sla.yaml)."""

from __future__ import annotations

from pathlib import Path

import yaml
from helpdesk_runtime.settings import ServiceSettings
from pydantic import AliasChoices, Field, ValidationError

from .domain.calendar import BusinessCalendar
from .domain.calendar_config import load_calendars
from .domain.policy import SlaPolicies


class SlaSettings(ServiceSettings):
    http_port: int = Field(8083, validation_alias=AliasChoices("HELPDESK_SLA_HTTP_PORT"))


def load_policies(config_dir: Path) -> SlaPolicies:
    path = config_dir / "sla.yaml"
    try:
        return SlaPolicies.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except ValidationError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def load_calendar_set(config_dir: Path) -> tuple[str, dict[str, BusinessCalendar]]:
    loaded = load_calendars(config_dir / "calendars.yaml")
    return loaded.version, {
        name: BusinessCalendar(spec, name=name, version=loaded.version) for name, spec in loaded.calendars.items()
    }
