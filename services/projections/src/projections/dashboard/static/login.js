/* The sign-in page: the key is checked against the API, then kept in sessionStorage for this tab. */
"use strict";
HD.start = function () {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  HD.ready();
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    const key = document.getElementById("api-key").value.trim();
    let resp;
    try {
      resp = await fetch("/v1/queues", { headers: { Authorization: "Bearer " + key } });
    } catch (e) {
      error.textContent = HD.t("login_error");
      return;
    }
    if (!resp.ok) {
      error.textContent = HD.t(resp.status === 401 || resp.status === 403 ? "login_bad" : "login_error");
      return;
    }
    HD.setKey(key);
    const next = new URLSearchParams(location.search).get("next") || "/";
    // only a path on this site: never "//host" or "https://…"
    location.assign(next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/");
  });
};
