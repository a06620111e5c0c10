"""``helpdesk-projections`` (also ``helpdesk projections``): run the service."""

from __future__ import annotations

from helpdesk_runtime.cli import service_main

from ..bootstrap import bootstrap
from ..config import ProjectionsSettings

main = service_main("projections", lambda: bootstrap(ProjectionsSettings()))
