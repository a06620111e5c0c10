"""``helpdesk-sla`` (also ``helpdesk sla``): run the service, or check a calendar (``due``, ``elapsed``)."""

from __future__ import annotations

from collections.abc import Callable

from helpdesk_runtime.cli import service_main

from ..bootstrap import bootstrap
from ..config import SlaSettings
from . import calendar_cli


def _calendar(command: str) -> Callable[[list[str]], int]:
    def run(argv: list[str]) -> int:
        return calendar_cli.main([command, *argv])

    return run


main = service_main(
    "sla",
    lambda: bootstrap(SlaSettings()),
    extra=[
        ("due", "the instant N business minutes after a start", _calendar("due")),
        ("elapsed", "business minutes between two instants", _calendar("elapsed")),
    ],
)
