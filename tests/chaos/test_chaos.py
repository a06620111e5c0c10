"""The chaos suite (`make chaos`): a steady stream of traffic through the real stack while services are
kill -9'd, Kafka and PostgreSQL restart, routing and projections scale 1 → 3 → 1, and poison is injected.
Afterwards the invariants are checked from the log and the read models, printed as a table (also written
to test-artifacts/chaos/invariants.txt); one test per invariant. See docs/chaos.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from helpdesk_events import TicketState, decode_ticket_event, evolve
from helpdesk_events.state import is_open
from helpdesk_testing import read_topic

pytestmark = [pytest.mark.chaos, pytest.mark.slow]

RATE = 20  # inbound messages per second
TRAFFIC_MAX_SECONDS = 300  # the stream stops at the latest then, even if a fault step hangs
MAX_MESSAGES = RATE * TRAFFIC_MAX_SECONDS
QUIESCE_SECONDS = 240
SHIFT_SECONDS = 86400  # after the traffic: every service's clock a day ahead, so every armed timer falls due
ADAPTER = {"Authorization": "Bearer dev-adapter-key"}
AGENT = {"Authorization": "Bearer dev-agent-key"}
CHANNELS = ["email", "web", "chat", "whatsapp", "phone", "social"]
SUBJECTS = ["La impresora no imprime", "VPN caída", "Password reset", "Duda nómina", "Laptop broken", "Acceso SAP"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "chaos"
rng = random.Random(20261123)


def log(msg: str) -> None:
    print(f"[chaos {datetime.now().strftime('%H:%M:%S')}] {msg}", flush=True)


# --- traffic -------------------------------------------------------------------------------------------


@dataclass
class Traffic:
    """What was sent and acknowledged (Kafka ack or HTTP 202): the inputs the invariants are about."""

    run: str
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)  # message_id -> message
    conversations: list[dict[str, Any]] = field(default_factory=list)
    retries: list[dict[str, Any]] = field(default_factory=list)
    stats: Counter[str] = field(default_factory=Counter)
    tickets: dict[str, str] = field(default_factory=dict)  # ticket id -> folio (from the log)
    assigned: dict[str, str] = field(default_factory=dict)  # ticket id -> agent (latest TicketAssigned seen)

    def message(self, i: int) -> dict[str, Any]:
        if self.conversations and rng.random() < 0.2:
            conv = rng.choice(self.conversations)
            body = "Sigo sin poder trabajar, ¿alguna novedad?"
        else:
            n = len(self.conversations)
            channel = CHANNELS[i % len(CHANNELS)]
            conv = {
                "channel": channel,
                "thread_ref": f"{self.run}-conv-{n}",
                "sender": {"email": f"c{n % 400}@example.com", "phone": f"+34600{n % 400:06d}", "name": f"C {n}"},
                "subject": SUBJECTS[n % len(SUBJECTS)],
            }
            self.conversations.append(conv)
            body = "Hola, desde esta mañana no funciona. Gracias."
        return {
            "message_id": f"{self.run}-m{i}",
            "channel": conv["channel"],
            "received_at": datetime.now(UTC).isoformat(),
            "sender": conv["sender"],
            "subject": conv["subject"],
            "body": body,
            "thread_ref": conv["thread_ref"],
        }


async def send_inbound(s: Any, producer: AIOKafkaProducer, http: httpx.AsyncClient, t: Traffic, msg: dict) -> None:
    """One message, over HTTP (1 in 10) or Kafka; kept for a retry (same message_id) if not acknowledged."""
    try:
        if int(msg["message_id"].rsplit("m", 1)[1]) % 10 == 0:
            resp = await http.post(f"{s.url('intake')}/v1/inbound", json=msg, headers=ADAPTER, timeout=5)
            if resp.status_code != 202:
                raise RuntimeError(f"HTTP {resp.status_code}")
            t.stats["inbound via HTTP"] += 1
        else:
            key = msg["thread_ref"].encode()
            await asyncio.wait_for(producer.send_and_wait(f"{s.prefix}helpdesk.inbound", json.dumps(msg).encode(),
                                                          key=key), 5)  # fmt: skip
            t.stats["inbound via Kafka"] += 1
        t.sent[msg["message_id"]] = msg
    except (KafkaError, TimeoutError, httpx.HTTPError, RuntimeError, OSError):
        t.stats["inbound send retried"] += 1
        t.retries.append(msg)


async def drive_inbound(s: Any, t: Traffic, stop: asyncio.Event) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=s.bootstrap, enable_idempotence=True, acks="all", linger_ms=2)
    await producer.start()
    deadline = time.monotonic() + TRAFFIC_MAX_SECONDS
    try:
        async with httpx.AsyncClient() as http:
            start = time.monotonic()
            for i in range(MAX_MESSAGES):
                if stop.is_set() or time.monotonic() > deadline:
                    break
                delay = start + i / RATE - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                for _ in range(min(3, len(t.retries))):  # what an outage refused, a few per tick
                    await send_inbound(s, producer, http, t, t.retries.pop(0))
                await send_inbound(s, producer, http, t, t.message(i))
            catch_up = time.monotonic() + 45
            while t.retries and time.monotonic() < catch_up:  # the rest, until acknowledged
                before = len(t.retries)
                await send_inbound(s, producer, http, t, t.retries.pop(0))
                if len(t.retries) >= before:
                    await asyncio.sleep(0.5)
    finally:
        await producer.stop()


async def drive_agents(s: Any, t: Traffic, stop: asyncio.Event) -> None:
    """Agents reply, resolve and set pending through intake's command API (any answer is fine)."""
    async with httpx.AsyncClient() as http:
        while not stop.is_set():
            await asyncio.sleep(0.25)
            if not t.tickets:
                continue
            pool = t.assigned if t.assigned and rng.random() < 0.7 else t.tickets
            ticket = rng.choice(list(pool))
            t.assigned.pop(ticket, None)
            roll = rng.random()
            if roll < 0.5:
                path, body = "replies", {"body": "Estamos en ello."}
            elif roll < 0.9:
                path, body = "status", {"status": "resolved", "resolution": "Reiniciado."}
            else:
                path, body = "status", {"status": "pending", "reason": "esperando al cliente"}
            body["request_id"] = str(uuid.uuid4())
            try:
                resp = await http.post(f"{s.url('intake')}/v1/tickets/{ticket}/{path}", json=body, headers=AGENT,
                                       timeout=5)  # fmt: skip
                t.stats[f"agent command {resp.status_code}"] += 1
            except httpx.HTTPError:
                t.stats["agent command failed (no answer)"] += 1


