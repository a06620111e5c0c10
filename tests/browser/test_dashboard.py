"""The dashboard in a real browser (Debian's Chromium through Playwright) against the whole running system:
what a supervisor sees equals what the query API says, changes arrive live, ticket text stays text."""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpdesk_testing import eventually
from helpdesk_testing.stack import Stack
from playwright.async_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ADAPTER = {"Authorization": "Bearer dev-adapter-key"}
AGENT = {"Authorization": "Bearer dev-agent-key"}
ANALYST = {"Authorization": "Bearer dev-analyst-key"}
XSS = "<img src=x onerror=alert(1)>"
OPEN = ["new", "open", "pending"]


async def open_ticket(client: httpx.AsyncClient, stack: Stack, subject: str, body: str, email: str) -> dict[str, Any]:
    msg = {
        "message_id": f"web-{uuid.uuid4()}",
        "channel": "web",
        "received_at": datetime.now(UTC).isoformat(),
        "sender": {"email": email, "name": email.split("@")[0]},
        "subject": subject,
        "body": body,
    }
    resp = await client.post(f"{stack.url('intake')}/v1/inbound", json=msg, headers=ADAPTER)
    assert resp.status_code == 202, resp.text

    async def opened() -> dict[str, Any] | None:
        r = await client.get(f"{stack.url('intake')}/v1/inbound/{msg['message_id']}", headers=ADAPTER)
        return r.json() if r.status_code == 200 and r.json()["status"] == "opened" else None

    done = await eventually(opened, timeout=20, what="ticket opened")
    return dict(done)


async def projected(client: httpx.AsyncClient, stack: Stack, folio: str, what: str = "assigned") -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        r = await client.get(f"{stack.url('projections')}/v1/tickets/{folio}", headers=ANALYST)
        if r.status_code != 200:
            return None
        view: dict[str, Any] = r.json()
        ok = view["ticket"]["assignee"] if what == "assigned" else view["ticket"]["status"] == what
        return view if ok else None

    return await eventually(probe, timeout=20, what=f"{folio} {what} in projections")


@pytest.fixture(scope="module")
async def seeded(stack: Stack, dashboard: str) -> dict[str, str]:
    """Three tickets: one answered and resolved, one with a hostile subject, one left open."""
    async with httpx.AsyncClient(timeout=10) as client:
        solved = await open_ticket(
            client, stack, "La impresora no imprime", "La impresora de la planta 2 no imprime.", "ana@example.com"
        )
        xss = await open_ticket(client, stack, XSS, "<script>alert(2)</script> body", "eve@example.com")
        vpn = await open_ticket(client, stack, "VPN down since this morning", "Cannot connect.", "bob@example.com")
        for t in (solved, xss, vpn):
            await projected(client, stack, t["folio"])
        intake = f"{stack.url('intake')}/v1/tickets/{solved['folio']}"
        r = await client.post(f"{intake}/replies", json={"body": "Lo miro ahora."}, headers=AGENT)
        assert r.status_code == 201, r.text
        r = await client.post(
            f"{intake}/status", json={"status": "resolved", "resolution": "Cambio de tóner."}, headers=AGENT
        )
        assert r.status_code == 201, r.text
        await projected(client, stack, solved["folio"], "resolved")
    return {"solved": solved["folio"], "xss": xss["folio"], "vpn": vpn["folio"]}


async def api(stack: Stack, path: str, **params: Any) -> Any:
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.get(f"{stack.url('projections')}{path}", params=params, headers=ANALYST)
        r.raise_for_status()
        return r.json()


