"""SLA on the real stack: the policy chosen and applied, pause and resume, warning then breach at the right
instants (driven by the injected clock), met targets, re-targeting, and a timer that survives a kill -9."""

from __future__ import annotations

import signal
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
from helpdesk_events import TicketEvent, decode_ticket_event
from helpdesk_testing import eventually, jsonb, read_topic
from sla.domain.calendar import BusinessCalendar
from sla.domain.calendar_config import load_calendars

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

AGENT = {"Authorization": "Bearer dev-agent-key"}
ADAPTER = {"Authorization": "Bearer dev-adapter-key"}
SAMPLE_CALENDARS = Path(__file__).resolve().parents[2] / "deploy" / "config" / "sample" / "calendars.yaml"

POLICIES = """
version: "e2e-sla-1"
pause_statuses: [pending]
policies:
  - id: urgent
    match: {priority: [P1]}
    calendar: always
    targets: {first_response: 5, next_response: 10, resolution: 60}
    warnings: [0.5]
  - id: api-desk
    match: {channel: [api]}
    calendar: always
    targets: {first_response: 10, next_response: 20, resolution: 120}
    warnings: [0.5, 0.8]
  - id: standard
    match: {}
    calendar: madrid-office
    targets: {first_response: 240, next_response: 480, resolution: 2400}
    warnings: [0.75, 0.9]
"""


class Clock:
    """Moves every service's clock forward to a given instant (never back)."""

    def __init__(self, stack) -> None:
        self.stack = stack
        self.offset = 0.0

    def move_to(self, instant: datetime) -> None:
        self.offset = max(self.offset, (instant - datetime.now(UTC)).total_seconds())
        self.stack.shift_clock(self.offset)


@pytest.fixture(scope="module")
async def sla(stack):
    """The stack with this module's policy set: a config reload is a restart of the sla service."""
    (stack.log_dir / "config" / "sla.yaml").write_text(POLICIES)
    stack.kill("sla", signal.SIGTERM)
    stack.start("sla")
    await stack.ready("sla")
    return stack


@pytest.fixture(scope="module")
def clock(sla) -> Clock:
    return Clock(sla)


async def ticket_events(stack, ticket_id: str) -> list[TicketEvent]:
    records = await read_topic(stack.bootstrap, f"{stack.prefix}helpdesk.tickets", timeout=20)
    events = [decode_ticket_event(r.value) for r in records if r.key == ticket_id.encode()]
    return sorted(events, key=lambda e: e.occurred_at)


def waiter(stack, ticket_id: str):
    async def first(kind: str, count: int = 1, timeout: float = 20, **data: object) -> list:
        async def probe() -> list | None:
            found = [
                e
                for e in await ticket_events(stack, ticket_id)
                if e.type == kind and all(getattr(e.data, k) == v for k, v in data.items())
            ]
            return found if len(found) >= count else None

        return await eventually(probe, timeout=timeout, interval=0.3, what=f"{kind} {data} for {ticket_id}")

    return first


async def open_api_ticket(stack, priority: str = "P3") -> str:
    async with httpx.AsyncClient(timeout=10) as client:
        resp = await client.post(
            f"{stack.url('intake')}/v1/tickets",
            json={
                "subject": "El portátil no arranca",
                "body": "Se queda en negro al encender.",
                "customer": {"email": f"c{uuid.uuid4().hex[:6]}@example.com", "name": "Carmen"},
                "priority": priority,
                "request_id": str(uuid.uuid4()),
            },
            headers=AGENT,
        )
        assert resp.status_code == 201, resp.text
        return str(resp.json()["ticket_id"])


async def command(stack, ticket_id: str, what: str, body: dict) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        resp = await client.post(f"{stack.url('intake')}/v1/tickets/{ticket_id}/{what}", json=body, headers=AGENT)
        assert resp.status_code == 201, resp.text


