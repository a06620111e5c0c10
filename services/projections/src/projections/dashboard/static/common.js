/* Shared by every page: the key, the JSON API, UI strings, safe DOM building, formatting and the live stream.
   Ticket text only ever reaches the page through textContent (HD.el / HD.text), never as markup. */
"use strict";
(function () {
  const KEY = "hd-api-key";
  const LANG = "hd-lang";
  const HD = {};
  window.HD = HD;

  HD.key = () => sessionStorage.getItem(KEY);
  HD.setKey = (k) => sessionStorage.setItem(KEY, k);
  HD.clearKey = () => sessionStorage.removeItem(KEY);

  /* ---- language ---- */
  HD.lang = function () {
    const saved = localStorage.getItem(LANG);
    if (saved === "es" || saved === "en") return saved;
    return (navigator.language || "en").toLowerCase().startsWith("es") ? "es" : "en";
  };
  HD.t = function (k) {
    const s = window.HD_STRINGS;
    return (s[HD.lang()] && s[HD.lang()][k]) || s.en[k] || k;
  };
  const onLang = [];
  HD.onLanguage = (fn) => onLang.push(fn);
  HD.applyLanguage = function () {
    const lang = HD.lang();
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = HD.t(n.dataset.i18n); });
    document.querySelectorAll("[data-i18n-aria]").forEach((n) => {
      n.setAttribute("aria-label", HD.t(n.dataset.i18nAria));
    });
    const toggle = document.getElementById("lang-toggle");
    if (toggle) {
      toggle.textContent = HD.t("lang_other");
      toggle.lang = lang === "es" ? "en" : "es";
    }
    onLang.forEach((fn) => fn());
  };

  /* ---- safe DOM ---- */
  HD.el = function (tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") n.textContent = String(v);
      else if (k === "className") n.className = v;
      else if (k === "dataset") Object.assign(n.dataset, v);
      else n.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      n.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return n;
  };
  HD.text = (id, value) => {
    const n = document.getElementById(id);
    if (n) n.textContent = value === null || value === undefined ? "—" : String(value);
    return n;
  };
  HD.fill = function (tbody, rows, emptyCols) {
    tbody.replaceChildren(...rows);
    if (!rows.length) {
      tbody.append(HD.el("tr", {}, HD.el("td", { colspan: emptyCols || 1, className: "muted", text: HD.t("none") })));
    }
  };
  HD.ticketLink = (t) => HD.el("a", { href: "/tickets/" + encodeURIComponent(t.folio || t.ticket_id),
    text: t.folio || t.ticket_id });

  /* ---- formatting ---- */
  HD.num = (v, digits) => (v === null || v === undefined ? "—"
    : Number(v).toLocaleString(HD.lang(), { maximumFractionDigits: digits === undefined ? 1 : digits }));
  HD.when = (iso) => (iso ? new Date(iso).toLocaleString(HD.lang(), {
    dateStyle: "medium", timeStyle: "medium" }) : "—");
  /* an event's instant, to the millisecond (several events often share a second) */
  HD.instant = (iso) => (iso ? new Date(iso).toLocaleString(HD.lang(), { year: "numeric", month: "short",
    day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3 }) : "—");
  HD.duration = function (seconds) {
    const s = Math.abs(Math.round(seconds));
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    const parts = d ? [d + "d", h + "h"] : h ? [h + "h", m + "m"] : [m + "m", (s % 60) + "s"];
    return parts.join(" ");
  };
  HD.left = function (iso) {
    if (!iso) return "—";
    const secs = (new Date(iso).getTime() - HD.now()) / 1000;
    return secs >= 0 ? HD.duration(secs) : HD.t("overdue") + " " + HD.duration(-secs);
  };
  HD.word = (k) => (k === null || k === undefined ? "—" : HD.t(k));

  /* ---- the JSON API ---- */
  HD.toLogin = function () {
    const next = location.pathname + location.search;
    location.assign("/login?next=" + encodeURIComponent(next));
  };
  HD.api = async function (path, params) {
    const url = new URL(path, location.origin);
    for (const [k, v] of Object.entries(params || {})) {
      if (v === null || v === undefined) continue;
      (Array.isArray(v) ? v : [v]).forEach((x) => url.searchParams.append(k, x));
    }
    const resp = await fetch(url, { headers: { Authorization: "Bearer " + HD.key(), Accept: "application/json" } });
    if (resp.status === 401 || resp.status === 403) {
      HD.clearKey();
      HD.toLogin();
      throw new Error("unauthorised");
    }
    if (!resp.ok) {
      const err = new Error(path + ": HTTP " + resp.status);
      err.status = resp.status;
      throw err;
    }
    return resp.json();
  };
  HD.allPages = async function (params, max) {
    const items = [];
    let cursor = null;
    do {
      const page = await HD.api("/v1/tickets", Object.assign({}, params, { limit: 500, cursor }));
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor && items.length < (max || 10000));
    return items;
  };

  /* ---- the service's clock: due times and "time left" are measured against it, not the browser's ---- */
  let offset = 0;
  HD.now = () => Date.now() + offset;
  HD.syncClock = async function () {
    const before = Date.now();
    try {
      // the report's `end` defaults to the service's now; a one-day range keeps the query small
      const r = await HD.api("/v1/metrics", { from: new Date(before - 86400e3).toISOString() });
      offset = new Date(r.end).getTime() - (before + Date.now()) / 2;
    } catch (e) {
      offset = 0;
    }
  };

  /* ---- live: GET /v1/stream read with fetch() so the Authorization header can be sent ---- */
  HD.live = function (onChange) {
    const status = document.getElementById("live-status");
    const show = (state) => {
      if (!status) return;
      status.dataset.state = state;
      status.textContent = HD.t(state === "on" ? "live_on" : state === "connecting" ? "live_connecting" : "live_off");
    };
    HD.onLanguage(() => show(status ? status.dataset.state : "off"));
    const abort = new AbortController();
    window.addEventListener("pagehide", () => abort.abort());
    let delay = 500;
    async function connect() {
      show("connecting");
      try {
        const resp = await fetch("/v1/stream", {
          headers: { Authorization: "Bearer " + HD.key(), Accept: "text/event-stream" },
          signal: abort.signal,
        });
        if (resp.status === 401 || resp.status === 403) { HD.clearKey(); HD.toLogin(); return; }
        if (!resp.ok || !resp.body) throw new Error("stream HTTP " + resp.status);
        show("on");
        delay = 500;
        const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n/g, "\n");
          let cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const frame = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let event = "message";
            const data = [];
            for (const line of frame.split("\n")) {
              if (line.startsWith("event:")) event = line.slice(6).trim();
              else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
            }
            if (!data.length) continue;
            try { onChange(event, JSON.parse(data.join("\n"))); } catch (e) { /* a bad frame is skipped */ }
          }
        }
      } catch (e) {
        if (abort.signal.aborted) return;
      }
      if (abort.signal.aborted) return;
      show("off");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    }
    connect();
  };

  /* Run fn at most once per `ms`, trailing (coalesces a burst of changes into one refresh). */
  HD.debounce = function (fn, ms) {
    let timer = null;
    return () => { if (!timer) timer = setTimeout(() => { timer = null; fn(); }, ms); };
  };

  /* A refresh that coalesces: asked during a burst, it runs once `ms` later; asked while it runs, it runs
     once more when it finishes. `load` returns a promise; failures go to HD.failed. */
  HD.refresher = function (load, ms) {
    let running = false, again = false;
    const run = async () => {
      if (running) { again = true; return; }
      running = true;
      try { await load(); } catch (e) { HD.failed(e); } finally { running = false; }
      if (again) { again = false; kick(); }
    };
    const kick = HD.debounce(run, ms);
    return kick;
  };

  HD.ready = () => {
    document.getElementById("main").dataset.state = "ready";
    const err = document.getElementById("load-error");
    if (err) err.textContent = "";
  };
  HD.failed = (e) => {
    const main = document.getElementById("main");
    main.dataset.state = "error";
    if (String(e && e.message) === "unauthorised") return;
    let err = document.getElementById("load-error");
    if (!err) {
      err = HD.el("p", { id: "load-error", className: "error", role: "alert" });
      main.prepend(err);
    }
    err.textContent = String(e && e.message);
  };

  /* ---- page start ---- */
  document.addEventListener("DOMContentLoaded", () => {
    HD.applyLanguage();
    const toggle = document.getElementById("lang-toggle");
    toggle.addEventListener("click", () => {
      localStorage.setItem(LANG, HD.lang() === "es" ? "en" : "es");
      HD.applyLanguage();
    });
    document.getElementById("logout").addEventListener("click", () => { HD.clearKey(); location.assign("/login"); });
    document.getElementById("goto").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const ref = document.getElementById("goto-ref").value.trim();
      if (ref) location.assign("/tickets/" + encodeURIComponent(ref));
    });
    const page = document.body.dataset.page;
    if (page !== "login" && !HD.key()) { HD.toLogin(); return; }
    if (page === "login") {
      document.getElementById("logout").hidden = true;
    }
    if (typeof HD.start === "function") HD.start();
  });
})();
