"""Settings shared by every service (pydantic-settings, env prefix ``HELPDESK_``).

Each service subclasses :class:`ServiceSettings` and adds its own fields; ``bootstrap(settings)`` receives
the instance, nothing reads settings as a global.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Role = Literal["adapter", "agent", "analyst", "admin"]
ROLES: tuple[Role, ...] = ("adapter", "agent", "analyst", "admin")

DEV_API_KEYS: dict[str, Role] = {
    "dev-adapter-key": "adapter",
    "dev-agent-key": "agent",
    "dev-analyst-key": "analyst",
    "dev-admin-key": "admin",
}


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HELPDESK_", extra="ignore")

    env: Literal["development", "test", "production"] = "production"
    kafka_bootstrap: str = "localhost:9092"
    pg_dsn: SecretStr = SecretStr("postgresql://helpdesk:helpdesk@localhost:5432/helpdesk")
    topic_prefix: str = ""
    http_host: str = "127.0.0.1"
    http_port: int = 0
    config_dir: Path = Path("deploy/config/sample")
    api_keys: dict[str, Role] = Field(default_factory=dict)
    api_keys_file: Path | None = None
    log_level: str = "INFO"
    clock_file: Path | None = None
    pg_pool_max: int = 8
    consumer_batch: int = 500
    handler_attempts: int = 3
    max_body_bytes: int = 25 * 1024 * 1024
    # Per API key and per replica (a token bucket in the process): sustained requests a second and the burst
    # above it; over it, 429 with Retry-After. 0 turns the limit off. Health and metrics are never limited.
    rate_limit_per_second: float = Field(default=500.0, ge=0)
    rate_limit_burst: int = Field(default=1000, ge=1)
    # Kafka security, as Strimzi issues it: SASL_SSL with SCRAM-SHA-512 and the cluster CA.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    kafka_username: str | None = None
    kafka_password: SecretStr | None = None
    kafka_ca_file: Path | None = None

    @field_validator("api_keys", mode="before")
    @classmethod
    def _parse_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    @model_validator(mode="after")
    def _load_keys(self) -> ServiceSettings:
        keys = dict(self.api_keys)
        if self.api_keys_file is not None:
            loaded = yaml.safe_load(self.api_keys_file.read_text(encoding="utf-8")) or {}
            keys.update({str(k): v for k, v in loaded.items()})
        if not keys and self.env == "development":
            keys = dict(DEV_API_KEYS)
        for key, role in keys.items():
            if role not in ROLES:
                raise ValueError(f"api key role {role!r} is not one of {', '.join(ROLES)}")
            if self.env != "development" and (key.startswith("dev-") or key in DEV_API_KEYS):
                raise ValueError(
                    "development API keys (dev-*) are refused outside development mode; "
                    "set HELPDESK_ENV=development or configure real keys"
                )
        object.__setattr__(self, "api_keys", keys)
        return self

    def kafka_options(self) -> dict[str, Any]:
        """Client options for aiokafka consumers, producers and admin clients."""
        options: dict[str, Any] = {"security_protocol": self.kafka_security_protocol}
        if self.kafka_security_protocol in ("SSL", "SASL_SSL"):
            from aiokafka.helpers import create_ssl_context

            options["ssl_context"] = create_ssl_context(cafile=str(self.kafka_ca_file) if self.kafka_ca_file else None)
        if self.kafka_security_protocol.startswith("SASL"):
            options["sasl_mechanism"] = self.kafka_sasl_mechanism
            options["sasl_plain_username"] = self.kafka_username
            options["sasl_plain_password"] = self.kafka_password.get_secret_value() if self.kafka_password else None
        return options

    @property
    def dsn(self) -> str:
        return self.pg_dsn.get_secret_value()

    def topic(self, base: str) -> str:
        return f"{self.topic_prefix}{base}"
