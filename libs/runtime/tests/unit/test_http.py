from __future__ import annotations

import asyncpg
import httpx
import pytest
from helpdesk_runtime.http import build_http_app

pytestmark = pytest.mark.unit


async def test_a_database_outage_answers_503_with_retry_after_not_500():
    async def ready() -> dict[str, bool]:
        return {}

    app = build_http_app(title="t", version="0", readiness=ready, max_body_bytes=1000)

    @app.get("/boom")
    async def boom() -> None:
        raise asyncpg.CannotConnectNowError("the database system is starting up")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        resp = await client.get("/boom")
    assert resp.status_code == 503 and resp.headers["retry-after"] == "2"
    assert "retry" in resp.json()["detail"]
