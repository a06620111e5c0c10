"""Projections settings."""

from __future__ import annotations

from helpdesk_runtime.settings import ServiceSettings
from pydantic import AliasChoices, Field


class ProjectionsSettings(ServiceSettings):
    http_port: int = Field(8080, validation_alias=AliasChoices("HELPDESK_PROJECTIONS_HTTP_PORT"))
