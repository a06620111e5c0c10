"""Fixtures for the chaos suite: its OWN Kafka broker and PostgreSQL cluster (the suite stops and restarts
them, so it never touches the shared test broker or the main cluster), a fresh database and topic prefix, and
the five services as processes, plus extra routing/projections replicas.

Overridable: HELPDESK_CHAOS_KAFKA_PORT (29092; the controller takes the next port),
HELPDESK_CHAOS_PG_PORT (5433), HELPDESK_CHAOS_PORT_BASE (26080: projections 26080 … escalation 26084,
extra replicas 26085…).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from helpdesk_runtime.topics_admin import ensure_topics
from helpdesk_testing.stack import BIN, Stack

ROOT = Path(__file__).resolve().parents[2]
KAFKA_PORT = int(os.environ.get("HELPDESK_CHAOS_KAFKA_PORT", "29092"))
PG_PORT = int(os.environ.get("HELPDESK_CHAOS_PG_PORT", "5433"))
PORT_BASE = int(os.environ.get("HELPDESK_CHAOS_PORT_BASE", "26080"))
SERVICES = ("projections", "intake", "routing", "sla", "escalation")
PORTS = {name: PORT_BASE + i for i, name in enumerate(SERVICES)}
ARTIFACTS = ROOT / "test-artifacts" / "chaos"

# Minutes, on the 24/7 calendar: targets fall due during the run, so breaches fire under the faults.
CHAOS_SLA = """
version: "chaos-1"
pause_statuses: [pending]
policies:
  - id: chaos
    match: {}
    calendar: always
    targets: {first_response: 1, next_response: 2, resolution: 3}
    warnings: [0.5]
"""


class KafkaBroker:
    """deploy/local/kafka.sh on the suite's own port and data directory."""

    def __init__(self) -> None:
        self.bootstrap = f"localhost:{KAFKA_PORT}"
        self.env = dict(
            os.environ,
            KAFKA_PORT=str(KAFKA_PORT),
            KAFKA_CONTROLLER_PORT=str(KAFKA_PORT + 1),
            KAFKA_DATA_DIR=str(ROOT / ".local" / f"kafka-chaos-{KAFKA_PORT}"),
        )

    def _run(self, action: str) -> None:
        subprocess.run([str(ROOT / "deploy/local/kafka.sh"), action], env=self.env, check=True, timeout=300)

    def start(self) -> None:
        try:
            self._run("start")
        except subprocess.CalledProcessError:  # KRaft start-up on a loaded machine: retry once
            self._run("stop")
            self._run("start")

    def stop(self) -> None:
        self._run("stop")


class Postgres:
    """deploy/local/postgres.sh on the suite's own port; stopped and started with pg_ctlcluster."""

    def __init__(self) -> None:
        self.dsn = f"postgresql://helpdesk:helpdesk@localhost:{PG_PORT}/helpdesk"
        self.env = dict(os.environ, HELPDESK_PG_DSN=self.dsn)

    def ensure(self) -> None:
        subprocess.run([str(ROOT / "deploy/local/postgres.sh"), "ensure"], env=self.env, check=True, timeout=600)

    def cluster(self) -> tuple[str, str]:
        out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            version, name, port, *_ = line.split()
            if int(port) == PG_PORT:
                return version, name
        raise AssertionError(f"no PostgreSQL cluster on port {PG_PORT}: {out}")

    def ctl(self, action: str) -> None:
        version, name = self.cluster()
        subprocess.run(["pg_ctlcluster", version, name, action, *(["-m", "fast"] if action == "stop" else [])],
                       check=True, timeout=120)  # fmt: skip

    def running(self) -> bool:
        cmd = [str(ROOT / "deploy/local/postgres.sh"), "status"]
        return subprocess.run(cmd, env=self.env, check=False, timeout=60, capture_output=True).returncode == 0

    def stop(self) -> None:
        """Stop the cluster (postgres.sh's own marker no longer matches once the suite restarted it)."""
        subprocess.run([str(ROOT / "deploy/local/postgres.sh"), "stop"], env=self.env, check=False, timeout=120)
        if self.running():
            self.ctl("stop")


