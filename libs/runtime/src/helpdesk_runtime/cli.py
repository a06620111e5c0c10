"""The common shape of ``helpdesk-<service>`` commands: ``serve`` plus the service's own subcommands."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from .service import Service, run

Subcommand = tuple[str, str, Callable[[list[str]], int]]


def service_main(name: str, build: Callable[[], Service], extra: list[Subcommand] | None = None) -> Callable[[], int]:
    def main(argv: list[str] | None = None) -> int:
        import sys

        args = list(sys.argv[1:] if argv is None else argv)
        commands = {cmd: fn for cmd, _, fn in extra or []}
        if args and args[0] in commands:
            return commands[args[0]](args[1:])
        parser = argparse.ArgumentParser(prog=f"helpdesk {name}")
        sub = parser.add_subparsers(dest="command", required=True)
        sub.add_parser("serve", help=f"run the {name} service")
        for cmd, help_text, _ in extra or []:
            sub.add_parser(cmd, help=help_text, add_help=False)
        parser.parse_args(args)
        run(build)
        return 0

    return main