async def drive_presence(s: Any, t: Traffic, agents: list[str], stop: asyncio.Event) -> None:
    """Agents step away and come back through whichever routing replica answers."""
    async with httpx.AsyncClient() as http:
        step = 0
        while not stop.is_set():
            await asyncio.sleep(1)
            step += 1
            agent = agents[step % len(agents)]
            presence = "away" if (step // len(agents)) % 2 == 0 else "online"
            replicas = [n for n in s.procs if n.startswith("routing")]
            if not replicas:
                continue
            try:
                resp = await http.put(f"{s.url(rng.choice(replicas))}/v1/agents/{agent}/presence",
                                      json={"presence": presence}, headers=AGENT, timeout=5)  # fmt: skip
                t.stats[f"presence {resp.status_code}"] += 1
            except httpx.HTTPError:
                t.stats["presence failed (no answer)"] += 1
        for agent in agents:  # everybody back online so the queues can drain
            with contextlib.suppress(httpx.HTTPError):
                await http.put(f"{s.url('routing')}/v1/agents/{agent}/presence", json={"presence": "online"},
                               headers=AGENT, timeout=10)  # fmt: skip


async def watch_tickets(s: Any, t: Traffic, stop: asyncio.Event) -> None:
    """Learns ticket ids from the log, for the agents' commands."""
    consumer = AIOKafkaConsumer(f"{s.prefix}helpdesk.tickets", bootstrap_servers=s.bootstrap,
                                auto_offset_reset="earliest")  # fmt: skip
    await consumer.start()
    try:
        while not stop.is_set():
            for records in (await consumer.getmany(timeout_ms=200, max_records=2000)).values():
                for r in records:
                    if b'"TicketOpened"' in r.value or b'"TicketAssigned"' in r.value:
                        with contextlib.suppress(ValueError):
                            event = decode_ticket_event(r.value)
                            if event.type == "TicketOpened":
                                t.tickets[event.ticket_id] = event.data.folio  # type: ignore[union-attr]
                            elif event.type == "TicketAssigned":
                                t.assigned[event.ticket_id] = event.data.agent_id  # type: ignore[union-attr]
    finally:
        await consumer.stop()


# --- faults --------------------------------------------------------------------------------------------


@dataclass
class Faults:
    done: list[tuple[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    poison: list[dict[str, Any]] = field(default_factory=list)  # name, topic, partition, offset | http status


async def heal(s: Any, f: Faults, names: list[str] | None = None) -> None:
    """Restart any process that died by itself (noted: a service should survive an outage)."""
    for name in s.dead():
        f.notes.append(f"{name} exited by itself (code {s.procs[name].returncode}); restarted")
        log(f"{name} died by itself; restarting")
        s.procs.pop(name)
        s.start(name)
        await s.ready(name, timeout=120)


async def step(f: Faults, name: str, action: Callable[[], Awaitable[None]]) -> None:
    started = time.monotonic()
    log(f"fault: {name}")
    await action()
    f.done.append((name, time.monotonic() - started))


async def run_faults(s: Any, chaos_kafka: Any, chaos_pg: Any, f: Faults, t: Traffic) -> None:
    await asyncio.sleep(10)

    async def kill_restart(*names: str) -> None:
        for n in names:
            s.kill(n)
        await asyncio.sleep(2)
        for n in names:
            s.start(n)
        for n in names:
            await s.ready(n, timeout=120)

    for name in ("intake", "routing", "sla", "escalation", "projections"):
        await step(f, f"kill -9 {name}, restart", lambda name=name: kill_restart(name))
        await asyncio.sleep(3)
    await step(f, "kill -9 intake + routing at once, restart", lambda: kill_restart("intake", "routing"))
    await step(f, "kill -9 sla + projections at once, restart", lambda: kill_restart("sla", "projections"))
    await step(f, "poison into helpdesk.inbound and helpdesk.tickets", lambda: inject_poison(s, f, t))

    async def broker() -> None:
        await asyncio.to_thread(chaos_kafka.stop)
        await asyncio.sleep(5)
        await asyncio.to_thread(chaos_kafka.start)
        await asyncio.sleep(5)
        await heal(s, f)

    await step(f, "stop Kafka broker, restart", broker)
    await asyncio.sleep(5)

    async def postgres() -> None:
        await asyncio.to_thread(chaos_pg.ctl, "stop")
        await asyncio.sleep(5)
        await asyncio.to_thread(chaos_pg.ctl, "start")
        await asyncio.sleep(5)
        await heal(s, f)
        for name in list(s.procs):
            await s.ready(name, timeout=120)

    await step(f, "stop PostgreSQL, restart", postgres)
    await asyncio.sleep(5)

    async def scale_up() -> None:
        for n in ("routing-2", "routing-3", "projections-2", "projections-3"):
            s.start(n)
        for n in ("routing-2", "routing-3", "projections-2", "projections-3"):
            await s.ready(n, timeout=120)

    async def scale_down() -> None:
        for n in ("routing-3", "projections-3", "routing-2", "projections-2"):
            s.kill(n, sig=15)

    await step(f, "scale routing + projections 1 → 3", scale_up)
    await asyncio.sleep(10)
    await step(f, "kill -9 routing (2 replicas left), restart", lambda: kill_restart("routing"))
    await asyncio.sleep(5)
    await step(f, "scale routing + projections 3 → 1", scale_down)
    await heal(s, f)


async def inject_poison(s: Any, f: Faults, t: Traffic) -> None:
    inbound = f"{s.prefix}helpdesk.inbound"
    tickets = f"{s.prefix}helpdesk.tickets"
    producer = AIOKafkaProducer(bootstrap_servers=s.bootstrap, enable_idempotence=True, acks="all",
                                max_request_size=40 * 1024 * 1024)  # fmt: skip
    await producer.start()
    try:

        async def put(name: str, topic: str, value: bytes, key: bytes) -> None:
            try:
                md = await producer.send_and_wait(topic, value, key=key)
                f.poison.append({"name": name, "topic": topic, "partition": md.partition, "offset": md.offset})
            except KafkaError as exc:
                f.poison.append({"name": name, "topic": topic, "refused": type(exc).__name__})

        await put("undecodable bytes", inbound, b"\xff\xfe\x00 not json at all", b"poison-1")
        await put(
            "valid JSON, wrong schema", inbound, json.dumps({"hello": "world", "n": [1, 2]}).encode(), b"poison-2"
        )
        big = {"message_id": f"{t.run}-big", "channel": "web", "received_at": datetime.now(UTC).isoformat(),
               "sender": {"email": "big@example.com"}, "subject": "big", "body": "x" * (30 * 1024 * 1024)}  # fmt: skip
        raw = json.dumps(big).encode()
        await put("30 MB body", inbound, raw, b"poison-3")
        if "refused" in f.poison[-1]:  # the broker refuses it at produce time: an adapter would POST it
            async with httpx.AsyncClient() as http:
                resp = await http.post(f"{s.url('intake')}/v1/inbound", content=raw, timeout=120,
                                       headers={**ADAPTER, "Content-Type": "application/json"})  # fmt: skip
            f.poison[-1]["http_status"] = resp.status_code
        unknown = {
            "event_id": str(uuid.uuid4()),
            "type": "TicketExploded",
            "schema_version": 1,
            "ticket_id": f"chaos-unknown-{uuid.uuid4().hex[:6]}",
            "tenant": "default",
            "occurred_at": datetime.now(UTC).isoformat(),
            "producer": "chaos",
            "data": {"boom": True},
        }
        await put("unknown event type", tickets, json.dumps(unknown).encode(), unknown["ticket_id"].encode())
        dup = t.message(10**7 + 1)
        dup["message_id"] = f"{t.run}-repeated"
        for _ in range(100):
            await producer.send(inbound, json.dumps(dup).encode(), key=dup["thread_ref"].encode())
        await producer.flush()
        t.sent[dup["message_id"]] = dup
    finally:
        await producer.stop()


# --- quiescence ----------------------------------------------------------------------------------------


async def end_offsets(bootstrap: str, topics: list[str]) -> dict[tuple[str, int], int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        tps = []
        meta = await consumer._client.fetch_all_metadata()  # noqa: SLF001 - one metadata round-trip
        for topic in topics:
            parts = meta
            tps += [TopicPartition(topic, p) for p in parts.partitions_for_topic(topic) or set()]
        return {(tp.topic, tp.partition): off for tp, off in (await consumer.end_offsets(tps)).items()}
    finally:
        await consumer.stop()


async def backlog(s: Any, shift: float = 0) -> dict[str, int]:
    """Lag per consumer (stored offsets vs end offsets), outbox rows, due timers, pending inbound messages."""
    conn = await asyncpg.connect(s.dsn)
    try:
        schemas = [r["table_schema"] for r in await conn.fetch(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'consumer_offsets'")]  # fmt: skip
        out: dict[str, int] = {}
        stored: dict[tuple[str, str, int], int] = {}
        consumers: dict[str, set[str]] = defaultdict(set)
        for schema in schemas:
            for r in await conn.fetch(
                f'SELECT consumer, topic, partition, next_offset FROM "{schema}".consumer_offsets'
            ):
                stored[(r["consumer"], r["topic"], r["partition"])] = r["next_offset"]
                consumers[r["consumer"]].add(r["topic"])
            out[f"{schema}.outbox"] = await conn.fetchval(f'SELECT count(*) FROM "{schema}".outbox')
            out[f"{schema}.due timers"] = await conn.fetchval(
                f'SELECT count(*) FROM "{schema}".timers WHERE due_at <= now() + make_interval(secs => $1)',
                float(shift - 2),
            )
        out["intake.pending inbound"] = await conn.fetchval(
            "SELECT count(*) FROM intake.inbound_messages WHERE status = 'pending'")  # fmt: skip
    finally:
        await conn.close()
    topics = sorted({t for ts in consumers.values() for t in ts})
    ends = await end_offsets(s.bootstrap, topics)
    for consumer, ts in consumers.items():
        out[f"lag {consumer}"] = sum(
            max(0, end - stored.get((consumer, topic, p), 0)) for (topic, p), end in ends.items() if topic in ts
        )
    return out


async def quiesce(s: Any, shift: float = 0) -> dict[str, int]:
    deadline = time.monotonic() + QUIESCE_SECONDS
    calm = 0
    last: dict[str, int] = {}
    while time.monotonic() < deadline:
        try:
            last = await backlog(s, shift)
        except (OSError, asyncpg.PostgresError, KafkaError) as exc:
            log(f"backlog probe failed: {exc!r}")
            await asyncio.sleep(2)
            continue
        busy = {k: v for k, v in last.items() if v}
        calm = 0 if busy else calm + 1
        if calm >= 3:
            return last
        log(f"waiting for quiescence: {busy or 'calm'}")
        await asyncio.sleep(3)
    return last


# --- invariants ----------------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    expected: str
    observed: str
    ok: bool


@dataclass
class Outcome:
    rows: dict[str, Row]
    table: str


def capacities(config_dir: Any) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    teams = yaml.safe_load((config_dir / "teams.yaml").read_text())
    caps = {a["id"]: a["capacity"] for a in teams["agents"]}
    per_channel = {a["id"]: a.get("capacity_per_channel") or {} for a in teams["agents"]}
    return caps, per_channel


def check_effects(t: Traffic, statuses: dict[str, str], effects: Counter[str]) -> Row:
    pending = [m for m in t.sent if statuses.get(m, "missing") in ("pending", "missing")]
    wrong = []
    for m in t.sent:
        st = statuses.get(m)
        want = 1 if st in ("opened", "appended", "reopened", "follow_up") else 0
        if st not in (None, "pending") and effects[m] != want:
            wrong.append(f"{m}:{st}:{effects[m]}")
    multi = [m for m, n in effects.items() if n > 1]
    repeated = effects[f"{t.run}-repeated"]
    ok = not pending and not wrong and not multi and repeated == 1
    observed = (
        f"{len(t.sent)} acknowledged: {Counter(statuses.get(m, 'missing') for m in t.sent).most_common()}; "
        f"not settled {len(pending)} {pending[:3]}; wrong effect count {len(wrong)} {wrong[:3]}; "
        f"ids with >1 effect {len(multi)}; 100x repeat → {repeated} effect(s)"
    )
    return Row("every inbound message had exactly one effect", "none pending, 1 effect each, 100x → 1", observed, ok)


def check_event_ids(records: list[Any]) -> Row:
    by_id: dict[str, set[str]] = defaultdict(set)
    count = 0
    for r in records:
        with contextlib.suppress(ValueError):
            obj = json.loads(r.value)
            by_id[str(obj.get("event_id"))].add(json.dumps(obj, sort_keys=True))
            count += 1
    conflicting = [i for i, v in by_id.items() if len(v) > 1]
    observed = f"{count} records, {len(by_id)} distinct ids, {count - len(by_id)} identical re-publications, " \
               f"{len(conflicting)} ids with different content {conflicting[:3]}"  # fmt: skip
    return Row("no event id twice with different content", "0 conflicting ids", observed, not conflicting)


async def timeline_diagnostics(
    s: Any, folds: dict[str, TicketState], models: dict[str, dict[str, Any]], per_ticket: dict[str, list[Any]]
) -> str:
    """For a few tickets whose version differs: the projections timeline against the log."""
    odd = [t for t, st in folds.items() if st.opened and t in models and models[t].get("version") != st.version]
    if not odd:
        return ""
    conn = await asyncpg.connect(s.dsn)
    try:
        notes = []
        for tid in odd[:3]:
            rows = await conn.fetch("SELECT seq, event_id::text AS id, type FROM projections.timeline "
                                    "WHERE ticket_id = $1 ORDER BY seq", tid)  # fmt: skip
            ids = Counter(r["id"] for r in rows)
            log_ids = {str(e.event_id) for e in per_ticket[tid]}
            twice = [f"{r['type']}@{r['seq']}" for r in rows if ids[r["id"]] > 1]
            unknown = [r["type"] for r in rows if r["id"] not in log_ids]
            notes.append(f"{tid[:8]}: log {len(per_ticket[tid])} events, timeline {len(rows)} rows "
                         f"({len(ids)} ids; repeated {twice[:4]}; not in log {unknown[:3]})")  # fmt: skip
        return "; ".join(notes)
    except asyncpg.PostgresError as exc:
        return f"(timeline not readable: {exc})"
    finally:
        await conn.close()


def check_folds(folds: dict[str, TicketState], models: dict[str, dict[str, Any]], notes: str = "") -> Row:
    keys = ("status", "assignee", "team", "priority", "escalation_level", "version")
    diffs = []
    for tid, st in folds.items():
        if not st.opened:
            continue
        m = models.get(tid)
        if m is None:
            diffs.append(f"{tid}: not in the read model")
            continue
        d = {k: (getattr(st, k), m.get(k)) for k in keys if getattr(st, k) != m.get(k)}
        if d:
            diffs.append(f"{tid}: {d}")
    observed = f"{sum(1 for s in folds.values() if s.opened)} tickets compared, {len(diffs)} differ {diffs[:3]}"
    observed += f"; timeline vs log: {notes}" if notes else ""
    return Row("every ticket's fold equals its read model", "0 differences", observed, not diffs)


def check_capacity(
    per_ticket: dict[str, list[Any]], caps: dict[str, int], per_channel: dict[str, dict[str, int]]
) -> Row:
    """Replay routing's decisions: a ticket is held from an applied ``TicketAssigned`` until the fold says it
    left that agent (resolved, closed, queued, unassigned, escalated to another team, reassigned). A reopen
    does not hold by itself: routing assigns (or queues) it again. Holds and releases are ordered across
    tickets by occurred_at, releases first at equal times (a release's occurred_at precedes routing seeing
    it, so this never overstates the load routing saw). The fold's own view — what the read models show —
    is checked beside it."""
    routing_steps: list[tuple[datetime, int, str, str]] = []
    fold_steps: list[tuple[datetime, int, str, str]] = []
    assignments = 0
    for events in per_ticket.values():
        st: TicketState | None = None
        holder: str | None = None
        for e in events:
            before = st.assignee if st is not None and st.opened and is_open(st.status) else None
            st = evolve(st, e)
            after = st.assignee if st.opened and is_open(st.status) else None
            channel = st.channel or ""
            if before != after:
                fold_steps += [(e.occurred_at, -1, before, channel)] if before else []
                fold_steps += [(e.occurred_at, 1, after, channel)] if after else []
            new_holder = holder if holder is not None and holder == after else None
            if e.type == "TicketAssigned" and after == e.data.agent_id:
                new_holder = after
                assignments += 1
            if new_holder != holder:
                routing_steps += [(e.occurred_at, -1, holder, channel)] if holder else []
                routing_steps += [(e.occurred_at, 1, new_holder, channel)] if new_holder else []
                holder = new_holder

    def replay(steps: list[tuple[datetime, int, str, str]]) -> tuple[Counter[str], list[str]]:
        steps.sort(key=lambda x: (x[0], x[1]))
        load: Counter[str] = Counter()
        chan: defaultdict[str, Counter[str]] = defaultdict(Counter)
        peak: Counter[str] = Counter()
        over = []
        for at, delta, agent, channel in steps:
            load[agent] += delta
            chan[agent][channel] += delta
            peak[agent] = max(peak[agent], load[agent])
            if delta > 0 and load[agent] > caps.get(agent, 0):
                over.append(f"{agent} {load[agent]}/{caps.get(agent)} at {at.isoformat()}")
            limit = per_channel.get(agent, {}).get(channel)
            if delta > 0 and limit is not None and chan[agent][channel] > limit:
                over.append(f"{agent} {channel} {chan[agent][channel]}/{limit} at {at.isoformat()}")
        return peak, over

    peak, over = replay(routing_steps)
    fold_peak, fold_over = replay(fold_steps)
    observed = (
        f"{assignments} applied assignments; peak load {dict(sorted(peak.items()))} (capacity "
        f"{dict(sorted(caps.items()))}); {len(over)} over {over[:3]}. Fold view (what the read models show): "
        f"{len(fold_over)} moments over {fold_over[:2]}"
    )
    ok = not over and not fold_over
    return Row("no agent ever above capacity", "peak ≤ capacity (overall and per channel)", observed, ok)


def stopped_after_arming(events: list[Any], target: str) -> bool:
    """Whether ``target``'s clock was stopped (resolve, close, pause) after the sla service last armed it
    (SlaPolicyApplied / SlaClockResumed listing it): docs/sla.md — resolving stops the other running clocks
    without an outcome, and a reopen re-arms only resolution and next_response. The sla service decides in
    log order, so an arming counts from the position of the event that caused it, not its own."""
    position = {str(e.event_id): i for i, e in enumerate(events)}
    armed_at = -1
    stops: list[int] = []
    st: TicketState | None = None
    for i, e in enumerate(events):
        before = st.status if st is not None else None
        st = evolve(st, e)
        if e.type in ("SlaPolicyApplied", "SlaClockResumed"):
            if any(x.name == target and x.due_at is not None for x in e.data.targets):
                armed_at = max(armed_at, position.get(str(e.causation_id), i))
        elif e.type == "SlaClockPaused" or (st.status != before and st.status in ("resolved", "closed", "pending")):
            stops.append(i)
    return any(i > armed_at for i in stops)


def check_timers(per_ticket: dict[str, list[Any]], folds: dict[str, TicketState], settled_at: datetime) -> Row:
    """At most one SlaBreached per (ticket, target, due time); every clock the fold still shows running past
    its due time must have been stopped by the ticket's own facts (else its timer was lost)."""
    fired: Counter[tuple[str, str, str]] = Counter()
    for tid, events in per_ticket.items():
        for e in events:
            if e.type == "SlaBreached":
                fired[(tid, e.data.target, e.data.due_at.isoformat())] += 1
    twice = [k for k, n in fired.items() if n > 1]
    missed, stale, ignored = [], [], []
    for tid, st in folds.items():
        for name, clock in st.sla.items():
            due = clock.due_at
            if not st.opened or clock.state not in ("running", "warning") or due is None:
                continue
            if due > settled_at - timedelta(seconds=5):
                continue
            if (tid, name, due.isoformat()) in fired:
                ignored.append(f"{tid}:{name}")  # fired, but the fold ignored the breach (see docs/chaos.md)
                continue
            if stopped_after_arming(per_ticket[tid], name):
                stale.append(f"{tid}:{name}")
                continue
            missed.append(f"{tid}:{name} due {due.isoformat()}")
    observed = (
        f"{sum(fired.values())} SlaBreached over {len(fired)} due timers; fired twice {len(twice)} {twice[:2]}; "
        f"due, armed and not fired {len(missed)} {missed[:3]}; clocks stopped by a resolve/pause that the fold "
        f"still shows running: {len(stale)} {stale[:1]}; breaches the fold ignored (clock left running): "
        f"{len(ignored)} {ignored[:2]}"
    )
    # A stale or ignored clock is what a supervisor sees: a ticket shown overdue that is not, or a breach
    # the log holds that the read model does not show.
    ok = not twice and not missed and bool(fired) and not stale and not ignored
    return Row(
        "every SLA timer due in the window fired exactly once", "≥1 fired, 0 twice, 0 missed, 0 stale", observed, ok
    )


def check_poison(f: Faults, letters: list[dict[str, Any]]) -> Row:
    index: defaultdict[tuple[str, int, int], list[dict[str, Any]]] = defaultdict(list)
    for d in letters:
        index[(d.get("original_topic"), d.get("original_partition"), d.get("original_offset"))].append(d)
    seen, bad = [], []
    for p in f.poison:
        if "refused" in p:
            ok = p.get("http_status") == 413
            (seen if ok else bad).append(f"{p['name']}: broker refused ({p['refused']}), HTTP {p.get('http_status')}")
            continue
        found = [d for d in index[(p["topic"], p["partition"], p["offset"])] if d.get("error")]
        consumers = sorted({d["consumer"] for d in found})
        (seen if found else bad).append(f"{p['name']}: {consumers or 'NOT dead-lettered'}"
                                        + (f" — {found[0]['error'][:60]!r}" if found else ""))  # fmt: skip
    observed = f"{len(letters)} dead letters; " + "; ".join(seen + bad)
    ok = not bad and len(f.poison) == 4
    return Row("every poison record is dead-lettered with a reason", "4/4 (30 MB: 413 if the broker refuses it)",
               observed, ok)  # fmt: skip


def check_counts(opened: set[str], model_ids: set[str]) -> Row:
    missing, extra = opened - model_ids, model_ids - opened
    observed = f"log {len(opened)} opened, read model {len(model_ids)}; missing {len(missing)}, extra {len(extra)}"
    return Row("read-model ticket count equals the log", "equal sets", observed, not missing and not extra)


def render(rows: list[Row]) -> str:
    head = ("invariant", "expected", "observed", "ok")
    cells = [head] + [(r.name, r.expected, r.observed, "ok" if r.ok else "FAIL") for r in rows]
    widths = [min(60, max(len(c[i]) for c in cells)) for i in range(3)]
    lines = []
    for c in cells:
        lines.append(" | ".join([c[0].ljust(widths[0]), c[1].ljust(widths[1]), c[3], c[2]]))
    return "\n".join(lines)


async def read_models(s: Any) -> dict[str, dict[str, Any]]:
    conn = await asyncpg.connect(s.dsn)
    try:
        rows = await conn.fetch("SELECT ticket_id, state FROM projections.tickets")
    finally:
        await conn.close()
    return {r["ticket_id"]: json.loads(r["state"]) if isinstance(r["state"], str) else r["state"] for r in rows}


# --- the run -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def outcome(chaos_stack, chaos_kafka, chaos_pg) -> Outcome:
    s = chaos_stack
    began = time.monotonic()
    t = Traffic(run=uuid.uuid4().hex[:6])
    f = Faults()
    caps, per_channel = capacities(s.log_dir / "config")
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_tickets(s, t, stop))
    inbound = asyncio.create_task(drive_inbound(s, t, stop))
    agents = asyncio.create_task(drive_agents(s, t, stop))
    presence = asyncio.create_task(drive_presence(s, t, sorted(caps), stop))
    try:
        await asyncio.wait_for(run_faults(s, chaos_kafka, chaos_pg, f, t), TRAFFIC_MAX_SECONDS)
    except TimeoutError:
        f.notes.append(f"fault sequence did not finish within {TRAFFIC_MAX_SECONDS}s")
    finally:
        stop.set()
        await asyncio.gather(inbound, agents, presence, return_exceptions=True)
    chaos_seconds = time.monotonic() - began
    log(f"traffic stopped after {chaos_seconds:.0f}s: {dict(t.stats)}")
    await heal(s, f)
    # Timers keep firing after the traffic (targets of minutes): move every clock a day ahead so that each
    # armed timer falls due now, and wait until nothing is left to do; the log and the read models are then
    # final, and "due in the window" covers every timer the run armed.
    s.shift_clock(SHIFT_SECONDS)
    settled = await quiesce(s, SHIFT_SECONDS)
    settled_at = datetime.now(UTC) + timedelta(seconds=SHIFT_SECONDS)
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)

    records = await read_topic(s.bootstrap, f"{s.prefix}helpdesk.tickets", timeout=120)
    letters = [json.loads(r.value) for r in await read_topic(s.bootstrap, f"{s.prefix}helpdesk.deadletter", timeout=60)]
    per_ticket: dict[str, list[Any]] = defaultdict(list)
    seen: set[str] = set()
    effects: Counter[str] = Counter()
    opened: set[str] = set()
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        try:
            e = decode_ticket_event(r.value)
        except ValueError:
            continue
        if str(e.event_id) in seen:  # a relay's re-publication: consumers drop it by id
            continue
        seen.add(str(e.event_id))
        per_ticket[e.ticket_id].append(e)
        if e.type in ("TicketOpened", "CustomerMessageReceived") and e.data.message_id:  # type: ignore[union-attr]
            effects[e.data.message_id] += 1  # type: ignore[union-attr]
        if e.type == "TicketOpened":
            opened.add(e.ticket_id)
    folds: dict[str, TicketState] = {}
    for tid, events in per_ticket.items():
        st: TicketState | None = None
        for e in events:
            st = evolve(st, e)
        assert st is not None
        folds[tid] = st
    conn = await asyncpg.connect(s.dsn)
    try:
        statuses = {r["message_id"]: r["status"] for r in await conn.fetch(
            "SELECT message_id, status FROM intake.inbound_messages")}  # fmt: skip
    finally:
        await conn.close()
    models = await read_models(s)
    timeline_notes = await timeline_diagnostics(s, folds, models, per_ticket)
    model_ids = {tid for tid, m in models.items() if m.get("opened", True)}

    rows = [
        Row(
            "the system settled (lag 0, outboxes empty, no due timer)",
            "all 0",
            ", ".join(f"{k}={v}" for k, v in settled.items() if v) or "all 0",
            not any(settled.values()),
        ),  # fmt: skip
        check_effects(t, statuses, effects),
        check_event_ids(records),
        check_folds(folds, models, timeline_notes),
        check_capacity(per_ticket, caps, per_channel),
        check_timers(per_ticket, folds, settled_at),
        check_poison(f, letters),
        check_counts(opened, model_ids),
    ]
    total = time.monotonic() - began
    text = "\n".join(
        [
            f"chaos run {datetime.now(UTC).isoformat(timespec='seconds')}: {len(t.sent)} inbound messages "
            f"acknowledged, {len(opened)} tickets, {len(records)} ticket records; faults+traffic "
            f"{chaos_seconds:.0f}s, total {total:.0f}s",
            "faults: " + "; ".join(f"{n} ({d:.1f}s)" for n, d in f.done),
            "traffic: " + ", ".join(f"{k} {v}" for k, v in sorted(t.stats.items())),
            *(f"note: {n}" for n in f.notes),
            "",
            render(rows),
        ]
    )
    print("\n" + text, flush=True)
    s.keep_db = not all(r.ok for r in rows)  # a failed run leaves its database for the post-mortem
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "invariants.txt").write_text(text + "\n")
    return Outcome({r.name: r for r in rows}, text)


def _row(outcome: Outcome, prefix: str) -> Row:
    return next(r for name, r in outcome.rows.items() if name.startswith(prefix))


def test_the_system_settles_after_the_faults(outcome):
    r = _row(outcome, "the system settled")
    assert r.ok, r.observed


def test_every_inbound_message_had_exactly_one_effect(outcome):
    r = _row(outcome, "every inbound message")
    assert r.ok, r.observed


def test_no_event_id_twice_with_different_content(outcome):
    r = _row(outcome, "no event id")
    assert r.ok, r.observed


def test_every_tickets_fold_equals_its_read_model(outcome):
    r = _row(outcome, "every ticket's fold")
    assert r.ok, r.observed


def test_no_agent_ever_above_capacity(outcome):
    r = _row(outcome, "no agent ever")
    assert r.ok, r.observed


def test_every_due_sla_timer_fired_exactly_once(outcome):
    r = _row(outcome, "every SLA timer")
    assert r.ok, r.observed


def test_every_poison_record_is_dead_lettered_with_a_reason(outcome):
    r = _row(outcome, "every poison record")
    assert r.ok, r.observed


def test_read_model_counts_equal_the_log(outcome):
    r = _row(outcome, "read-model ticket count")
    assert r.ok, r.observed
