"""``helpdesk-intake`` (also ``helpdesk intake``): run the service."""

from __future__ import annotations

from helpdesk_runtime.cli import service_main

from ..bootstrap import bootstrap
from ..config import IntakeSettings

main = service_main("intake", lambda: bootstrap(IntakeSettings()))
