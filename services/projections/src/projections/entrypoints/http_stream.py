"""GET /v1/stream: server-sent events of read-model changes, for live dashboards.

The consumers ``NOTIFY`` every change at commit; a shared ``LISTEN`` connection (:class:`ChangeFeed`) fans
the payloads out to the clients as ``event: ticket`` (or ``agent``/``team``) with the JSON payload, plus a
comment line every 15 s to keep proxies from closing the stream.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from helpdesk_runtime.service import Context

from ..adapters.feed import CLOSED, ChangeFeed

HEARTBEAT_SECONDS = 15.0


def stream_router(ctx: Context) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["live"], dependencies=[Depends(ctx.auth.require("analyst", "agent"))])
    feed = ChangeFeed(ctx.settings.dsn)

    @router.get(
        "/stream",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": "server-sent events"}},
    )
    async def stream(
        request: Request,
        tenant: Annotated[str | None, Query(description="only this tenant's ticket changes")] = None,
    ) -> StreamingResponse:
        """Read-model changes as they commit: ``event: ticket`` with the ticket id, folio, status, team,
        assignee, version and the event that changed it; ``event: agent`` / ``team`` for the directory."""
        ctx.pool  # noqa: B018 - refuse (500) before streaming when the service is not started
        queue = await feed.subscribe()

        async def events() -> AsyncIterator[str]:
            try:
                yield ": connected\n\n"
                quiet_since = time.monotonic()
                while not await request.is_disconnected():
                    try:
                        payload = await asyncio.wait_for(queue.get(), 1.0)
                    except TimeoutError:
                        if time.monotonic() - quiet_since >= HEARTBEAT_SECONDS:
                            quiet_since = time.monotonic()
                            yield ": keep-alive\n\n"
                        continue
                    if payload == CLOSED:
                        return
                    change = json.loads(payload)
                    if tenant is not None and change.get("tenant", tenant) != tenant:
                        continue
                    quiet_since = time.monotonic()
                    yield f"event: {change.get('kind', 'change')}\ndata: {payload}\n\n"
            finally:
                await feed.unsubscribe(queue)

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

    return router
