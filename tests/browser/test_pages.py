"""The dashboard's pages and files without a browser: served with their security headers, no data in the
HTML, every UI string in both languages, and no HTML-parsing sinks in the scripts."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from helpdesk_runtime.service import Runner
from projections.bootstrap import bootstrap
from projections.config import ProjectionsSettings
from projections.dashboard import dashboard_router
from projections.dashboard.pages import PAGES, render
from projections.dashboard.router import STATIC_DIR

pytestmark = pytest.mark.unit

PATHS = {"now": "/", "login": "/login", "trends": "/trends", "ticket": "/tickets/HD-2026-000001"}


def client() -> httpx.AsyncClient:
    svc = bootstrap(ProjectionsSettings(env="development"))
    svc.routers.append(dashboard_router(svc.context))
    app = Runner(svc).build_app()
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_every_page_is_served_without_a_key_with_a_strict_policy() -> None:
    async with client() as c:
        for name, path in PATHS.items():
            resp = await c.get(path)
            assert resp.status_code == 200, name
            assert resp.headers["content-type"].startswith("text/html")
            csp = resp.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
            assert resp.headers["x-content-type-options"] == "nosniff"
            for src in re.findall(r'(?:src|href)="(/dashboard/static/[^"]+)"', resp.text):
                asset = await c.get(src)
                assert asset.status_code == 200, src
        assert (await c.get("/v1/tickets")).status_code == 401  # the data still needs a key


async def test_the_ticket_reference_is_not_echoed_into_the_page() -> None:
    async with client() as c:
        resp = await c.get("/tickets/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    assert resp.status_code == 200
    assert "onerror" not in resp.text and "alert(1)" not in resp.text


async def test_only_the_listed_static_files_are_served() -> None:
    async with client() as c:
        assert (await c.get("/dashboard/static/common.js")).headers["content-type"].startswith("text/javascript")
        for bad in ("/dashboard/static/../router.py", "/dashboard/static/%2e%2e/router.py", "/dashboard/static/x.js"):
            assert (await c.get(bad)).status_code == 404, bad


def strings(lang: str) -> set[str]:
    source = (STATIC_DIR / "i18n.js").read_text(encoding="utf-8")
    start = source.index(f"  {lang}: {{")
    end = source.index("\n  },", start)
    return set(re.findall(r'(?:^|[\s{,])([a-z_0-9]+): "', source[start + len(lang) + 5 : end]))


def test_every_ui_string_exists_in_english_and_spanish() -> None:
    en, es = strings("en"), strings("es")
    assert en == es, en ^ es
    used: set[str] = set()
    for name in PAGES:
        used |= set(re.findall(r'data-i18n(?:-aria)?="([a-z_0-9]+)"', render(name)))
    for script in STATIC_DIR.glob("*.js"):
        used |= set(re.findall(r'HD\.t\("([a-z_0-9]+)"\)', script.read_text(encoding="utf-8")))
    assert used - en == set()


@pytest.mark.parametrize("script", sorted(p.name for p in Path(STATIC_DIR).glob("*.js")))
def test_scripts_never_parse_html(script: str) -> None:
    source = (STATIC_DIR / script).read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source, f"{script} uses {sink}"
