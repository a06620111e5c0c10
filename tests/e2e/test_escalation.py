"""Escalation on the real stack: stall timers (fire once, cancelled by assignment, survive kill -9), reopen
counts, SLA breach and manual requests climbing the support tiers, and notices delivered to a signed webhook.

The stack runs a test configuration: the HR team's only agent is offline (its tickets wait unassigned), and
a small matrix (HR: unassigned > 3 minutes; everything else: breach -> next tier, reopened twice, manual).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import signal
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import yaml
from helpdesk_events import TicketEscalated, decode_ticket_event
from helpdesk_runtime.topics_admin import ensure_topics
from helpdesk_testing import eventually, jsonb, read_topic
from helpdesk_testing.stack import FAST_SLA, Stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ADAPTER = {"Authorization": "Bearer dev-adapter-key"}
AGENT = {"Authorization": "Bearer dev-agent-key"}
ANALYST = {"Authorization": "Bearer dev-analyst-key"}
SECRET = "e2e-webhook-secret"

MATRIX = """
version: "e2e"
contacts: {rosa: rosa@example.com, marta: marta@example.com}
matrix:
  - name: hr
    match: {category: [hr]}
    levels:
      - {level: 1, trigger: unassigned_too_long, after_minutes: 3, action: notice, notify: [lead, manager]}
      - {level: 2, trigger: manual, action: notice, notify: [manager]}
  - name: everything else
    match: {}
    levels:
      - {level: 2, trigger: sla_breach, target: first_response, action: functional, notify: [lead, target_lead]}
      - {level: 1, trigger: reopened, times: 2, action: notice, notify: [lead, manager]}
      - {level: 3, trigger: manual, action: functional, notify: [manager, target_lead]}
