// Idle-timeout prompt (session-security.txt), on every page shown with a
// session (the layout adds it): shortly before the session's idle timeout,
// ask "Continue" (refreshes the session) or "Log out"; with no answer, log
// out at the timeout and land on the login page with a message. The tabs
// of one browser tell each other when the session was extended, so a
// "Continue" or a page loaded in one tab keeps another from logging the
// session out at its own, older deadline, and when it ended, so the others
// go to the login page too. Without JavaScript the server-side timeout
// still holds.
(function () {
  "use strict";
  var body = document.body;
  var dialog = document.getElementById("timeout-dialog");
  var form = document.getElementById("timeout-form");
  var expiresIn = parseInt(body.dataset.expiresIn, 10);
  if (!dialog || !form || !(expiresIn > 0)) return;
  var csrf = form.querySelector("input[name=csrf]").value;
  var leftEl = document.getElementById("timeout-left");
  var idle = parseInt(body.dataset.idleTimeout, 10) || expiresIn;
  var tabs = typeof BroadcastChannel === "function" ? new BroadcastChannel("loginguard-session") : null;
  var warnTimer, endTimer, tick, deadline = 0;

  // Warn one minute before the end (a quarter of the timeout when shorter).
  var warnBefore = Math.min(60, Math.floor(idle / 4)) * 1000;

  // schedule the prompt and the logout for a session that ends at until
  // (milliseconds, this browser's clock).
  function schedule(until) {
    clearTimeout(warnTimer); clearTimeout(endTimer); clearInterval(tick);
    deadline = until;
    var left = until - Date.now();
    warnTimer = setTimeout(warn, Math.max(0, left - warnBefore));
    endTimer = setTimeout(logOut, Math.max(0, left));
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

  // extended: the session now ends at until; no prompt until shortly before.
  function extended(until) {
    clearInterval(tick);
    if (typeof dialog.close === "function") dialog.close(); else dialog.removeAttribute("open");
    schedule(until);
  }

  function tell(msg) {
    if (tabs) tabs.postMessage(msg);
  }

  function stop() {
    clearTimeout(warnTimer); clearTimeout(endTimer); clearInterval(tick);
  }

  function logOut() {
    stop();
    document.getElementById("timeout-reason").value = "timeout";
    tell({ ended: "timeout" });
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
      extended(Date.now() + j.expiresIn * 1000);
      tell({ until: deadline });
    }).catch(logOut);
  });
  // A logout clicked in this tab (the top bar's or the prompt's form).
  [form, document.getElementById("logout-form")].forEach(function (f) {
    if (f) f.addEventListener("submit", function () { stop(); tell({ ended: "loggedout" }); });
  });
  if (tabs) {
    tabs.onmessage = function (e) {
      var m = e.data || {};
      if (m.ended) {
        stop();
        location.replace("/login?m=" + (m.ended === "timeout" ? "timeout" : "loggedout"));
      } else if (m.until > deadline) {
        extended(m.until);
      }
    };
  }
  schedule(Date.now() + expiresIn * 1000);
  tell({ until: deadline });
})();
