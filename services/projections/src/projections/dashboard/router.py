"""``dashboard_router(ctx)``: the pages (``/``, ``/login``, ``/trends``, ``/tickets/{ref}``) and their static
files (``/dashboard/static/…``). The pages need no key and hold no data: the scripts fetch it."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from helpdesk_runtime.service import Context

from .pages import render

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/dashboard/static"
_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".txt": "text/plain"}

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def static_files(root: Path = STATIC_DIR) -> dict[str, Path]:
    """Every servable file by its path under ``root`` (a fixed list: no path is ever built from a request)."""
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file() and p.suffix in _TYPES}


def dashboard_router(ctx: Context) -> APIRouter:
    """The dashboard's routes; ``ctx`` is accepted for symmetry with the other routers (pages hold no data)."""
    router = APIRouter(tags=["dashboard"], include_in_schema=False)
    files = static_files()

    def page(name: str) -> HTMLResponse:
        return HTMLResponse(render(name), headers=SECURITY_HEADERS)

    @router.get("/", response_class=HTMLResponse)
    async def now_page() -> HTMLResponse:
        return page("now")

    @router.get("/dashboard", response_class=RedirectResponse)
    async def dashboard_home() -> RedirectResponse:
        return RedirectResponse("/", status_code=status.HTTP_307_TEMPORARY_REDIRECT)

    @router.get("/login", response_class=HTMLResponse)
    async def login_page() -> HTMLResponse:
        return page("login")

    @router.get("/trends", response_class=HTMLResponse)
    async def trends_page() -> HTMLResponse:
        return page("trends")

    @router.get("/tickets/{ref}", response_class=HTMLResponse)
    async def ticket_page(ref: str) -> HTMLResponse:
        return page("ticket")  # the script reads the ticket reference from the address

    @router.get(STATIC_PREFIX + "/{path:path}")
    async def static(path: str) -> FileResponse:
        file = files.get(path)
        if file is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such file")
        return FileResponse(
            file,
            media_type=_TYPES[file.suffix],
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )

    return router
