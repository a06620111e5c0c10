"""``helpdesk``: the operator command.

Built-in: ``status``, ``topics create|describe``, ``config validate``, ``dlq list|show|redrive``, ``replay``,
``run``.
Anything else is dispatched git-style to ``helpdesk-<name>`` (each service contributes its own: e.g.
``helpdesk sla due …`` runs ``helpdesk-sla due …``), so services never import each other.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from helpdesk_runtime.settings import ServiceSettings
from rich.console import Console
from rich.table import Table

from . import dlq as dlq_mod
from . import status as status_cmd
from . import topics as topics_cmd

BUILTIN = {
    *("status", "topics", "config", "dlq", "run", "replay"),
    *("--help", "-h", "--install-completion", "--show-completion"),
}
SERVICES = ["intake", "routing", "sla", "escalation", "projections"]

app = typer.Typer(help=__doc__.split("\n\n")[0] if __doc__ else None, no_args_is_help=True, add_completion=False)
topics_app = typer.Typer(help="The project's Kafka topics.", no_args_is_help=True)
config_app = typer.Typer(help="The YAML configuration.", no_args_is_help=True)
dlq_app = typer.Typer(help="The dead-letter topic.", no_args_is_help=True)
app.add_typer(topics_app, name="topics")
app.add_typer(config_app, name="config")
app.add_typer(dlq_app, name="dlq")
console = Console()


def _plugin(name: str) -> str | None:
    local = Path(sys.executable).with_name(f"helpdesk-{name}")
    return str(local) if local.exists() else shutil.which(f"helpdesk-{name}")


@app.command()
def status() -> None:
    """Services, PostgreSQL, lag per consumer, outbox backlog, timers due, dead letters."""
    raise typer.Exit(asyncio.run(status_cmd.status(ServiceSettings())))


@topics_app.command("create")
def topics_create() -> None:
    """Create the topics with their partitions and configs (idempotent)."""
    raise typer.Exit(asyncio.run(topics_cmd.topics(ServiceSettings(), "create")))


@topics_app.command("describe")
def topics_describe() -> None:
    """Partitions and configs of the topics as the broker has them."""
    raise typer.Exit(asyncio.run(topics_cmd.topics(ServiceSettings(), "describe")))


@config_app.command("validate")
def config_validate(
    directory: Annotated[Path, typer.Option("--dir", help="configuration folder")] = Path("deploy/config/sample"),
) -> None:
    """Validate every service's configuration; errors name the file, the path inside it and the problem."""
    failed = False
    for service in SERVICES:
        plugin = _plugin(service)
        if plugin is None:
            console.print(f"[red]{service}: helpdesk-{service} is not installed")
            failed = True
            continue
        result = subprocess.run(  # noqa: S603 - our own console script
            [plugin, "check-config", "--dir", str(directory)], capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            console.print(f"[green]✓[/] {result.stdout.strip()}")
        else:
            failed = True
            for line in result.stderr.strip().splitlines():
                console.print(f"[red]✗[/] {service}: {line}", highlight=False, soft_wrap=True)
    raise typer.Exit(1 if failed else 0)


@dlq_app.command("list")
def dlq_list(consumer: Annotated[str | None, typer.Option(help="only this consumer")] = None) -> None:
    """Dead letters: where they came from, which consumer gave up, and why."""
    settings = ServiceSettings()
    letters = asyncio.run(dlq_mod.letters(settings))
    done = asyncio.run(dlq_mod.redriven_refs(settings))
    table = Table("ref", "consumer", "from", "failed at", "redriven", "error")
    for letter in letters:
        if consumer and letter.consumer != consumer:
            continue
        b = letter.body
        origin = f"{b.get('original_topic')}[{b.get('original_partition')}]@{b.get('original_offset')}"
        table.add_row(
            letter.ref,
            letter.consumer,
            origin,
            str(b.get("failed_at", ""))[:19],
            "yes" if letter.ref in done else "",
            letter.error[:120],
        )
    console.print(table)
    console.print(f"{len(letters)} dead letter(s)")


@dlq_app.command("show")
def dlq_show(ref: Annotated[str, typer.Argument(help="PARTITION:OFFSET from `dlq list`")]) -> None:
    """One dead letter in full, with its original payload decoded when it is text."""
    import base64

    for letter in asyncio.run(dlq_mod.letters(ServiceSettings())):
        if letter.ref == ref:
            body = dict(letter.body)
            raw = base64.b64decode(body.get("original_value_b64", ""))
            try:
                body["original_value"] = raw.decode("utf-8")
            except UnicodeDecodeError:
                body["original_value"] = repr(raw[:500])
            print(json.dumps(body, indent=2, ensure_ascii=False))
            return
    console.print(f"[red]no dead letter {ref}")
    raise typer.Exit(1)


@dlq_app.command("redrive")
def dlq_redrive(
    refs: Annotated[
        list[str] | None, typer.Argument(help="PARTITION:OFFSET refs (default: all not yet redriven)")
    ] = None,
    consumer: Annotated[str | None, typer.Option(help="only letters of this consumer")] = None,
    force: Annotated[bool, typer.Option(help="redrive letters already redriven")] = False,
) -> None:
    """Re-publish dead letters to their original topics, once the cause is fixed."""
    settings = ServiceSettings()
    letters = asyncio.run(dlq_mod.letters(settings))
    done = asyncio.run(dlq_mod.redriven_refs(settings))
    chosen = [
        letter
        for letter in letters
        if (not refs or letter.ref in refs)
        and (consumer is None or letter.consumer == consumer)
        and (force or letter.ref not in done)
    ]
    sent = asyncio.run(dlq_mod.redrive(settings, chosen))
    console.print(f"redriven {sent} dead letter(s)")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def replay(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="intake, routing, sla, escalation or projections")],
) -> None:
    """Rebuild SERVICE's state from the Kafka log into a new schema, compare it with the live one, and
    with --switch make it live (projections: the same as `helpdesk projections rebuild`)."""
    if service not in SERVICES:
        console.print(f"[red]unknown service {service!r}[/red]: one of {', '.join(SERVICES)}")
        raise typer.Exit(2)
    plugin = _plugin(service)
    if plugin is None:
        console.print(f"[red]helpdesk-{service} is not installed[/red]")
        raise typer.Exit(2)
    raise typer.Exit(subprocess.call([plugin, "replay", *ctx.args]))  # noqa: S603 - our own console script


@app.command()
def run(no_demo: Annotated[bool, typer.Option("--no-demo", help="no demo traffic")] = False) -> None:
    """Run the five services (and the demo) under one supervisor, as `make run` does."""
    from .supervisor import supervise

    raise typer.Exit(supervise(demo=not no_demo and os.environ.get("DEMO", "1") != "0"))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] not in BUILTIN:
        plugin = _plugin(args[0])
        if plugin is None:
            print(f"helpdesk: unknown command {args[0]!r} (no helpdesk-{args[0]} on PATH)", file=sys.stderr)
            return 2
        os.execv(plugin, [plugin, *args[1:]])  # noqa: S606 - dispatch to our own console scripts
    try:
        code = app(args, prog_name="helpdesk", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - click usage errors and the like
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
        raise
    return int(code) if isinstance(code, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
