"""Each page's skeleton (constant HTML; the scripts fill the tables and charts with textContent)."""

from __future__ import annotations

LOGIN = """
<h1 data-i18n="login_heading">Sign in</h1>
<form id="login-form" class="card narrow">
  <p data-i18n="login_help">Paste an API key (analyst or agent). It is kept in this browser tab only.</p>
  <label for="api-key" data-i18n="login_key">API key</label>
  <input id="api-key" name="key" type="password" autocomplete="off" required>
  <button type="submit" data-i18n="login_submit">Sign in</button>
  <p id="login-error" class="error" role="alert"></p>
</form>
"""

NOW = """
<h1 data-i18n="now_heading">Now</h1>
<p class="muted"><span data-i18n="updated">Updated</span> <time id="updated-at"></time></p>
<section aria-labelledby="h-backlog">
  <h2 id="h-backlog" data-i18n="backlog">Backlog (open tickets)</h2>
  <p><span data-i18n="backlog_total">Total</span>: <strong id="backlog-total" data-testid="backlog-total"></strong></p>
  <div class="grid4">
    <table id="backlog-status"><caption data-i18n="by_status">By status</caption>
      <thead><tr><th scope="col" data-i18n="status">Status</th><th scope="col" data-i18n="count">Tickets</th></tr>
      </thead><tbody></tbody></table>
    <table id="backlog-team"><caption data-i18n="by_team">By team</caption>
      <thead><tr><th scope="col" data-i18n="team">Team</th><th scope="col" data-i18n="count">Tickets</th></tr>
      </thead><tbody></tbody></table>
    <table id="backlog-priority"><caption data-i18n="by_priority">By priority</caption>
      <thead><tr><th scope="col" data-i18n="priority">Priority</th><th scope="col" data-i18n="count">Tickets</th>
      </tr></thead><tbody></tbody></table>
    <table id="backlog-escalation"><caption data-i18n="by_escalation">By escalation level</caption>
      <thead><tr><th scope="col" data-i18n="level">Level</th><th scope="col" data-i18n="count">Tickets</th>
      </tr></thead><tbody></tbody></table>
  </div>
</section>
<div class="grid2">
<section aria-labelledby="h-risk">
  <h2 id="h-risk" data-i18n="at_risk">At risk (SLA warning)</h2>
  <table id="at-risk" class="tickets"><thead><tr>
    <th scope="col" data-i18n="folio">Folio</th><th scope="col" data-i18n="subject">Subject</th>
    <th scope="col" data-i18n="team">Team</th><th scope="col" data-i18n="priority">Priority</th>
    <th scope="col" data-i18n="due">Due</th><th scope="col" data-i18n="time_left">Time left</th>
  </tr></thead><tbody></tbody></table>
</section>
<section aria-labelledby="h-breached">
  <h2 id="h-breached" data-i18n="breached">Breached</h2>
  <table id="breached" class="tickets"><thead><tr>
    <th scope="col" data-i18n="folio">Folio</th><th scope="col" data-i18n="subject">Subject</th>
    <th scope="col" data-i18n="team">Team</th><th scope="col" data-i18n="priority">Priority</th>
    <th scope="col" data-i18n="due">Due</th><th scope="col" data-i18n="time_left">Time left</th>
  </tr></thead><tbody></tbody></table>
</section>
</div>
<div class="grid2">
<section aria-labelledby="h-queues">
  <h2 id="h-queues" data-i18n="queues">Queues</h2>
  <table id="queues"><thead><tr>
    <th scope="col" data-i18n="team">Team</th><th scope="col" data-i18n="waiting">Waiting</th>
    <th scope="col">P1</th><th scope="col">P2</th><th scope="col">P3</th><th scope="col">P4</th>
    <th scope="col" data-i18n="oldest">Oldest waiting</th><th scope="col" data-i18n="open_tickets">Open</th>
  </tr></thead><tbody></tbody></table>
</section>
<section aria-labelledby="h-agents">
  <h2 id="h-agents" data-i18n="agents">Agents</h2>
  <p><span data-i18n="agents_online">Online</span>: <strong id="agents-online"></strong></p>
  <table id="agents"><thead><tr>
    <th scope="col" data-i18n="agent">Agent</th><th scope="col" data-i18n="presence">Presence</th>
    <th scope="col" data-i18n="load">Load / capacity</th><th scope="col" data-i18n="resolved_today">Resolved today</th>
  </tr></thead><tbody></tbody></table>
</section>
</div>
<div class="grid2">
<section aria-labelledby="h-latest">
  <h2 id="h-latest" data-i18n="latest">Latest tickets</h2>
  <table id="latest" class="tickets"><thead><tr>
    <th scope="col" data-i18n="folio">Folio</th><th scope="col" data-i18n="subject">Subject</th>
    <th scope="col" data-i18n="status">Status</th><th scope="col" data-i18n="team">Team</th>
    <th scope="col" data-i18n="assignee">Assignee</th>
  </tr></thead><tbody></tbody></table>
</section>
<section aria-labelledby="h-feed">
  <h2 id="h-feed" data-i18n="feed">Live changes</h2>
  <p class="muted" data-i18n="feed_hint">Every change to a ticket, an agent or a team appears here as it happens.</p>
  <ol id="feed" class="feed" aria-live="polite" aria-relevant="additions"></ol>
</section>
</div>
"""