"""


class Webhook:
    """A local HTTP endpoint recording what the escalation service POSTs; refuses notices of doomed folios."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.doomed: set[str] = set()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.append((dict(self.headers), body))
                folio = json.loads(body)["data"].get("folio")
                self.send_response(500 if folio in hook.doomed else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/helpdesk"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def notices(self, folio: str) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for h, b in self.received if json.loads(b)["data"].get("folio") == folio]


@pytest.fixture(scope="module")
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    hook.thread.start()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


@pytest.fixture(scope="module")
async def esc_stack(
    kafka_bootstrap: str, pg_admin_dsn: str, tmp_path_factory: pytest.TempPathFactory, webhook: Webhook
) -> AsyncIterator[Stack]:
    base = tmp_path_factory.mktemp("escalation-stack")
    config = base / "config"
    shutil.copytree(ROOT / "deploy" / "config" / "sample", config)
    (config / "sla.yaml").write_text(FAST_SLA)
    (config / "escalation.yaml").write_text(MATRIX)
    teams = yaml.safe_load((config / "teams.yaml").read_text())
    for agent in teams["agents"]:
        if agent["id"] == "rosa":
            agent["presence"] = "offline"
    (config / "teams.yaml").write_text(yaml.safe_dump(teams, allow_unicode=True))
    env = {
        "HELPDESK_ESCALATION_WEBHOOK_URL": webhook.url,
        "HELPDESK_ESCALATION_WEBHOOK_SECRET": SECRET,
        "HELPDESK_ESCALATION_WEBHOOK_ATTEMPTS": "2",
        "HELPDESK_ESCALATION_WEBHOOK_BACKOFF_SECONDS": "0.1",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    name = f"helpdesk_test_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(pg_admin_dsn)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    prefix = f"esc{os.getpid()}{int(time.time()) % 100000}."
    await ensure_topics(kafka_bootstrap, prefix)
    dsn = f"{pg_admin_dsn.rpartition('/')[0]}/{name}"
    s = Stack(prefix=prefix, bootstrap=kafka_bootstrap, dsn=dsn, clock_file=base / "clock", log_dir=base)
    s.config_dir = config
    s.shift_clock(0)
    try:
        async with s.running(ROOT / "test-artifacts" / "e2e-logs" / prefix.rstrip(".")):
            yield s
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        conn = await asyncpg.connect(pg_admin_dsn)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


class Clock:
    """The stack's clock offset only moves forward, shared by the module's tests."""

    offset = 0.0

    @classmethod
    def advance(cls, stack: Stack, minutes: float) -> None:
        cls.offset += minutes * 60
        stack.shift_clock(cls.offset)


async def open_ticket(client: httpx.AsyncClient, stack: Stack, subject: str, body: str) -> dict[str, Any]:
    mid = f"web-{uuid.uuid4()}"
    message = {
        "message_id": mid,
        "channel": "web",
        "received_at": datetime.now(UTC).isoformat(),
        "sender": {"email": f"{uuid.uuid4().hex[:6]}@example.com", "name": "Ana García"},
        "subject": subject,
        "body": body,
    }
    resp = await client.post(f"{stack.url('intake')}/v1/inbound", json=message, headers=ADAPTER)
    assert resp.status_code == 202, resp.text

    async def opened() -> dict[str, Any] | None:
        r = await client.get(f"{stack.url('intake')}/v1/inbound/{mid}", headers=ADAPTER)
        return r.json() if r.status_code == 200 and r.json()["status"] == "opened" else None

    return await eventually(opened, timeout=30, what="ticket opened")


async def escalation_state(client: httpx.AsyncClient, stack: Stack, ref: str) -> dict[str, Any] | None:
    resp = await client.get(f"{stack.url('escalation')}/v1/tickets/{ref}/escalations", headers=ANALYST)
    return resp.json() if resp.status_code == 200 else None


async def ticket_view(client: httpx.AsyncClient, stack: Stack, ref: str) -> dict[str, Any] | None:
    resp = await client.get(f"{stack.url('projections')}/v1/tickets/{ref}", headers=ANALYST)
    return resp.json() if resp.status_code == 200 else None


async def escalations_in_log(stack: Stack, ticket_id: str) -> list[TicketEscalated]:
    records = await read_topic(stack.bootstrap, f"{stack.prefix}helpdesk.tickets")
    events = [decode_ticket_event(r.value) for r in records]
    return [e for e in events if isinstance(e, TicketEscalated) and e.ticket_id == ticket_id]


async def pending(client: httpx.AsyncClient, stack: Stack, ref: str, trigger: str) -> bool:
    state = await escalation_state(client, stack, ref)
    return bool(state and any(t["trigger"] == trigger for t in state["pending_timers"]))


async def test_unassigned_too_long_fires_once_and_assignment_cancels_it(esc_stack: Stack, webhook: Webhook):
    stack = esc_stack
    async with httpx.AsyncClient(timeout=10) as client:
        waiting = await open_ticket(client, stack, "Duda con la nómina", "No me cuadra la nómina de octubre.")
        taken = await open_ticket(client, stack, "Vacaciones", "¿Cuántos días de vacaciones me quedan?")
        for t in (waiting, taken):
            await eventually(lambda t=t: pending(client, stack, t["folio"], "unassigned_too_long"), timeout=30,
                             what="unassigned timer armed")  # fmt: skip
        # A supervisor hands the second ticket to Rosa (offline, so routing would not): the timer goes away.
        resp = await client.post(
            f"{stack.url('routing')}/v1/tickets/{taken['ticket_id']}/assignment", json={"agent_id": "rosa"},
            headers=AGENT,
        )  # fmt: skip
        assert resp.status_code in (200, 201), resp.text

        async def cancelled() -> bool:
            state = await escalation_state(client, stack, taken["folio"])
            return bool(state and state["pending_timers"] == [])

        await eventually(cancelled, timeout=30, what="timer cancelled by the assignment")
        # A third one is resolved while waiting: resolved tickets never escalate.
        resolved = await open_ticket(client, stack, "Certificado", "Necesito un certificado de vacaciones.")
        await eventually(lambda: pending(client, stack, resolved["folio"], "unassigned_too_long"), timeout=30,
                         what="unassigned timer armed")  # fmt: skip
        resp = await client.post(
            f"{stack.url('intake')}/v1/tickets/{resolved['ticket_id']}/status",
            json={"status": "resolved", "resolution": "enviado por correo"}, headers=AGENT,
        )  # fmt: skip
        assert resp.status_code == 201, resp.text

        async def resolved_cancelled() -> bool:
            state = await escalation_state(client, stack, resolved["folio"])
            return bool(state and state["status"] == "resolved" and state["pending_timers"] == [])

        await eventually(resolved_cancelled, timeout=30, what="timer cancelled by the resolution")

        Clock.advance(stack, 4)

        async def fired() -> dict[str, Any] | None:
            state = await escalation_state(client, stack, waiting["folio"])
            return state if state and "unassigned_too_long:1" in state["fired"] else None

        state = await eventually(fired, timeout=30, what="unassigned escalation")
        assert state["level"] == 1 and state["pending_timers"] == [] and state["team"] == "hr"

        Clock.advance(stack, 4)  # later still: nothing fires again

        async def seen_in_projections() -> dict[str, Any] | None:
            view = await ticket_view(client, stack, waiting["folio"])
            types = [e["type"] for e in view["timeline"]] if view else []
            return view if "EscalationNoticeRequested" in types else None

        view = await eventually(seen_in_projections, timeout=30, what="escalation in the ticket's timeline")
        esc = next(e for e in view["timeline"] if e["type"] == "TicketEscalated")
        assert esc["data"]["trigger"] == "unassigned_too_long"
        assert esc["data"]["reason"] == "unassigned for more than 3 minutes"
        assert esc["data"]["from_team"] == "hr" and esc["data"]["to_team"] is None
        assert [e.data.trigger for e in await escalations_in_log(stack, waiting["ticket_id"])] == [
            "unassigned_too_long"
        ]
        assert await escalations_in_log(stack, taken["ticket_id"]) == []
        assert await escalations_in_log(stack, resolved["ticket_id"]) == []
        # The notice reached the webhook, signed with the shared secret.
        headers, body = (await eventually(lambda: webhook.notices(waiting["folio"]), timeout=30, what="webhook"))[0]
        assert (
            headers["X-Helpdesk-Signature"] == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        )
        notice = json.loads(body)
        assert notice["type"] == "EscalationNoticeRequested"
        assert {(r["role"], r["id"], r["email"]) for r in notice["data"]["recipients"]} == {
            ("team_lead", "rosa", "rosa@example.com"),
            ("manager", "marta", "marta@example.com"),
        }


async def test_a_pending_stall_timer_survives_kill_9_and_fires_exactly_once(esc_stack: Stack):
    stack = esc_stack
    async with httpx.AsyncClient(timeout=10) as client:
        ticket = await open_ticket(client, stack, "Nómina", "La nómina de este mes no ha llegado.")
        await eventually(lambda: pending(client, stack, ticket["folio"], "unassigned_too_long"), timeout=30,
                         what="unassigned timer armed")  # fmt: skip
        stack.kill("escalation")  # SIGKILL with the timer pending
        Clock.advance(stack, 4)  # due while the service is down
        stack.start("escalation")
        await stack.ready("escalation")

        async def fired() -> list[TicketEscalated]:
            return await escalations_in_log(stack, ticket["ticket_id"])

        [esc] = await eventually(fired, timeout=30, what="the stall escalation after the restart")
        assert esc.data.trigger == "unassigned_too_long"
        stack.kill("escalation", 15)  # SIGTERM: a graceful restart changes nothing either
        stack.start("escalation")
        await stack.ready("escalation")
        state = await eventually(lambda: escalation_state(client, stack, ticket["folio"]), timeout=10, what="state")
        assert state["fired"] == ["unassigned_too_long:1"] and state["pending_timers"] == []
        assert len(await escalations_in_log(stack, ticket["ticket_id"])) == 1


async def test_second_reopen_notifies_lead_and_manager(esc_stack: Stack):
    stack = esc_stack
    async with httpx.AsyncClient(timeout=10) as client:
        ticket = await open_ticket(client, stack, "Monitor", "El monitor parpadea.")

        async def assigned() -> bool:
            view = await ticket_view(client, stack, ticket["folio"])
            return bool(view and view["ticket"]["assignee"])

        await eventually(assigned, timeout=30, what="assigned on the service desk")
        url = f"{stack.url('intake')}/v1/tickets/{ticket['ticket_id']}/status"
        for n in range(2):
            resp = await client.post(url, json={"status": "resolved", "resolution": f"cable {n}"}, headers=AGENT)
            assert resp.status_code == 201, resp.text
            resp = await client.post(url, json={"status": "reopened"}, headers=AGENT)
            assert resp.status_code == 201, resp.text

        async def escalated() -> list[TicketEscalated]:
            return await escalations_in_log(stack, ticket["ticket_id"])

        [esc] = await eventually(escalated, timeout=30, what="reopen escalation")
        assert (esc.data.trigger, esc.data.level, esc.data.reason) == ("reopened", 1, "reopened 2 times")
        assert esc.data.from_team == "service-desk"


async def test_breach_then_manual_request_climb_l1_l2_l3_and_routing_assigns_each_tier(esc_stack: Stack):
    stack = esc_stack
    async with httpx.AsyncClient(timeout=10) as client:
        ticket = await open_ticket(client, stack, "VPN", "No conecta la VPN desde casa.")
        folio = ticket["folio"]

        async def on(team: str, agents: set[str]) -> dict[str, Any] | None:
            view = await ticket_view(client, stack, folio)
            t = view["ticket"] if view else None
            return view if t and t["team"] == team and t["assignee"] in agents else None

        await eventually(lambda: on("service-desk", {"lucia", "tomas", "grace"}), timeout=30, what="L1")
        Clock.advance(stack, 11)  # first response (10 minutes) breached
        view = await eventually(lambda: on("it-specialists", {"diego", "sofia"}), timeout=30, what="L2 assigned")
        assert view["ticket"]["escalation_level"] == 2

        url = f"{stack.url('escalation')}/v1/tickets/{folio}/escalations"
        request = {"reason": "fallo del concentrador VPN", "agent_id": "diego", "request_id": f"r-{folio}"}
        resp = await client.post(url, json=request, headers=AGENT)
        assert resp.status_code == 201, resp.text
        retried = await client.post(url, json=request, headers=AGENT)  # the same request again: same answer
        assert retried.status_code == 201 and retried.json() == resp.json()
        [esc] = resp.json()["escalations"]
        assert (esc["level"], esc["from_team"], esc["to_team"]) == (3, "it-specialists", "engineering")
        assert esc["reason"].startswith("escalation requested by agent diego: fallo del concentrador VPN")
        view = await eventually(lambda: on("engineering", {"elena"}), timeout=30, what="L3 assigned")
        assert view["ticket"]["escalation_level"] == 3

        again = await client.post(url, json={"reason": "otra vez"}, headers=AGENT)
        assert again.status_code == 422 and "no manual escalation level left" in again.text
        unknown = await client.post(
            f"{stack.url('escalation')}/v1/tickets/HD-1999-000000/escalations", json={"reason": "x"}, headers=AGENT
        )
        assert unknown.status_code == 404
        forbidden = await client.post(url, json={"reason": "x"}, headers=ANALYST)
        assert forbidden.status_code == 403


async def test_a_notice_the_webhook_keeps_refusing_is_dead_lettered(esc_stack: Stack, webhook: Webhook):
    stack = esc_stack
    async with httpx.AsyncClient(timeout=10) as client:
        ticket = await open_ticket(client, stack, "Nómina", "Falta el plus de transporte en la nómina.")
        webhook.doomed.add(ticket["folio"])
        await eventually(lambda: escalation_state(client, stack, ticket["folio"]), timeout=30, what="known")
        url = f"{stack.url('escalation')}/v1/tickets/{ticket['folio']}/escalations"
        resp = await client.post(url, json={"reason": "urgente para cierre de mes"}, headers=AGENT)
        assert resp.status_code == 201, resp.text

        async def dead_lettered() -> list[dict[str, Any]]:
            records = await read_topic(stack.bootstrap, f"{stack.prefix}helpdesk.deadletter")
            letters = [json.loads(r.value) for r in records]
            return [x for x in letters if x["consumer"] == "escalation.notices"]

        [letter] = await eventually(dead_lettered, timeout=60, what="the undeliverable notice dead-lettered")
        assert "HTTP 500" in letter["error"]
        assert len(webhook.notices(ticket["folio"])) >= 2  # retried before giving up


async def _escalation_tables(dsn: str) -> tuple[dict[str, tuple[Any, ...]], dict[str, tuple[Any, ...]]]:
    conn = await asyncpg.connect(dsn)
    try:
        tickets = {
            r["ticket_id"]: (r["tenant"], r["folio"], r["correlation"], jsonb(r["body"]), jsonb(r["armed"]))
            for r in await conn.fetch("SELECT * FROM escalation.tickets")
        }
        timers = {
            r["timer_key"]: (r["due_at"], r["kind"], r["entity_id"], jsonb(r["payload"]))
            for r in await conn.fetch("SELECT timer_key, due_at, kind, entity_id, payload FROM escalation.timers")
        }
        return tickets, timers
    finally:
        await conn.close()


async def test_replay_rebuilds_the_same_cases_and_stall_timers_from_the_log_and_the_service_goes_on(
    esc_stack: Stack, webhook: Webhook
):
    """`helpdesk replay escalation` on the history of this module (stall timers fired, one after a kill -9,
    reopens, a breach and manual requests climbing the tiers): every decision is re-derived once, the
    replayed schema equals the live one, a tampered live row is reported; after --switch the service carries
    on from the replayed state: a pending stall timer fires exactly once, no notice is delivered twice, and a
    retried manual request still gets its first answer."""
    stack = esc_stack
    async with httpx.AsyncClient(timeout=10) as client:
        ticket = await open_ticket(client, stack, "Nómina", "¿Cuándo se paga la extra de verano?")
        await eventually(lambda: pending(client, stack, ticket["folio"], "unassigned_too_long"), timeout=30,
                         what="unassigned timer armed")  # fmt: skip

        assert await eventually(lambda: stack.outbox_empty("escalation"), timeout=20, what="escalation outbox drained")
        stack.kill("escalation", signal.SIGTERM)
        tickets, timers = await _escalation_tables(stack.dsn)
        fired = {key for row in tickets.values() for key in row[3]["fired"]}
        assert {"unassigned_too_long:1", "reopened:1", "sla_breach:first_response:2", "manual:3", "manual:2"} <= fired
        assert f"esc:{ticket['ticket_id']}:unassigned_too_long:1" in timers
        records = await read_topic(stack.bootstrap, f"{stack.prefix}helpdesk.tickets")
        own = [e for e in (decode_ticket_event(r.value) for r in records) if e.producer == "escalation"]
        triggers = {e.data.trigger for e in own if isinstance(e, TicketEscalated)}
        assert {"unassigned_too_long", "reopened", "sla_breach", "manual"} <= triggers, triggers
        conn = await asyncpg.connect(stack.dsn)
        try:
            answers = await conn.fetch("SELECT tenant, request_id, response FROM escalation.manual_requests")
            assert len(answers) == 1
            # Tampered: one case's level. The replay reports it and exits 3.
            body = json.dumps({**tickets[ticket["ticket_id"]][3], "level": 7})
            await conn.execute("UPDATE escalation.tickets SET body = $2::jsonb WHERE ticket_id = $1",
                               ticket["ticket_id"], body)  # fmt: skip
            tampered = stack.replay("escalation")
            assert tampered.returncode == 3, tampered.stderr
            assert "tickets: DIFFERENT: " in tampered.stderr
            assert f"different: {ticket['ticket_id']} (body.level: 7 -> 0)" in tampered.stderr, tampered.stderr
            assert "timers: same" in tampered.stderr
            body = json.dumps(tickets[ticket["ticket_id"]][3])
            await conn.execute("UPDATE escalation.tickets SET body = $2::jsonb WHERE ticket_id = $1",
                               ticket["ticket_id"], body)  # fmt: skip
        finally:
            await conn.close()

        switched = stack.replay("escalation", "--switch", "--drop-old")
        assert switched.returncode == 0, switched.stderr
        assert f"tickets: same: {len(tickets)} equal, 0 different" in switched.stderr
        assert f"timers: same: {len(timers)} equal, 0 different" in switched.stderr
        # Every decision the log holds was taken again, once (TicketEscalated and notices alike).
        assert f"; {len(own)} decisions re-derived" in switched.stderr, switched.stderr
        assert "no armed timer" not in switched.stderr and "not decided by the replay" not in switched.stderr
        assert "switched: escalation is the replayed schema" in switched.stderr
        assert await _escalation_tables(stack.dsn) == (tickets, timers)

        delivered = [json.loads(b)["event_id"] for _, b in webhook.received]
        stack.start("escalation")
        await stack.ready("escalation")
        Clock.advance(stack, 4)  # the pending unassigned timer comes due

        async def fired_once() -> list[TicketEscalated]:
            return await escalations_in_log(stack, ticket["ticket_id"])

        [esc] = await eventually(fired_once, timeout=30, what="the stall escalation after the switch")
        assert (esc.data.trigger, esc.data.level) == ("unassigned_too_long", 1)
        await eventually(lambda: webhook.notices(ticket["folio"]), timeout=30, what="its notice delivered")
        [(tenant, request_id, response)] = [(r["tenant"], r["request_id"], jsonb(r["response"])) for r in answers]
        retried = await client.post(
            f"{stack.url('escalation')}/v1/tickets/{response['folio']}/escalations?tenant={tenant}",
            json={"reason": "otra vez", "request_id": request_id}, headers=AGENT,
        )  # fmt: skip
        assert retried.status_code == 201 and retried.json() == response
        # A wrongly rewound notices consumer would deliver old notices again while it reads to the log's end.
        assert await eventually(lambda: notices_caught_up(stack), timeout=30, what="notices consumer at the log's end")
        again = [json.loads(b)["event_id"] for _, b in webhook.received[len(delivered) :]]
        assert not set(again) & set(delivered), "notices delivered before the switch were delivered again"
        assert len(await escalations_in_log(stack, ticket["ticket_id"])) == 1
        state = await escalation_state(client, stack, ticket["folio"])
        assert state is not None and state["fired"] == ["unassigned_too_long:1"] and state["pending_timers"] == []

        # PostgreSQL lost with no backup: the log alone rebuilds the cases and timers; the service goes on.
        assert await eventually(lambda: stack.outbox_empty("escalation"), timeout=20, what="escalation outbox drained")
        stack.kill("escalation", signal.SIGTERM)
        tickets, timers = await _escalation_tables(stack.dsn)
        conn = await asyncpg.connect(stack.dsn)
        try:
            await conn.execute("DROP SCHEMA escalation CASCADE")
        finally:
            await conn.close()
        recovered = stack.replay("escalation", "--switch")
        assert recovered.returncode == 0, recovered.stderr
        assert f"0 equal, 0 different, 0 only in escalation, {len(tickets)} only in the replay" in recovered.stderr
        assert await _escalation_tables(stack.dsn) == (tickets, timers)
        delivered = [json.loads(b)["event_id"] for _, b in webhook.received]
        stack.start("escalation")
        await stack.ready("escalation")
        state = await escalation_state(client, stack, ticket["folio"])
        assert state is not None and state["fired"] == ["unassigned_too_long:1"]
        # The recovered notices consumer starts where the replay ended: nobody is paged about history again.
        assert await eventually(lambda: notices_caught_up(stack), timeout=30, what="notices consumer at the log's end")
        assert [json.loads(b)["event_id"] for _, b in webhook.received] == delivered


async def notices_caught_up(stack: Stack) -> bool:
    """The notices consumer has stored a position at the end of every partition of helpdesk.tickets."""
    topic = f"{stack.prefix}helpdesk.tickets"
    ends: dict[int, int] = {}
    for r in await read_topic(stack.bootstrap, topic):
        ends[r.partition] = max(ends.get(r.partition, 0), r.offset + 1)
    conn = await asyncpg.connect(stack.dsn)
    try:
        rows = await conn.fetch(
            "SELECT partition, next_offset FROM escalation.consumer_offsets WHERE consumer = $1 AND topic = $2",
            "escalation.notices",
            topic,
        )
    finally:
        await conn.close()
    at = {r["partition"]: r["next_offset"] for r in rows}
    return all(at.get(p, 0) >= end for p, end in ends.items())
