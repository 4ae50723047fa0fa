// dlgrader: small helpers shared by the pages (no framework; CSP allows only this origin).
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// POST or GET JSON from the app itself; returns {ok, status, body}.
async function jsonFetch(url, options = {}) {
  const headers = Object.assign({ "Accept": "application/json" }, options.headers || {});
  if (options.body && !(options.body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
  }
  if ((options.method || "GET") !== "GET") headers["X-CSRFToken"] = csrfToken();
  const response = await fetch(url, Object.assign({}, options, { headers, credentials: "same-origin" }));
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  return { ok: response.ok, status: response.status, body };
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

window.dlgrader = { csrfToken, jsonFetch, debounce };
