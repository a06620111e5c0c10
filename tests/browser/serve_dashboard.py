"""Projections' HTTP API with the dashboard router appended, as its own process next to a running stack.

It reads the stack's database (``stack.env()``) and leaves the read models to the stack's projections
process: no consumers, no relay, only HTTP (the query API, the live stream and the dashboard).
Run: ``HELPDESK_PROJECTIONS_HTTP_PORT=<port> python tests/browser/serve_dashboard.py`` with the stack's env.
"""

from __future__ import annotations

from helpdesk_runtime.service import Service, run
from projections.bootstrap import bootstrap
from projections.config import ProjectionsSettings
from projections.dashboard import dashboard_router


def build() -> Service:
    svc = bootstrap(ProjectionsSettings())
    if not any(route.path == "/" for router in svc.routers for route in router.routes):  # type: ignore[attr-defined]
        svc.routers.append(dashboard_router(svc.context))  # not wired into bootstrap (yet)
    svc.consumers = []
    svc.run_relay = False
    return svc


if __name__ == "__main__":
    run(build)
