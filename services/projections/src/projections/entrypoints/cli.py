"""``helpdesk-projections`` (also ``helpdesk projections``): run the service, or rebuild its read models."""

from __future__ import annotations

from helpdesk_runtime.cli import service_main

from ..bootstrap import bootstrap
from ..config import ProjectionsSettings
from .rebuild import main as rebuild_main


def _replay(argv: list[str]) -> int:
    return rebuild_main([a for a in argv if a != "--switch"])


main = service_main(
    "projections",
    lambda: bootstrap(ProjectionsSettings()),
    extra=[
        ("rebuild", "replay the log into a new schema while the live one serves, then switch", rebuild_main),
        # A rebuild always switches; --switch is accepted for the same command line as the other services.
        ("replay", "the same as rebuild (`helpdesk replay projections`)", _replay),
    ],
)