async def test_the_first_matching_policy_is_applied_with_its_due_times(sla):
    p3 = await open_api_ticket(sla, "P3")
    p1 = await open_api_ticket(sla, "P1")
    [applied] = await waiter(sla, p3)("SlaPolicyApplied")
    opened = next(e for e in await ticket_events(sla, p3) if e.type == "TicketOpened")
    assert (applied.data.policy_id, applied.data.policy_version, applied.data.calendar) == (
        "api-desk",
        "e2e-sla-1",
        "always",
    )
    assert applied.data.reason == "opened"
    dues = {t.name: t.due_at for t in applied.data.targets}
    assert dues == {
        "first_response": opened.occurred_at + timedelta(minutes=10),
        "next_response": None,
        "resolution": opened.occurred_at + timedelta(minutes=120),
    }
    [urgent] = await waiter(sla, p1)("SlaPolicyApplied")
    assert urgent.data.policy_id == "urgent"

    # A web message matches neither priority P1 nor channel api: the catch-all, on Madrid office hours.
    mid = f"web-{uuid.uuid4()}"
    async with httpx.AsyncClient(timeout=10) as client:
        resp = await client.post(
            f"{sla.url('intake')}/v1/inbound",
            json={
                "message_id": mid,
                "channel": "web",
                "received_at": datetime.now(UTC).isoformat(),
                "sender": {"email": "luis@example.com", "name": "Luis"},
                "subject": "Alta de usuario",
                "body": "Necesito acceso al ERP para una persona nueva.",
            },
            headers=ADAPTER,
        )
        assert resp.status_code == 202

        async def outcome() -> dict | None:
            r = await client.get(f"{sla.url('intake')}/v1/inbound/{mid}", headers=ADAPTER)
            return r.json() if r.status_code == 200 and r.json()["status"] == "opened" else None

        web = (await eventually(outcome, timeout=20, what="web ticket opened"))["ticket_id"]
    [standard] = await waiter(sla, web)("SlaPolicyApplied")
    web_opened = next(e for e in await ticket_events(sla, web) if e.type == "TicketOpened")
    office = BusinessCalendar.from_file(load_calendars(SAMPLE_CALENDARS), "madrid-office")
    assert standard.data.policy_id == "standard"
    assert standard.data.calendar_version == "2026-11-01"
    first = next(t for t in standard.data.targets if t.name == "first_response")
    assert first.due_at == office.due(web_opened.occurred_at, 240)


async def test_warnings_then_breach_fire_at_their_instants_and_carry_the_versions(sla, clock):
    ticket = await open_api_ticket(sla)
    wait = waiter(sla, ticket)
    await wait("SlaPolicyApplied")
    opened = next(e for e in await ticket_events(sla, ticket) if e.type == "TicketOpened").occurred_at

    clock.move_to(opened + timedelta(minutes=5, seconds=1))
    [half] = await wait("SlaWarning", target="first_response", threshold=0.5)
    assert half.occurred_at == opened + timedelta(minutes=5)
    assert half.data.due_at == opened + timedelta(minutes=10)
    assert [e.type for e in await ticket_events(sla, ticket)].count("SlaBreached") == 0

    clock.move_to(opened + timedelta(minutes=10, seconds=1))
    [breach] = await wait("SlaBreached", target="first_response")
    assert breach.occurred_at == breach.data.due_at == opened + timedelta(minutes=10)
    assert (breach.data.policy_id, breach.data.policy_version, breach.data.calendar_version) == (
        "api-desk",
        "e2e-sla-1",
        "2026-11-01",
    )
    warnings = [
        e for e in await ticket_events(sla, ticket) if e.type == "SlaWarning" and e.data.target == "first_response"
    ]
    assert sorted(w.data.threshold for w in warnings) == [0.5, 0.8]
    assert all(w.occurred_at < breach.occurred_at for w in warnings)


