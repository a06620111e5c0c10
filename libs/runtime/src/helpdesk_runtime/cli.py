"""The common shape of ``helpdesk-<service>`` commands: ``serve``, ``check-config``, and the service's own
subcommands (contributed to ``helpdesk <service> …`` by git-style dispatch)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
from pydantic import ValidationError

from .service import Service, run

Subcommand = tuple[str, str, Callable[[list[str]], int]]


def describe_config_error(exc: BaseException) -> list[str]:
    """One line per problem: ``FILE: path.inside[0].the: problem`` when the loader named the file."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    validation = next((e for e in chain if isinstance(e, ValidationError)), None)
    if validation is None:
        return [str(exc)]
    head = str(exc).split(": ", 1)[0] if str(exc) != str(validation) else validation.title
    lines = []
    for err in validation.errors():
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
        lines.append(f"{head}: {loc or '(top level)'}: {err['msg']}")
    return lines


def check_config(build: Callable[[], Service], argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="check-config")
    parser.add_argument("--dir", type=Path, help="configuration folder (default: HELPDESK_CONFIG_DIR)")
    args = parser.parse_args(argv)
    if args.dir is not None:
        os.environ["HELPDESK_CONFIG_DIR"] = str(args.dir)
    try:
        service = build()
    except (ValueError, OSError) as exc:
        for line in describe_config_error(exc):
            print(line, file=sys.stderr)
        return 1
    print(f"{service.name}: configuration OK")
    return 0


def replay_command(build: Callable[[], Service], argv: list[str]) -> int:
    """``helpdesk replay SERVICE`` (``helpdesk-<service> replay``): see :mod:`helpdesk_runtime.replay`."""
    from .replay import replay
    from .service import Context

    service = build()
    parser = argparse.ArgumentParser(
        prog=f"helpdesk replay {service.name}", description="rebuild the service's state from the Kafka log"
    )
    parser.add_argument("--switch", action="store_true", help="make the replayed state live (service stopped)")
    parser.add_argument("--drop-old", action="store_true", help="with --switch: drop the previous schema")
    args = parser.parse_args(argv)
    if service.replay is None:
        print(f"{service.name} cannot be replayed (no replay spec): recover it by PITR", file=sys.stderr)
        return 2
    settings = service.context.settings
    live = service.context.schema
    ctx = Context(settings, f"{live}_replay", service.context.clock)

    def with_pool(hook: Callable[[Context], Awaitable[None]]) -> Callable[[asyncpg.Pool], Awaitable[None]]:
        async def run_hook(pool: asyncpg.Pool) -> None:
            ctx._pool = pool  # noqa: SLF001 - the replay's own context
            await hook(ctx)

        return run_hook

    try:
        result = asyncio.run(
            replay(
                name=service.name,
                live=live,
                spec=service.replay,
                ddl=service.ddl,
                dsn=settings.dsn,
                bootstrap=settings.kafka_bootstrap,
                topic_prefix=settings.topic_prefix,
                kafka_options=settings.kafka_options,
                make_clock=lambda: service.context.clock,
                on_start=[with_pool(h) for h in service.on_start],
                do_switch=args.switch,
                drop_old=args.drop_old,
            )
        )
    except RuntimeError as exc:
        print(f"helpdesk replay {service.name}: {exc}", file=sys.stderr)
        return 1
    return 0 if result.same or args.switch else 3


def service_main(name: str, build: Callable[[], Service], extra: list[Subcommand] | None = None) -> Callable[[], int]:
    def main(argv: list[str] | None = None) -> int:
        args = list(sys.argv[1:] if argv is None else argv)
        commands: dict[str, Callable[[list[str]], int]] = {"replay": lambda rest: replay_command(build, rest)}
        commands.update({cmd: fn for cmd, _, fn in extra or []})
        commands["check-config"] = lambda rest: check_config(build, rest)
        if args and args[0] in commands:
            return commands[args[0]](args[1:])
        parser = argparse.ArgumentParser(prog=f"helpdesk {name}")
        sub = parser.add_subparsers(dest="command", required=True)
        sub.add_parser("serve", help=f"run the {name} service")
        sub.add_parser("check-config", help="validate this service's configuration files", add_help=False)
        if "replay" not in {cmd for cmd, _, _ in extra or []}:
            sub.add_parser("replay", help="rebuild the service's state from the Kafka log", add_help=False)
        for cmd, help_text, _ in extra or []:
            sub.add_parser(cmd, help=help_text, add_help=False)
        parser.parse_args(args)
        run(build)
        return 0

    return main
