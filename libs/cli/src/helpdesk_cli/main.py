"""``helpdesk``: the operator command.

Built-in subcommands: ``status``, ``topics create|describe``, ``run`` (the local supervisor). Anything else
is dispatched git-style to an executable ``helpdesk-<name>`` (each service contributes its own: e.g.
``helpdesk sla due …`` runs ``helpdesk-sla due …``), so services never import each other.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
from pathlib import Path

from helpdesk_runtime.settings import ServiceSettings

from . import status as status_cmd
from . import topics as topics_cmd


def _find_plugin(name: str) -> str | None:
    local = Path(sys.executable).with_name(f"helpdesk-{name}")
    if local.exists():
        return str(local)
    return shutil.which(f"helpdesk-{name}")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] not in {"status", "topics", "run", "-h", "--help"}:
        plugin = _find_plugin(args[0])
        if plugin is None:
            print(f"helpdesk: unknown command {args[0]!r} (no helpdesk-{args[0]} on PATH)", file=sys.stderr)
            return 2
        os.execv(plugin, [plugin, *args[1:]])  # noqa: S606 - dispatch to our own console scripts

    parser = argparse.ArgumentParser(prog="helpdesk", description=__doc__.split("\n\n")[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="Kafka, PostgreSQL, services, lag, outbox backlog, timers due, dead letters")
    topics = sub.add_parser("topics", help="create or describe the project's topics")
    topics.add_argument("action", choices=["create", "describe"])
    run = sub.add_parser("run", help="run the five services (and the demo) under one supervisor")
    run.add_argument("--no-demo", action="store_true")
    parsed = parser.parse_args(args)
    settings = ServiceSettings()
    if parsed.command == "status":
        return asyncio.run(status_cmd.status(settings))
    if parsed.command == "topics":
        return asyncio.run(topics_cmd.topics(settings, parsed.action))
    from .supervisor import supervise

    demo = not parsed.no_demo and os.environ.get("DEMO", "1") != "0"
    return supervise(demo=demo)


if __name__ == "__main__":
    raise SystemExit(main())
