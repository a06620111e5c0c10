"""The HTTP side every service shares: /healthz, /readyz, /metrics, body-size limits, and the error answers
every OpenAPI document declares (:func:`document_errors`)."""

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
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]
log = logging.getLogger("helpdesk.http")
HEALTH_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class Problem(BaseModel):
    """Every error answer: ``{"detail": ...}``, a sentence, or an object with the sentence and its context
    (e.g. ``{"detail": "...", "current_version": 4}`` on a version conflict)."""

    detail: str | dict[str, Any] | list[Any]


_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}}
_PROBLEMS: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("the body cannot be parsed (not UTF-8, not JSON)", {}),
    401: ("no API key, or an unknown one", {}),
    403: ("the key's role may not do this", {}),
    404: ("not found", {}),
    409: ("conflict with the current state (e.g. `expected_version`)", {}),
    413: ("request body over the limit", {}),
    415: ("unsupported content type", {}),
    429: ("over the API key's rate limit", _RETRY_AFTER),
    503: ("the database is unavailable; retry", _RETRY_AFTER),
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the error answers it can give besides the common ones."""
    return {code: {"model": Problem, "description": _PROBLEMS[code][0]} for code in codes}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare in an OpenAPI document the errors every operation shares, so that a client (or schemathesis)
    finds every answer the service gives documented: 401/403/429 where a key is needed, 413 where there is
    a body, 503 when PostgreSQL is away, and 422 as either FastAPI's validation list or a service's reason."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}"))
    problem = {"$ref": "#/components/schemas/Problem"}

    def add(responses: dict[str, Any], code: int) -> None:
        description, headers = _PROBLEMS[code]
        entry = responses.setdefault(str(code), {"description": description})
        entry.setdefault("content", {"application/json": {"schema": problem}})
        if headers:
            entry.setdefault("headers", headers)

    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if operation.get("security"):
                for code in (401, 403, 429):
                    add(responses, code)
            if "requestBody" in operation:
                add(responses, 400)
                add(responses, 413)
            if path not in HEALTH_PATHS:
                add(responses, 503)
            invalid = responses.get("422", {}).get("content", {}).get("application/json", {})
            if "schema" in invalid and invalid["schema"] != problem and "anyOf" not in invalid["schema"]:
                invalid["schema"] = {"anyOf": [invalid["schema"], problem]}
    return schema


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


# Text PostgreSQL cannot hold: a NUL character (text columns, and \u0000 in jsonb) or an unpaired surrogate
# (not encodable as UTF-8). It is the caller's input, so the answer is 422, not a 500 and a traceback.
UnstorableText: tuple[type[Exception], ...] = (
    asyncpg.CharacterNotInRepertoireError,
    asyncpg.UntranslatableCharacterError,
    UnicodeEncodeError,
)
UNSTORABLE = "text with a NUL character or an unpaired surrogate cannot be stored or searched"


def unstorable_text(value: Any, where: str = "body") -> str | None:
    """Where in ``value`` (strings, dicts, lists, models' dumps) the first text PostgreSQL cannot hold is."""
    if isinstance(value, str):
        if "\x00" in value:
            return where
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = unstorable_text(key, where) or unstorable_text(item, f"{where}.{key}")
            if found:
                return found
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = unstorable_text(item, f"{where}[{i}]")
            if found:
                return found
    return None


class BodyLimit:
    """Refuse bodies over ``limit`` bytes with 413: a declared Content-Length before reading anything, a
    streamed (chunked) body as soon as what arrived passes the limit.

    A streamed body is read here, up to the limit, and handed on whole: FastAPI turns any error raised while
    it reads a body into a 400, so the limit cannot be enforced from inside its reading (and a route that
    never reads the body, or a 404, would not enforce it at all). FastAPI holds a JSON body in memory anyway.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None or b"transfer-encoding" not in headers:
            # The server delivers no more than the declared length (and no body without either header).
            if declared is not None and declared.isdigit() and int(declared) > self.limit:
                await _too_large(self.limit, send)
                return
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before the body was complete
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await _too_large(self.limit, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole: MutableMapping[str, Any] | None = {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        async def replay() -> MutableMapping[str, Any]:
            nonlocal whole
            if whole is not None:
                message, whole = whole, None
                return message
            return await receive()

        await self.app(scope, replay, send)


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

    async def unstorable(request: Request, exc: Exception) -> Response:
        return JSONResponse({"detail": UNSTORABLE}, status_code=422)

    for exc_type in DatabaseUnavailable:
        app.add_exception_handler(exc_type, database_unavailable)
    for exc_type in UnstorableText:
        app.add_exception_handler(exc_type, unstorable)
    app.add_middleware(BodyLimit, limit=max_body_bytes)

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


class Server(uvicorn.Server):
    """uvicorn without its own signal handling: the service runner owns shutdown."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