TRENDS = """
<h1 data-i18n="trends_heading">Trends</h1>
<form id="range-form" class="range">
  <label for="from" data-i18n="from">From</label> <input id="from" name="from" type="date" required>
  <label for="to" data-i18n="to">To (inclusive)</label> <input id="to" name="to" type="date" required>
  <button type="submit" data-i18n="apply">Apply</button>
  <button type="button" data-days="7" data-i18n="last7">Last 7 days</button>
  <button type="button" data-days="30" data-i18n="last30">Last 30 days</button>
  <button type="button" data-days="90" data-i18n="last90">Last 90 days</button>
</form>
<section aria-labelledby="h-totals">
  <h2 id="h-totals" data-i18n="totals">Totals for the range</h2>
  <dl id="totals" class="kpis"></dl>
</section>
<div class="grid2">
<section aria-labelledby="h-daily">
  <h2 id="h-daily" data-i18n="created_vs_resolved">Created vs resolved per day</h2>
  <figure id="daily-chart" class="chart"></figure>
  <details><summary data-i18n="as_table">As a table</summary>
  <table id="daily"><thead><tr><th scope="col" data-i18n="day">Day</th><th scope="col" data-i18n="created">Created</th>
    <th scope="col" data-i18n="resolved_n">Resolved</th>
    <th scope="col" data-i18n="backlog_end">Backlog</th></tr></thead>
    <tbody></tbody></table></details>
</section>
<section aria-labelledby="h-sla">
  <h2 id="h-sla" data-i18n="sla_compliance">SLA compliance per target</h2>
  <figure id="sla-chart" class="chart"></figure>
</section>
</div>
<div class="grid2">
<section aria-labelledby="h-channel">
  <h2 id="h-channel" data-i18n="by_channel">By channel</h2>
  <div class="scroll"><table id="by-channel" class="measures"></table></div>
</section>
<section aria-labelledby="h-team">
  <h2 id="h-team" data-i18n="by_team">By team</h2>
  <div class="scroll"><table id="by-team" class="measures"></table></div>
</section>
</div>
<p class="muted" data-i18n="trends_note">Times in minutes (calendar; business minutes where shown). Escalations by
level are not in the API yet: the total is shown.</p>
"""

TICKET = """
<h1><span id="t-folio"></span> <span id="t-subject" class="subject"></span></h1>
<p id="t-error" class="error" role="alert"></p>
<section aria-labelledby="h-travel" class="card">
  <h2 id="h-travel" data-i18n="time_travel">Time travel</h2>
  <label for="as-of" data-i18n="as_of_label">Show the ticket as it was at</label>
  <input id="as-of" type="range" min="0" max="0" step="1" value="0">
  <output id="as-of-value" for="as-of" aria-live="polite"></output>
</section>
<div class="grid2">
<section aria-labelledby="h-state">
  <h2 id="h-state" data-i18n="current_state">Current state</h2>
  <dl id="t-state" class="facts"></dl>
</section>
<section aria-labelledby="h-clocks">
  <h2 id="h-clocks" data-i18n="sla_clocks">SLA clocks</h2>
  <table id="t-clocks"><thead><tr>
    <th scope="col" data-i18n="target">Target</th><th scope="col" data-i18n="clock_state">State</th>
    <th scope="col" data-i18n="due">Due</th><th scope="col" data-i18n="time_left">Time left</th>
  </tr></thead><tbody></tbody></table>
  <p class="muted" data-i18n="clocks_note">Due times are computed in business time by the SLA policy; time left
  counts calendar time to the due time.</p>
</section>
</div>
<section aria-labelledby="h-timeline">
  <h2 id="h-timeline" data-i18n="timeline">Timeline</h2>
  <ol id="t-timeline" class="timeline"></ol>
</section>
"""

BODIES = {"login": LOGIN, "now": NOW, "trends": TRENDS, "ticket": TICKET}
