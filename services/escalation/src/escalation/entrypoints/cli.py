"""``helpdesk-escalation`` (also ``helpdesk escalation``): run the service."""

from __future__ import annotations

from helpdesk_runtime.cli import service_main

from ..bootstrap import bootstrap
from ..config import EscalationSettings

main = service_main("escalation", lambda: bootstrap(EscalationSettings()))
