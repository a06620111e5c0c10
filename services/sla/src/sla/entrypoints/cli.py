"""``helpdesk-sla`` (also ``helpdesk sla``): run the service."""

from __future__ import annotations

from helpdesk_runtime.cli import service_main

from ..bootstrap import bootstrap
from ..config import SlaSettings

main = service_main("sla", lambda: bootstrap(SlaSettings()))
