"""``helpdesk-routing`` (also ``helpdesk routing``): run the service."""

from __future__ import annotations

from helpdesk_runtime.cli import service_main

from ..bootstrap import bootstrap
from ..config import RoutingSettings

main = service_main("routing", lambda: bootstrap(RoutingSettings()))
