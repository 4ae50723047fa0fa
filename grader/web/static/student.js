// dlgrader student pages: live "does it parse" check under each answer, one submission per
// click, and the receipt that updates itself until grading is done. Needs app.js first.
"use strict";

(function () {
  const { jsonFetch, debounce } = window.dlgrader;

  function setupChecks(form) {
    const url = form.dataset.checkUrl;
    form.querySelectorAll("[data-part]").forEach((field) => {
      const out = document.getElementById("check-" + field.dataset.part);
      if (!out) return;
      const show = (text, state) => {
        out.textContent = text;
        out.className = "hint check" + (state ? " " + state : "");
      };
      const run = debounce(async () => {
        const text = field.value;
        if (!text.trim()) { show("", ""); return; }
        const reply = await jsonFetch(url, {
          method: "POST",
          body: JSON.stringify({ part: field.dataset.part, text }),
        });
        if (field.value !== text) return; // typed on meanwhile: a newer check follows
        if (reply.body && typeof reply.body.message === "string") {
          show(reply.body.message, reply.ok && reply.body.ok ? "ok" : "bad");
        } else {
          show("could not check right now", "bad");
        }
      }, 400);
      field.addEventListener("input", run);
      if (field.value.trim()) run();
    });
  }

  function setupOnce(form) {
    // The hidden idempotency key already makes a double click one submission; this only
    // spares the second request.
    form.addEventListener("submit", () => {
      setTimeout(() => {
        form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
      }, 0);
    });
  }

  function setupReceipt(status) {
    const url = status.dataset.statusUrl;
    const final = ["graded", "failed"];
    if (final.includes(status.dataset.status)) return;
    const tick = async () => {
      const reply = await jsonFetch(url);
      if (reply.ok && reply.body) {
        status.textContent = reply.body.status;
        status.className = "status " + reply.body.status;
        if (reply.body.done) { window.location.reload(); return; }
      } else if (reply.status >= 400 && reply.status < 500) {
        return; // signed out or not theirs: polling cannot help
      }
      setTimeout(tick, 1000);
    };
    setTimeout(tick, 1000);
  }

  document.querySelectorAll("form[data-check-url]").forEach(setupChecks);
  document.querySelectorAll("form[data-once]").forEach(setupOnce);
  const status = document.getElementById("submission-status");
  if (status && status.dataset.statusUrl) setupReceipt(status);
})();