class ChaosStack(Stack):
    """The Stack on the suite's own ports, with extra replicas (``routing-2``…) on further ports."""

    @property
    def extra_ports(self) -> dict[str, int]:
        if "_extra_ports" not in self.__dict__:
            self.__dict__["_extra_ports"] = {}
        return self.__dict__["_extra_ports"]  # type: ignore[no-any-return]

    def port(self, name: str) -> int:
        return PORTS.get(name) or self.extra_ports[name]

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.port(service)}"

    def env(self) -> dict[str, str]:
        env = super().env()
        for name, port in PORTS.items():
            env[f"HELPDESK_{name.upper()}_HTTP_PORT"] = str(port)
        return env

    def start(self, name: str) -> None:
        service = name.split("-")[0]
        env = self.env()
        if name not in PORTS:
            self.extra_ports.setdefault(name, PORT_BASE + len(PORTS) + len(self.extra_ports))
            env[f"HELPDESK_{service.upper()}_HTTP_PORT"] = str(self.extra_ports[name])
        with (self.log_dir / f"{name}.log").open("ab") as log:
            self.procs[name] = subprocess.Popen(
                [str(BIN / f"helpdesk-{service}"), "serve"], env=env, stdout=log, stderr=log
            )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name)
        proc.send_signal(sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def dead(self) -> list[str]:
        return [name for name, proc in self.procs.items() if proc.poll() is not None]


@pytest.fixture(scope="session")
def chaos_kafka() -> Iterator[KafkaBroker]:
    broker = KafkaBroker()
    broker.start()
    try:
        yield broker
    finally:
        if not os.environ.get("HELPDESK_CHAOS_KEEP_INFRA"):
            subprocess.run([str(ROOT / "deploy/local/kafka.sh"), "stop"], env=broker.env, check=False)


@pytest.fixture(scope="session")
def chaos_pg() -> Iterator[Postgres]:
    pg = Postgres()
    was_running = pg.running()
    pg.ensure()
    try:
        yield pg
    finally:
        if not was_running and not os.environ.get("HELPDESK_CHAOS_KEEP_INFRA"):
            pg.stop()


@pytest.fixture(scope="session")
async def chaos_stack(
    chaos_kafka: KafkaBroker, chaos_pg: Postgres, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ChaosStack]:
    """The five services on a fresh database and fresh topics; every process stopped at the end."""
    db = f"helpdesk_chaos_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(chaos_pg.dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{db}"')
    finally:
        await conn.close()
    dsn = f"{chaos_pg.dsn.rpartition('/')[0]}/{db}"
    base = tmp_path_factory.mktemp("chaos")
    shutil.copytree(ROOT / "deploy" / "config" / "sample", base / "config")
    (base / "config" / "sla.yaml").write_text(CHAOS_SLA)
    prefix = f"chaos{int(time.time()) % 1000000}."
    await ensure_topics(chaos_kafka.bootstrap, prefix)
    s = ChaosStack(prefix=prefix, bootstrap=chaos_kafka.bootstrap, dsn=dsn, clock_file=base / "clock", log_dir=base)
    s.shift_clock(0)
    for name in SERVICES:
        s.start(name)
    try:
        for name in SERVICES:
            await s.ready(name, timeout=120)
        yield s
    finally:
        s.stop_all()
        logs = ARTIFACTS / "logs"
        if logs.exists():
            shutil.rmtree(logs)
        logs.mkdir(parents=True)
        for path in base.glob("*.log"):
            shutil.copy(path, logs / path.name)
        if getattr(s, "keep_db", False):
            print(f"\n[chaos] invariants failed: database {db} kept on port {PG_PORT} (the cluster is stopped "
                  "at the end unless HELPDESK_CHAOS_KEEP_INFRA=1)")  # fmt: skip
        else:
            await drop_database(chaos_pg.dsn, db)


async def drop_database(admin_dsn: str, db: str) -> None:
    try:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        finally:
            await conn.close()
    except (OSError, asyncpg.PostgresError):
        pass
