"""The HTTP side every service shares: /healthz, /readyz, /metrics, and body-size limits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import asyncpg
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Receive, Scope, Send

ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]
log = logging.getLogger("helpdesk.http")

# PostgreSQL is down or restarting: answer 503 with Retry-After instead of a 500 and a traceback.
DatabaseUnavailable: tuple[type[Exception], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.CannotConnectNowError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
    asyncpg.AdminShutdownError,
    asyncpg.TooManyConnectionsError,
)


class BodyLimit:
    """Refuse bodies over ``limit`` bytes with 413 before reading them (Content-Length or streamed)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await _too_large(self.limit, send)
                return
        seen = 0

        async def limited() -> MutableMapping[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _too_large(self.limit, send)


class _TooLarge(Exception):
    pass


async def _too_large(limit: int, send: Send) -> None:
    body = f'{{"detail":"request body larger than {limit} bytes"}}'.encode()
    await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def build_http_app(
    *, title: str, version: str, readiness: ReadinessCheck, max_body_bytes: int, description: str = ""
) -> FastAPI:
    app = FastAPI(title=title, version=version, description=description)

    @app.get("/healthz", tags=["health"], include_in_schema=True)
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    async def readyz() -> Response:
        """Readiness: PostgreSQL answers and the Kafka consumers are running."""
        checks = await readiness()
        ok = all(checks.values())
        return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["health"], response_class=PlainTextResponse)
    async def metrics(request: Request) -> Response:
        """Prometheus metrics."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    async def database_unavailable(request: Request, exc: Exception) -> Response:
        # Nothing was decided or lost: the caller retries (idempotently, by request_id / message_id).
        log.warning("database unavailable", extra={"path": request.url.path, "error": repr(exc)[:300]})
        return JSONResponse(
            {"detail": "the database is unavailable; retry shortly"}, status_code=503, headers={"Retry-After": "2"}
        )

    for exc_type in DatabaseUnavailable:
        app.add_exception_handler(exc_type, database_unavailable)
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    return app


class Server(uvicorn.Server):
    """uvicorn without its own signal handling: the service runner owns shutdown."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
