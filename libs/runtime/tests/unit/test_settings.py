from __future__ import annotations

import pytest
from helpdesk_runtime.settings import ServiceSettings

pytestmark = pytest.mark.unit


def test_development_keys_are_refused_outside_development(monkeypatch):
    monkeypatch.setenv("HELPDESK_API_KEYS", '{"dev-admin-key": "admin"}')
    with pytest.raises(ValueError, match="refused outside development"):
        ServiceSettings(env="production")
    assert ServiceSettings(env="development").api_keys == {"dev-admin-key": "admin"}


def test_development_mode_without_keys_gets_the_dev_keys_and_production_gets_none():
    assert set(ServiceSettings(env="development").api_keys) == {
        "dev-adapter-key",
        "dev-agent-key",
        "dev-analyst-key",
        "dev-admin-key",
    }
    assert ServiceSettings(env="production").api_keys == {}


def test_unknown_role_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HELPDESK_API_KEYS", '{"k1": "superuser"}')
    with pytest.raises(ValueError, match="api_keys.k1"):
        ServiceSettings(env="production")


def test_kafka_options_follow_strimzi_scram_over_tls(tmp_path):
    plain = ServiceSettings(env="production").kafka_options()
    assert plain == {"security_protocol": "PLAINTEXT"}
    scram = ServiceSettings(
        env="production",
        kafka_security_protocol="SASL_SSL",
        kafka_username="intake",
        kafka_password="s3cret",
    ).kafka_options()
    assert scram["sasl_mechanism"] == "SCRAM-SHA-512"
    assert scram["sasl_plain_username"] == "intake" and scram["sasl_plain_password"] == "s3cret"
    assert scram["ssl_context"] is not None
