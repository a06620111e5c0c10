"""Every HTTP route of every service, except health and docs, refuses a missing key (401) and the wrong
role (403). Routes are enumerated from the apps themselves, so a new route cannot skip authentication."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import httpx
import pytest
from helpdesk_runtime.service import Runner

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["intake", "routing", "sla", "escalation", "projections"]
PUBLIC = {"/healthz", "/readyz", "/metrics"}
KEYS = {
    "adapter": "dev-adapter-key",
    "agent": "dev-agent-key",
    "analyst": "dev-analyst-key",
    "admin": "dev-admin-key",
}


def build(service: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HELPDESK_ENV", "development")
    monkeypatch.setenv("HELPDESK_CONFIG_DIR", str(ROOT / "deploy" / "config" / "sample"))
    bootstrap = importlib.import_module(f"{service}.bootstrap").bootstrap
    config = importlib.import_module(f"{service}.config")
    settings_cls = next(v for k, v in vars(config).items() if k.endswith("Settings") and k != "ServiceSettings")
    return Runner(bootstrap(settings_cls())).build_app()


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


@pytest.mark.parametrize("service", SERVICES)
async def test_every_route_needs_a_key_and_the_right_role(service, monkeypatch):
    app = build(service, monkeypatch)
    operations = [
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        if path not in PUBLIC
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    checked = 0
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for method, path in operations:
            url = concrete(path)
            anonymous = await client.request(method, url, json={})
            assert anonymous.status_code == 401, f"{service} {method} {path} without a key: {anonymous.status_code}"
            bogus = await client.request(method, url, json={}, headers={"Authorization": "Bearer not-a-key"})
            assert bogus.status_code == 401, f"{service} {method} {path} with an unknown key"
            statuses = {}
            for role, key in KEYS.items():
                resp = await client.request(method, url, json={}, headers={"Authorization": f"Bearer {key}"})
                statuses[role] = resp.status_code
            assert statuses["admin"] not in (401, 403), f"{service} {method} {path}: admin refused"
            assert 403 in statuses.values(), f"{service} {method} {path} lets every role in: {statuses}"
            checked += 1
    if service in ("intake", "projections"):
        assert checked >= 1, f"{service} should expose its API ({checked} operations found)"


def test_health_endpoints_need_no_key(monkeypatch):
    app = build("intake", monkeypatch)
    assert set(app.openapi()["paths"]) >= PUBLIC