async def test_pending_pauses_the_clocks_and_the_resume_moves_the_due_times_by_the_paused_span(sla, clock):
    ticket = await open_api_ticket(sla)
    wait = waiter(sla, ticket)
    await wait("SlaPolicyApplied")
    await command(sla, ticket, "status", {"status": "pending", "reason": "waiting for the serial number"})
    [paused] = await wait("SlaClockPaused")
    assert paused.data.status == "pending"
    opened = next(e for e in await ticket_events(sla, ticket) if e.type == "TicketOpened").occurred_at

    async def armed() -> int:
        conn = await asyncpg.connect(sla.dsn)
        try:
            return int(await conn.fetchval("SELECT count(*) FROM sla.timers WHERE entity_id = $1", ticket))
        finally:
            await conn.close()

    assert await eventually(lambda: _is(armed, 0), timeout=10, what="no timers while paused")
    clock.move_to(opened + timedelta(minutes=30))  # past the first-response due time had it kept running
    await command(sla, ticket, "status", {"status": "open"})
    [resumed] = await wait("SlaClockResumed")
    span = resumed.occurred_at - paused.occurred_at
    assert span >= timedelta(minutes=29)
    dues = {t.name: t.due_at for t in resumed.data.targets}
    assert dues["first_response"] == opened + timedelta(minutes=10) + span
    assert dues["resolution"] == opened + timedelta(minutes=120) + span
    assert "SlaBreached" not in [e.type for e in await ticket_events(sla, ticket)]

    await command(sla, ticket, "replies", {"body": "¿Nos pasa el número de serie?"})
    [met] = await wait("SlaTargetMet", target="first_response")
    reply = next(e for e in await ticket_events(sla, ticket) if e.type == "AgentReplied")
    assert met.data.within_target is True
    used = (reply.occurred_at - opened - span).total_seconds() / 60
    assert met.data.business_minutes_used == pytest.approx(used, abs=1e-3)
    assert met.data.policy_version == "e2e-sla-1"

    await command(sla, ticket, "status", {"status": "resolved", "resolution": "Cambiada la batería."})
    [solved] = await wait("SlaTargetMet", target="resolution")
    assert solved.data.within_target is True
    assert await eventually(lambda: _is(armed, 0), timeout=10, what="no timers once resolved")


async def test_a_priority_change_retargets_from_the_original_start(sla):
    ticket = await open_api_ticket(sla, "P3")
    wait = waiter(sla, ticket)
    await wait("SlaPolicyApplied")
    await command(sla, ticket, "priority", {"priority": "P1", "reason": "whole floor affected"})
    [retarget] = await wait("SlaPolicyApplied", reason="priority P3 -> P1")
    opened = next(e for e in await ticket_events(sla, ticket) if e.type == "TicketOpened").occurred_at
    assert (retarget.data.policy_id, retarget.data.policy_version) == ("urgent", "e2e-sla-1")
    dues = {t.name: t.due_at for t in retarget.data.targets}
    assert dues["first_response"] == opened + timedelta(minutes=5)
    assert dues["resolution"] == opened + timedelta(minutes=60)


async def inbound_api(stack, thread: str, body: str) -> str:
    mid = f"api-{uuid.uuid4()}"
    async with httpx.AsyncClient(timeout=10) as client:
        resp = await client.post(
            f"{stack.url('intake')}/v1/inbound",
            json={
                "message_id": mid,
                "channel": "api",
                "received_at": datetime.now(UTC).isoformat(),
                "sender": {"email": "marta@example.com", "name": "Marta"},
                "subject": "Pantalla rota",
                "body": body,
                "thread_ref": thread,
            },
            headers=ADAPTER,
        )
        assert resp.status_code == 202, resp.text

        async def outcome() -> dict | None:
            r = await client.get(f"{stack.url('intake')}/v1/inbound/{mid}", headers=ADAPTER)
            return r.json() if r.status_code == 200 and r.json()["status"] != "pending" else None

        done = await eventually(outcome, timeout=20, what=f"outcome of {mid}")
        return str(done["ticket_id"])


