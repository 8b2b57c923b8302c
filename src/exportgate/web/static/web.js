// exportgate web pages: small progressive enhancement, nothing a page needs to work without it.
(function () {
  "use strict";
  // Whether a key pressed on el types text (a radio or checkbox does not: c/f/e still choose there).
  function typing(el) {
    if (!el) return false;
    if (el.tagName === "INPUT") return ["radio", "checkbox", "button", "submit"].indexOf(el.type) < 0;
    return el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable;
  }

  // Alert queue: j/k move between alerts, Enter opens one, c/f/e open it with that decision chosen.
  function queueKeys() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-alert]"));
    if (!rows.length) return;
    rows.forEach(function (row) {
      row.addEventListener("click", function (ev) {
        if (ev.target.tagName !== "A") row.focus();
      });
    });
    document.addEventListener("keydown", function (ev) {
      if (typing(ev.target) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      var at = rows.indexOf(document.activeElement);
      if (ev.key === "j" || ev.key === "k") {
        var next = ev.key === "j" ? Math.min(at + 1, rows.length - 1) : Math.max(at - 1, 0);
        rows[at < 0 ? 0 : next].focus();
        ev.preventDefault();
        return;
      }
      if (at < 0) return;
      var row = rows[at];
      var decide = { c: "confirmed_match", f: "false_positive", e: "escalated" }[ev.key];
      if (ev.key === "Enter") {
        window.location.href = row.getAttribute("data-href");
      } else if (decide && row.hasAttribute("data-can-decide")) {
        window.location.href = row.getAttribute("data-href") + "?decide=" + decide;
      }
    });
  }

  // Alert page: c/f/e choose the decision and put the cursor in the comment; Ctrl+Enter sends.
  function decideKeys() {
    var form = document.querySelector("form.decide");
    if (!form) return;
    var comment = form.querySelector("textarea");
    function choose(value) {
      var radio = form.querySelector("input[value='" + value + "']");
      if (radio) { radio.checked = true; comment.focus(); }
    }
    var preset = form.getAttribute("data-preset");
    if (preset) choose(preset);
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && form.contains(ev.target)) {
        if (form.reportValidity()) form.submit();
        return;
      }
      if (typing(ev.target) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      var decide = { c: "confirmed_match", f: "false_positive", e: "escalated" }[ev.key];
      if (decide) { choose(decide); ev.preventDefault(); }
    });
  }

  // Batch job: poll its JSON status, move the bar, show rows/s, reveal the download when done.
  function batchProgress() {
    var box = document.querySelector("[data-job-status]");
    if (!box) return;
    var url = box.getAttribute("data-job-status");
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-progress-text]");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) {
          if (!r.ok || r.redirected) {  // signed out, or the job is gone: the page itself says which
            window.location.reload();
            throw new Error("status " + r.status);
          }
          return r.json();
        })
        .then(function (job) {
          if (job.total) { bar.max = job.total; bar.value = job.done; }
          text.textContent = job.done + " of " + (job.total || "?") + " rows · " +
            (job.rows_per_second ? job.rows_per_second.toFixed(0) : "0") + " rows/s · " + job.state;
          if (job.state === "done" || job.state === "failed") {
            window.location.reload();
          } else {
            window.setTimeout(tick, 500);
          }
        })
        .catch(function (err) { if (!/^status /.test(err.message)) window.setTimeout(tick, 2000); });
    }
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    queueKeys();
    decideKeys();
    batchProgress();
  });
})();
