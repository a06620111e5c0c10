"""The live dashboard: server-rendered HTML shells (no data in them) and static scripts that read the JSON
query API from the browser with the user's bearer key (docs/dashboard.md)."""

from .router import dashboard_router

__all__ = ["dashboard_router"]
