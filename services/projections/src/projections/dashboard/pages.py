"""The pages' HTML: a shared shell (header, navigation, language toggle, live status) around each page's
skeleton. Every text is an English default tagged ``data-i18n`` for the script to translate; nothing here
comes from a request or from a ticket, and the few values substituted are escaped anyway."""

from __future__ import annotations

from html import escape
from string import Template

from .pages_body import BODIES

STATIC = "/dashboard/static"

SHELL = Template("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title data-i18n="$title_key">$title</title>
<link rel="stylesheet" href="$static/style.css">
<link rel="icon" href="$static/favicon.svg" type="image/svg+xml">
<script src="$static/i18n.js" defer></script>
<script src="$static/common.js" defer></script>
<script src="$static/charts.js" defer></script>
<script src="$static/$script" defer></script>
</head>
<body data-page="$page">
<a class="skip" href="#main" data-i18n="skip">Skip to content</a>
<header class="top">
  <span class="brand" data-i18n="brand">Helpdesk dashboard</span>
  <nav aria-label="Main" data-i18n-aria="nav_main" class="main-nav">
    <a href="/" data-i18n="nav_now">Now</a>
    <a href="/trends" data-i18n="nav_trends">Trends</a>
  </nav>
  <form class="goto" id="goto" role="search">
    <label for="goto-ref" data-i18n="goto_label">Ticket (folio or id)</label>
    <input id="goto-ref" name="ref" placeholder="HD-2026-000123" autocomplete="off" required>
    <button type="submit" data-i18n="goto_button">Open</button>
  </form>
  <span class="live" id="live-status" role="status" aria-live="polite" data-state="off"></span>
  <button type="button" id="lang-toggle" lang="es">Español</button>
  <button type="button" id="logout" data-i18n="logout">Log out</button>
</header>
<main id="main" tabindex="-1" data-state="loading">
$body
</main>
</body>
</html>
""")

PAGES: dict[str, tuple[str, str, str]] = {
    # name -> (title i18n key, English title, script)
    "now": ("title_now", "Now — Helpdesk", "now.js"),
    "login": ("title_login", "Sign in — Helpdesk", "login.js"),
    "trends": ("title_trends", "Trends — Helpdesk", "trends.js"),
    "ticket": ("title_ticket", "Ticket — Helpdesk", "ticket.js"),
}


def render(name: str) -> str:
    title_key, title, script = PAGES[name]
    return SHELL.substitute(
        title_key=escape(title_key),
        title=escape(title),
        static=escape(STATIC),
        script=escape(script),
        page=escape(name),
        body=BODIES[name],
    )