async def test_next_response_cycles_and_a_reopen_restarts_resolution(sla):
    thread = f"conv-{uuid.uuid4().hex[:8]}"
    ticket = await inbound_api(sla, thread, "La pantalla del portátil parpadea.")
    wait = waiter(sla, ticket)
    await wait("SlaPolicyApplied", policy_id="api-desk")
    await command(sla, ticket, "replies", {"body": "¿Desde cuándo?"})
    await wait("SlaTargetMet", target="first_response")

    assert await inbound_api(sla, thread, "Desde ayer.") == ticket
    [cycle] = await wait("SlaClockResumed", reason="customer_message")
    message = [e for e in await ticket_events(sla, ticket) if e.type == "CustomerMessageReceived"][0]
    assert [(t.name, t.due_at) for t in cycle.data.targets] == [
        ("next_response", message.occurred_at + timedelta(minutes=20))
    ]
    await command(sla, ticket, "replies", {"body": "Le enviamos un técnico."})
    [answered] = await wait("SlaTargetMet", target="next_response")
    assert answered.data.within_target is True

    await command(sla, ticket, "status", {"status": "resolved", "resolution": "Cambiado el cable de la pantalla."})
    await wait("SlaTargetMet", target="resolution")
    assert await inbound_api(sla, thread, "Vuelve a parpadear.") == ticket  # a customer reply reopens it
    [reopened] = await wait("SlaClockResumed", reason="reopened")
    reopen = [e for e in await ticket_events(sla, ticket) if e.type == "TicketStatusChanged"][-1]
    assert reopen.data.to_status == "open"
    dues = {t.name: t.due_at for t in reopened.data.targets}
    assert dues["resolution"] == reopen.occurred_at + timedelta(minutes=120)  # a new cycle, full target
    assert dues["next_response"] == reopen.occurred_at + timedelta(minutes=20)
    await command(sla, ticket, "status", {"status": "resolved", "resolution": "Sustituida la pantalla."})
    cycles = await wait("SlaTargetMet", count=2, target="resolution")
    assert [c.data.within_target for c in cycles] == [True, True]


async def test_a_timer_due_while_the_sla_process_is_dead_fires_exactly_once_after_restart(sla, clock):
    ticket = await open_api_ticket(sla)
    wait = waiter(sla, ticket)
    await wait("SlaPolicyApplied")
    opened = next(e for e in await ticket_events(sla, ticket) if e.type == "TicketOpened").occurred_at

    sla.kill("sla", signal.SIGKILL)
    clock.move_to(opened + timedelta(minutes=10, seconds=2))  # the breach is due while nobody runs timers
    sla.start("sla")
    await sla.ready("sla")
    [breach] = await wait("SlaBreached", target="first_response", timeout=30)
    assert breach.occurred_at == opened + timedelta(minutes=10)

    async def settled() -> bool:
        conn = await asyncpg.connect(sla.dsn)
        try:
            timers = await conn.fetchval(
                "SELECT count(*) FROM sla.timers WHERE timer_key = $1", f"sla:{ticket}:first_response:breach"
            )
            outbox = await conn.fetchval("SELECT count(*) FROM sla.outbox")
            return timers == 0 and outbox == 0
        finally:
            await conn.close()

    assert await eventually(settled, timeout=20, what="timer gone and outbox drained")
    breaches = [
        e for e in await ticket_events(sla, ticket) if e.type == "SlaBreached" and e.data.target == "first_response"
    ]
    assert len(breaches) == 1


async def _is(probe, value) -> bool:
    return await probe() == value


async def test_a_new_policy_version_applies_to_new_tickets_while_open_ones_keep_theirs(sla):
    old = await open_api_ticket(sla, "P3")
    await waiter(sla, old)("SlaPolicyApplied")
    (sla.log_dir / "config" / "sla.yaml").write_text(
        POLICIES.replace("e2e-sla-1", "e2e-sla-2")
        .replace("first_response: 5, next_response: 10, resolution: 60", "first_response: 7, resolution: 90")
        .replace("first_response: 10, next_response: 20, resolution: 120", "first_response: 12, resolution: 150")
    )
    sla.kill("sla", signal.SIGTERM)
    sla.start("sla")
    await sla.ready("sla")

    new = await open_api_ticket(sla, "P3")
    [applied] = await waiter(sla, new)("SlaPolicyApplied")
    assert (applied.data.policy_id, applied.data.policy_version) == ("api-desk", "e2e-sla-2")
    assert {t.name: t.minutes for t in applied.data.targets} == {"first_response": 12, "resolution": 150}

    await command(sla, old, "priority", {"priority": "P1"})
    [retarget] = await waiter(sla, old)("SlaPolicyApplied", reason="priority P3 -> P1")
    assert (retarget.data.policy_id, retarget.data.policy_version) == ("urgent", "e2e-sla-1")
    assert {t.name: t.minutes for t in retarget.data.targets} == {
        "first_response": 5,
        "next_response": 10,
        "resolution": 60,
    }


