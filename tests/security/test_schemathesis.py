"""schemathesis against the intake and projections OpenAPI documents, served by the running processes
(real Kafka and PostgreSQL): every operation, with a key of the role it needs, with valid (positive) and
invalid (negative) requests; no 5xx, and every answer is one the document declares (status code, content
type, body schema).

Operations on one ticket or message are fuzzed twice: with generated references (mostly unknown: 404) and
with the reference of a real ticket, so the commands' and queries' own code runs on generated input.

The operations are driven through schemathesis' own strategies (``operation.as_strategy``) rather than its
pytest plugin, whose lazy-schema loader does not run on pytest 9; every operation is tried and all failures
are reported together.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
import schemathesis
from helpdesk_testing import eventually
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 40
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases every run: a failure here is reproducible, not a flake
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
    report_multiple_bugs=False,
)
# /v1/stream is a server-sent event stream that only ends when the client leaves: an answer without an end
# cannot be validated (tests/e2e/test_projections_e2e.py reads it).
SKIP = {("projections", "GET", "/v1/stream")}
# Raw emails (POST /v1/inbound/email) are fuzzed as arbitrary bytes.
schemathesis.serializer.alias("message/rfc822", "application/octet-stream")


def role_for(service: str, path: str) -> str:
    """The role each operation is for: adapters post messages and surveys, agents command, analysts read."""
    if service == "projections":
        return "analyst"
    return "adapter" if path.startswith("/v1/inbound") or path.endswith("/satisfaction") else "agent"


@pytest.fixture(scope="module")
async def known(secure) -> dict[str, str]:
    """A real ticket (opened from an inbound message, visible in projections): its folio and message id."""
    mid = f"schemathesis-{uuid.uuid4().hex[:8]}"
    message = {
        "message_id": mid,
        "channel": "web",
        "received_at": "2026-11-23T10:00:00+01:00",
        "sender": {"email": "fuzz@cliente.example", "name": "Fuzz"},
        "subject": "La impresora no imprime",
        "body": "Desde esta mañana la impresora de la planta 2 no imprime.",
    }
    async with httpx.AsyncClient(timeout=10) as client:
        resp = await client.post(f"{secure.url('intake')}/v1/inbound", json=message, headers=secure.auth("adapter"))
        assert resp.status_code == 202, resp.text

        async def opened() -> str | None:
            r = await client.get(f"{secure.url('intake')}/v1/inbound/{mid}", headers=secure.auth("adapter"))
            return r.json().get("folio") if r.status_code == 200 else None

        folio = await eventually(opened, timeout=20, what="the ticket opened")

        async def visible() -> bool:
            r = await client.get(f"{secure.url('projections')}/v1/tickets/{folio}", headers=secure.auth("analyst"))
            return r.status_code == 200

        await eventually(visible, timeout=20, what="the ticket in projections")
    return {"ticket": folio, "message_id": mid}


def fuzz(strategy: Any, headers: dict[str, str], calls: list[int]) -> Any:
    """A hypothesis test sending the strategy's cases with ``headers`` and running the checks on each."""

    @given(case=strategy)
    @SETTINGS
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)
        calls.append(1)

    return check


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("service", ["intake", "projections"])
def test_api_conforms_to_its_openapi_document(service, mode, secure, known):
    schema = schemathesis.openapi.from_url(f"{secure.url(service)}/openapi.json")
    failures: list[str] = []
    calls: list[int] = []
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (service, operation.method.upper(), operation.path) in SKIP:
            continue
        headers = secure.auth(role_for(service, operation.path))
        names = {p.name for p in operation.path_parameters}
        passes: list[dict[str, Any] | None] = [None]
        if names and names <= set(known):
            passes.append({name: known[name] for name in names})
        for fixed in passes:
            check = fuzz(operation.as_strategy(generation_mode=mode, path_parameters=fixed), headers, calls)
            tried += 1
            try:
                check()
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE, operation.label  # nothing to get wrong: no input at all
            except (Exception, BaseExceptionGroup) as exc:  # every operation is tried; failures are reported together
                where = f" with {fixed}" if fixed else ""
                failures.append(f"--- {operation.label}{where}\n{exc}")
    assert tried >= 8, f"{service}: only {tried} operations tried"
    assert not failures, "\n".join(failures)
    assert len(calls) >= tried * 3, f"{service}: only {len(calls)} requests for {tried} operations"
