"""GET /v1/stream: server-sent events of read-model changes as they commit."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

import pytest
from helpdesk_events import testing as b

pytestmark = pytest.mark.integration


async def next_change(lines, predicate) -> dict:
    event = None
    async for line in lines:
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: "):
            change = json.loads(line.removeprefix("data: "))
            if predicate(event, change):
                return change
    raise AssertionError("stream ended")


async def test_changes_are_pushed_to_subscribers(projections):
    tid = f"live-{uuid.uuid4().hex[:8]}"
    folio = f"HD-2026-{uuid.uuid4().int % 10**6:06d}"
    at = datetime(2026, 8, 3, 9, tzinfo=UTC)
    async with projections.http.stream("GET", "/v1/stream") as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        lines = resp.aiter_lines()
        assert await asyncio.wait_for(lines.__anext__(), 5) == ": connected"
        await projections.publish(
            b.opened(at=at, ticket=tid, folio=folio), b.assigned("lucia", "service-desk", at=at, ticket=tid)
        )
        opened = await asyncio.wait_for(next_change(lines, lambda e, c: c.get("ticket_id") == tid), 20)
        assert (opened["folio"], opened["event"], opened["status"]) == (folio, "TicketOpened", "new")
        assigned = await asyncio.wait_for(next_change(lines, lambda e, c: c.get("ticket_id") == tid), 20)
        assert (assigned["assignee"], assigned["version"]) == ("lucia", 2)
        await projections.publish(b.presence("lucia", "away", at=at))
        agent = await asyncio.wait_for(next_change(lines, lambda e, c: e == "agent"), 20)
        assert agent["id"] == "lucia"


async def test_the_stream_needs_a_reader_key(projections):
    resp = await projections.http.get("/v1/stream", headers={"Authorization": "Bearer dev-adapter-key"})
    assert resp.status_code == 403