async def _sla_state(dsn: str) -> tuple[dict[str, object], dict[str, tuple[object, ...]]]:
    conn = await asyncpg.connect(dsn)
    try:
        tickets = {r["ticket_id"]: r["state"] for r in await conn.fetch("SELECT ticket_id, state FROM sla.sla_tickets")}
        timers = {
            r["timer_key"]: (r["due_at"], r["kind"], r["entity_id"], r["payload"])
            for r in await conn.fetch("SELECT timer_key, due_at, kind, entity_id, payload FROM sla.timers")
        }
        return tickets, timers
    finally:
        await conn.close()


async def test_replay_rebuilds_the_same_clocks_and_timers_from_the_log_and_the_service_goes_on(sla, clock):
    """`helpdesk replay sla` on the history of this module (warnings, breaches, pauses, met targets, two
    policy versions): the replayed schema equals the live one; a tampered live row is reported; after
    --switch the service carries on from the replayed state, firing a pending breach exactly once."""
    ticket = await open_api_ticket(sla, "P2")
    wait = waiter(sla, ticket)
    [applied] = await wait("SlaPolicyApplied")
    first_due = next(t.due_at for t in applied.data.targets if t.name == "first_response")

    assert await eventually(lambda: sla.outbox_empty("sla"), timeout=20, what="sla outbox drained")
    sla.kill("sla", signal.SIGTERM)
    tickets, timers = await _sla_state(sla.dsn)
    phases = {c["phase"] for s in tickets.values() for c in jsonb(s).get("targets", {}).values()}
    warned = any(c["warned"] for s in tickets.values() for c in jsonb(s).get("targets", {}).values())
    assert len(tickets) >= 10 and timers, "the module's history should have left clocks and armed timers"
    assert {"breached", "met"} <= phases and warned, f"a history with breaches, met targets and warnings: {phases}"

    key = f"sla:{ticket}:first_response:breach"
    conn = await asyncpg.connect(sla.dsn)
    try:
        await conn.execute("UPDATE sla.timers SET due_at = due_at + interval '1 hour' WHERE timer_key = $1", key)
        tampered = sla.replay("sla")
        assert tampered.returncode == 3, tampered.stderr
        assert "timers: DIFFERENT: " in tampered.stderr and f"different: {key}" in tampered.stderr
        assert "sla_tickets: same" in tampered.stderr
        await conn.execute("UPDATE sla.timers SET due_at = due_at - interval '1 hour' WHERE timer_key = $1", key)
    finally:
        await conn.close()

    switched = sla.replay("sla", "--switch", "--drop-old")
    assert switched.returncode == 0, switched.stderr
    assert f"sla_tickets: same: {len(tickets)} equal, 0 different" in switched.stderr
    assert f"timers: same: {len(timers)} equal, 0 different" in switched.stderr
    assert "switched: sla is the replayed schema" in switched.stderr
    assert await _sla_state(sla.dsn) == (tickets, timers)

    # PostgreSQL lost entirely: the replay alone rebuilds the service (policy-set history is lost with the
    # database, so only the tickets under the current version can come back identical).
    conn = await asyncpg.connect(sla.dsn)
    try:
        await conn.execute("DROP SCHEMA sla CASCADE")
    finally:
        await conn.close()
    recovered = sla.replay("sla", "--switch")
    assert recovered.returncode == 0, recovered.stderr
    assert f"0 equal, 0 different, 0 only in sla, {len(tickets)} only in the replay" in recovered.stderr
    rebuilt, rearmed = await _sla_state(sla.dsn)
    assert rebuilt.keys() == tickets.keys()
    current = {k for k, v in tickets.items() if (jsonb(v).get("policy") or {}).get("policy_version") == "e2e-sla-2"}
    assert current and {k: rebuilt[k] for k in current} == {k: tickets[k] for k in current}
    assert {k for k in rearmed if k.split(":")[1] in current} == {k for k in timers if k.split(":")[1] in current}

    sla.start("sla")
    await sla.ready("sla")
    clock.move_to(first_due + timedelta(seconds=2))
    [breach] = await wait("SlaBreached", target="first_response", timeout=30)
    assert breach.data.due_at == first_due
