"""Browser fixtures: projections with the dashboard as an extra process beside the ``stack``, and Debian's
Chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from helpdesk_testing.stack import BASE, Stack, serving
from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DASHBOARD_PORT = BASE + 5


@pytest.fixture(scope="module")
async def dashboard(stack: Stack) -> AsyncIterator[str]:
    """The dashboard's base URL: the stack's projections when it serves the dashboard, else projections' API plus
    ``dashboard_router`` as an extra process on its own port over the same database."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    async with httpx.AsyncClient() as client:
        if (await client.get(f"{stack.url('projections')}/dashboard/static/common.js")).status_code == 200:
            yield stack.url("projections")
            return
    env = dict(stack.env(), HELPDESK_PROJECTIONS_HTTP_PORT=str(DASHBOARD_PORT))
    command = [sys.executable, str(HERE / "serve_dashboard.py")]
    async with serving(command, env, DASHBOARD_PORT, stack.log_dir / "dashboard.log", "dashboard") as url:
        yield url


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            await b.close()


@dataclass
class Watched:
    """A page and everything it complained about: console errors, uncaught exceptions, dialogs (alert())."""

    page: Page
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def clean(self) -> bool:
        return not self.errors and not self.dialogs


@pytest.fixture
async def watched(browser: Browser) -> AsyncIterator[Watched]:
    context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    page = await context.new_page()
    w = Watched(page)

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            w.errors.append(f"{msg.text} @ {msg.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: w.errors.append(f"uncaught: {exc}"))

    async def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        w.dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        yield w
    finally:
        await context.close()


@pytest.fixture(scope="session")
def screenshots() -> Iterator[Path]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield SCREENSHOTS
