"""Projections settings."""

from __future__ import annotations

from helpdesk_runtime.settings import ServiceSettings
from pydantic import AliasChoices, Field


class ProjectionsSettings(ServiceSettings):
    http_port: int = Field(8080, validation_alias=AliasChoices("HELPDESK_PROJECTIONS_HTTP_PORT"))
    consumer_batch: int = 2000
    """Records per poll (``HELPDESK_CONSUMER_BATCH``): larger than the other services' default, since the
    projection writes a whole poll set-based; catching up (a fresh database, a rebuild) is faster."""