# Every visible text against its effective background (WCAG relative luminance), and every form field labelled.
A11Y_PROBE = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92
    : ((v + 0.055) / 1.055) ** 2.4; }).reduce((acc, v, i) => acc + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (n) => {
    for (; n && n.nodeType === 1; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const el = t.parentElement;
    if (!t.textContent.trim() || !el || !el.checkVisibility() || el.closest("svg, .skip")) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(`${t.textContent.trim().slice(0, 30)}: ${ratio.toFixed(2)}`);
  }
  const unlabelled = [...document.querySelectorAll("input, select, textarea")]
    .filter((i) => i.type !== "hidden" && !i.labels.length && !i.getAttribute("aria-label")).map((i) => i.id);
  return { low, unlabelled };
}"""


async def accessible(page: Page) -> None:
    found = await page.evaluate(A11Y_PROBE)
    assert found == {"low": [], "unlabelled": []}, found


async def sign_in(page: Page, dashboard: str, path: str = "/") -> None:
    await page.goto(dashboard + path)
    await page.wait_for_url(re.compile(r"/login\?next="))
    await page.get_by_label("API key").fill("dev-analyst-key")
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(dashboard + path)
    await expect(page.locator("main")).to_have_attribute("data-state", "ready", timeout=15_000)


async def cell(page: Page, testid: str) -> str:
    return (await page.get_by_test_id(testid).text_content() or "").strip()


async def test_login_refuses_a_bad_key_then_signs_in(
    dashboard: str, seeded: dict[str, str], watched: Any, screenshots: Path
) -> None:
    page = watched.page
    await page.goto(dashboard + "/")
    await page.wait_for_url(re.compile(r"/login\?next=%2F$"))
    await page.get_by_label("API key").fill("not-a-key")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("That key was refused.")
    await page.screenshot(path=screenshots / "login.png", full_page=True)
    await page.get_by_label("API key").fill("dev-analyst-key")
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(dashboard + "/")
    await expect(page.locator("main")).to_have_attribute("data-state", "ready", timeout=15_000)
    assert await page.evaluate("sessionStorage.getItem('hd-api-key')") == "dev-analyst-key"
    # the 401 of the refused key is the only error the browser logged
    assert all("401" in e for e in watched.errors), watched.errors


async def test_now_page_numbers_equal_the_api(
    stack: Stack, dashboard: str, seeded: dict[str, str], watched: Any, screenshots: Path
) -> None:
    page = watched.page
    await sign_in(page, dashboard)
    open_items = (await api(stack, "/v1/tickets", status=",".join(OPEN), limit=500))["items"]
    assert await cell(page, "backlog-total") == str(len(open_items))
    for status, n in Counter(t["status"] for t in open_items).items():
        assert await cell(page, f"backlog-status-{status}") == str(n)
    for team, n in Counter(t["team"] or "none" for t in open_items).items():
        assert await cell(page, f"backlog-team-{team}") == str(n)
    for priority, n in Counter(t["priority"] or "none" for t in open_items).items():
        assert await cell(page, f"backlog-priority-{priority}") == str(n)
    for level, n in Counter(str(t["escalation_level"]) for t in open_items).items():
        assert await cell(page, f"backlog-escalation-{level}") == str(n)
    for q in await api(stack, "/v1/queues"):
        assert await cell(page, f"queue-{q['team']}") == str(q["waiting"])
    for a in await api(stack, "/v1/agents"):
        if a["active"]:
            assert await cell(page, f"load-{a['agent_id']}") == f"{a['load']} / {a['capacity']}"
    latest = (await api(stack, "/v1/tickets", sort="-created_at", limit=10))["items"]
    await expect(page.locator("#latest tbody tr")).to_have_count(len(latest))
    await expect(page.locator("#live-status")).to_have_attribute("data-state", "on")
    await page.screenshot(path=screenshots / "now.png", full_page=True)
    await accessible(page)
    assert watched.clean(), (watched.errors, watched.dialogs)


async def test_a_new_ticket_appears_live_without_reload(
    stack: Stack, dashboard: str, seeded: dict[str, str], watched: Any, screenshots: Path
) -> None:
    page = watched.page
    await sign_in(page, dashboard)
    await expect(page.locator("#live-status")).to_have_attribute("data-state", "on")
    await page.evaluate("window.__sameDocument = true")
    before = await cell(page, "backlog-total")
    subject = f"Monitor flickers {uuid.uuid4().hex[:6]}"
    async with httpx.AsyncClient(timeout=10) as client:
        done = await open_ticket(client, stack, subject, "The monitor flickers.", "carl@example.com")

        async def visible() -> float | None:
            r = await client.get(f"{stack.url('projections')}/v1/tickets/{done['folio']}", headers=ANALYST)
            return time.monotonic() if r.status_code == 200 else None

        seen_by_api = await eventually(visible, timeout=20, interval=0.05, what="ticket in projections")
    await expect(page.locator("#latest")).to_contain_text(subject, timeout=5_000)
    lag = time.monotonic() - seen_by_api
    print(f"live lag after the API: {lag:.3f}s")
    await expect(page.locator("#feed")).to_contain_text(done["folio"])
    assert await page.evaluate("window.__sameDocument") is True  # no reload happened
    assert int(await cell(page, "backlog-total")) > int(before)
    assert lag < 1.0, f"the page showed the ticket {lag:.2f}s after the API did"
    await page.screenshot(path=screenshots / "now-live.png", full_page=True)
    assert watched.clean(), (watched.errors, watched.dialogs)


async def test_a_hostile_subject_renders_as_text(
    dashboard: str, seeded: dict[str, str], watched: Any, screenshots: Path
) -> None:
    page = watched.page
    await sign_in(page, dashboard)
    row = page.locator("#latest tbody tr", has_text=seeded["xss"])
    await expect(row.locator("td.subject")).to_have_text(XSS)
    assert await page.locator("main img").count() == 0
    await page.goto(f"{dashboard}/tickets/{seeded['xss']}")
    await expect(page.locator("main")).to_have_attribute("data-state", "ready", timeout=15_000)
    await expect(page.locator("#t-subject")).to_have_text(XSS)
    await expect(page.locator("#t-timeline")).to_contain_text(XSS)
    assert await page.locator("main img, main script").count() == 0
    await page.screenshot(path=screenshots / "ticket-xss.png", full_page=True)
    assert watched.clean(), (watched.errors, watched.dialogs)


async def test_ticket_page_with_time_travel(
    stack: Stack, dashboard: str, seeded: dict[str, str], watched: Any, screenshots: Path
) -> None:
    page = watched.page
    folio = seeded["solved"]
    await sign_in(page, dashboard, f"/tickets/{folio}")
    view = await api(stack, f"/v1/tickets/{folio}")
    await expect(page.locator("#t-folio")).to_have_text(folio)
    await expect(page.locator("#t-timeline > li")).to_have_count(len(view["timeline"]))
    await expect(page.locator("dd[data-field=status]")).to_have_text(view["ticket"]["status"])
    await expect(page.locator("dd[data-field=assignee]")).to_have_text(view["ticket"]["assignee"])
    assigned = next(e for e in view["timeline"] if e["type"] == "TicketAssigned")
    await expect(page.locator("#t-timeline li[data-type=TicketAssigned] .why").first).to_contain_text(
        assigned["data"]["reason"]["explanation"]
    )
    await expect(page.locator("#t-clocks tbody tr")).to_have_count(len(view["ticket"]["sla"]))
    await page.screenshot(path=screenshots / "ticket.png", full_page=True)
    await accessible(page)

    first = view["timeline"][0]["occurred_at"]
    then = await api(stack, f"/v1/tickets/{folio}", as_of=first)
    await page.locator("#as-of").fill("0")
    await expect(page.locator("#h-state")).to_contain_text("State as of")
    await expect(page.locator("dd[data-field=status]")).to_have_text(then["ticket"]["status"])
    await expect(page.locator("dd[data-field=version]")).to_have_text(str(then["ticket"]["version"]))
    await expect(page.locator("#t-timeline li.future")).to_have_count(len(view["timeline"]) - len(then["timeline"]))
    await page.screenshot(path=screenshots / "ticket-as-of.png", full_page=True)
    assert watched.clean(), (watched.errors, watched.dialogs)


async def test_ticket_page_follows_the_ticket_live(
    stack: Stack, dashboard: str, seeded: dict[str, str], watched: Any, screenshots: Path
) -> None:
    page = watched.page
    folio = seeded["vpn"]
    await sign_in(page, dashboard, f"/tickets/{folio}")
    await expect(page.locator("#live-status")).to_have_attribute("data-state", "on")
    before = await page.locator("#t-timeline > li").count()
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.post(
            f"{stack.url('intake')}/v1/tickets/{folio}/replies",
            json={"body": "Restarting the VPN gateway."},
            headers=AGENT,
        )
        assert r.status_code == 201, r.text
    await expect(page.locator("#t-timeline")).to_contain_text("Restarting the VPN gateway.", timeout=10_000)
    assert await page.locator("#t-timeline > li").count() > before
    view = await api(stack, f"/v1/tickets/{folio}")
    await expect(page.locator("#t-timeline > li")).to_have_count(len(view["timeline"]))
    await expect(page.locator("dd[data-field=status]")).to_have_text(view["ticket"]["status"])
    assert watched.clean(), (watched.errors, watched.dialogs)


async def test_trends_equal_the_metrics_api_in_both_languages(
    stack: Stack, dashboard: str, seeded: dict[str, str], watched: Any, screenshots: Path
) -> None:
    page = watched.page
    await sign_in(page, dashboard, "/trends")
    totals = page.locator("#totals")
    report = await api(
        stack,
        "/v1/metrics",
        **{"from": await totals.get_attribute("data-from"), "to": await totals.get_attribute("data-to")},
        group_by="team",
    )
    t = report["totals"]
    assert await cell(page, "total-created") == str(t["created"])
    assert await cell(page, "total-resolved_n") == str(t["resolved"])
    assert await cell(page, "total-escalations") == str(t["escalations"])
    assert t["created"] >= 3
    for g in report["groups"]:
        assert await cell(page, f"team-{g['key']}-created") == str(g["created"])
    await expect(page.locator("#daily-chart svg rect")).not_to_have_count(0)
    await page.screenshot(path=screenshots / "trends.png", full_page=True)
    await accessible(page)

    await page.get_by_role("button", name="Español").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Tendencias")
    await expect(page.locator("html")).to_have_attribute("lang", "es")
    await page.reload()  # the choice is remembered
    await expect(page.get_by_role("heading", level=1)).to_have_text("Tendencias")
    await expect(page.locator("main")).to_have_attribute("data-state", "ready", timeout=15_000)
    await page.screenshot(path=screenshots / "trends-es.png", full_page=True)
    assert watched.clean(), (watched.errors, watched.dialogs)


async def test_tickets_at_risk_and_breached_show_up_live(
    stack: Stack, dashboard: str, seeded: dict[str, str], watched: Any, screenshots: Path
) -> None:
    page = watched.page
    await sign_in(page, dashboard)
    waiting = {  # open tickets nobody has answered: their first response is the target that warns, then breaches
        t["ticket_id"]
        for t in (await api(stack, "/v1/tickets", status=",".join(OPEN), limit=500))["items"]
        if t["first_response_at"] is None
    }
    assert waiting
    stack.shift_clock(6 * 60)  # past the warning (50 % of a 10-minute first response) of the open tickets

    async def at_risk() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (
            await api(stack, "/v1/tickets", status=",".join(OPEN), sla="warning", sort="next_due_at")
        )["items"]
        return items if {t["ticket_id"] for t in items} >= waiting else []

    risky = await eventually(at_risk, timeout=30, what="tickets at risk")
    await expect(page.locator("#at-risk tbody tr[data-ticket]")).to_have_count(len(risky), timeout=5_000)
    first = page.locator("#at-risk tbody tr[data-ticket]").first
    await expect(first).to_have_attribute("data-ticket", risky[0]["ticket_id"])
    await page.screenshot(path=screenshots / "now-at-risk.png", full_page=True)
    await accessible(page)

    stack.shift_clock(11 * 60)  # past the 10-minute first response of the tickets nobody answered

    async def breached() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (
            await api(stack, "/v1/tickets", status=",".join(OPEN), sla="breached", sort="next_due_at")
        )["items"]
        return items if {t["ticket_id"] for t in items} >= waiting else []

    late = await eventually(breached, timeout=30, what="tickets breached")
    rows = page.locator("#breached tbody tr[data-ticket]")
    await expect(rows).to_have_count(len(late), timeout=5_000)
    assert {await r.get_attribute("data-ticket") for r in await rows.all()} == {t["ticket_id"] for t in late}
    # each shows the target it breached, the earliest first
    dues = [t["first_response_due_at"] for t in sorted(late, key=lambda t: t["first_response_due_at"])]
    assert [await r.get_attribute("data-due") for r in await rows.all()] == dues
    await expect(rows.first).to_contain_text("First response")
    # time left counts on the services' clock (moved here), which the page reads when it loads
    await page.reload()
    await expect(rows.first.locator("td.left")).to_contain_text("overdue by")
    await page.screenshot(path=screenshots / "now-breached.png", full_page=True)
    assert watched.clean(), (watched.errors, watched.dialogs)
