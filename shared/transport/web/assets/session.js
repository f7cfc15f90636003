// Idle-timeout prompt (session-security.txt): shortly before the session's
// idle timeout, ask "Continue" (refreshes the session) or "Log out"; with no
// answer, log out at the timeout and land on the login page with a message.
// Without JavaScript the server-side timeout still holds.
(function () {
  "use strict";
  var body = document.body;
  var dialog = document.getElementById("timeout-dialog");
  var form = document.getElementById("logout-form");
  if (!dialog || !form || !body.dataset.expiresIn) return;
  var csrf = form.querySelector("input[name=csrf]").value;
  var leftEl = document.getElementById("timeout-left");
  var warnTimer, endTimer, tick, deadline;

  // Warn one minute before the end (a quarter of the timeout when shorter).
  function warnBefore(idle) { return Math.min(60, Math.floor(idle / 4)); }

  function schedule(expiresIn) {
    clearTimeout(warnTimer); clearTimeout(endTimer); clearInterval(tick);
    var idle = parseInt(body.dataset.idleTimeout, 10) || expiresIn;
    deadline = Date.now() + expiresIn * 1000;
    warnTimer = setTimeout(warn, Math.max(0, expiresIn - warnBefore(idle)) * 1000);
    endTimer = setTimeout(logOut, expiresIn * 1000);
  }

  function showLeft() {
    var s = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    leftEl.textContent = s >= 60 ? Math.round(s / 60) + " minute" + (s >= 90 ? "s" : "") : s + " second" + (s === 1 ? "" : "s");
  }

  function warn() {
    showLeft();
    tick = setInterval(showLeft, 1000);
    if (typeof dialog.showModal === "function") dialog.showModal(); else dialog.setAttribute("open", "");
  }

  function logOut() {
    clearInterval(tick);
    document.getElementById("logout-reason").value = "timeout";
    form.submit();
  }

  document.getElementById("timeout-continue").addEventListener("click", function () {
    fetch("/session/refresh", {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded" }, body: ""
    }).then(function (r) {
      if (!r.ok) throw new Error("session ended");
      return r.json();
    }).then(function (j) {
      clearInterval(tick);
      dialog.close();
      schedule(j.expiresIn);
    }).catch(logOut);
  });
  document.getElementById("timeout-logout").addEventListener("click", function () {
    clearInterval(tick);
    form.submit();
  });
  schedule(parseInt(body.dataset.expiresIn, 10));
})();
