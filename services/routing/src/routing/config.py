"""Routing settings and configuration files (teams.yaml, routing.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from helpdesk_runtime.settings import ServiceSettings
from pydantic import AliasChoices, BaseModel, Field, ValidationError

from .domain.config import Directory, RoutingRules

M = TypeVar("M", bound=BaseModel)


class RoutingSettings(ServiceSettings):
    http_port: int = Field(8082, validation_alias=AliasChoices("HELPDESK_ROUTING_HTTP_PORT"))


def load(path: Path, model: type[M]) -> M:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def load_directory(config_dir: Path) -> Directory:
    return load(config_dir / "teams.yaml", Directory)


def load_rules(config_dir: Path) -> RoutingRules:
    return load(config_dir / "routing.yaml", RoutingRules)
