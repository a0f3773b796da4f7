// Talking to the GeoCRM API: JSON in and out, errors shown to the user (never silent),
// and a "Loading…" indicator while requests are in flight.

import { formats, unit } from "./vocabulary.js";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let inFlight = 0;
let mapLoading = false;

function renderStatus() {
  document.getElementById("status").hidden = inFlight === 0 && !mapLoading;
}

/** Requests in flight (+1 / -1): "Loading…" shows while there are any. */
export function busy(delta) {
  inFlight = Math.max(0, inFlight + delta);
  renderStatus();
}

/** The map is loading tiles (true) or idle (false). */
export function setMapLoading(loading) {
  mapLoading = loading;
  renderStatus();
}

// The session's CSRF token (from sign-in or GET /api/auth/me), kept in memory only: every
// state-changing request made with the session cookie carries it in X-CSRF-Token.
let csrfToken = null;
let onUnauthorized = null;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The CSRF token to send with every change (null when signed out). */
export function setCsrfToken(token) {
  csrfToken = token;
}

/** Called when a request answers 401 (the session expired or ended): auth.js signs in again.
 * The sign-in routes (/api/auth/...) answer 401 for their own reasons and do not call it. */
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

/** The session expired: tell auth.js (a map tile's 401 comes this way too). */
export function unauthorized() {
  onUnauthorized?.();
}

/** fetch() of our API with the CSRF header on changes; a 401 signs the user in again. */
export async function apiFetch(path, { method = "GET", headers = {}, body, signal } = {}) {
  const sent = { ...headers };
  if (!SAFE_METHODS.has(method.toUpperCase()) && csrfToken) sent["X-CSRF-Token"] = csrfToken;
  const response = await fetch(path, { method, signal, headers: sent, body });
  if (response.status === 401 && !path.startsWith("/api/auth/")) unauthorized();
  return response;
}

/** The message of an error answer: the API's `detail`, or the status line. */
export async function errorOf(response) {
  let detail = `${response.status} ${response.statusText}`;
  try {
    const error = await response.json();
    detail = error.detail || detail;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, detail);
}

export async function api(path, { method = "GET", body, signal } = {}) {
  busy(+1);
  try {
    const response = await apiFetch(path, {
      method,
      signal,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw await errorOf(response);
    if (response.status === 204) return null;
    const type = response.headers.get("content-type") || "";
    return type.includes("json") ? response.json() : response.text();
  } finally {
    busy(-1);
  }
}

let toastTimer;
function toast(text, kind) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.className = kind;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (box.hidden = true), 8000);
}

export function showError(error) {
  if (error && error.name === "AbortError") return;
  // signed out (the session expired): the sign-in screen says so, not a toast
  if (error?.status === 401) return;
  toast(error instanceof ApiError ? error.message : `Error: ${error.message || error}`, "error");
}

/** A message that is not an error (nothing to do, say). */
export function showMessage(text) {
  toast(text, "info");
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Build an element: el("td", {class: "num"}, "12"). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

// Numbers and money in the server's locale and currency (GEOCRM_LOCALE, GEOCRM_CURRENCY,
// served with the vocabulary): the same rules as the reports (geocrm/formats.py).
const formatters = new Map();
function formatter(options) {
  const { locale, currency } = formats();
  const key = JSON.stringify([locale, currency, options]);
  if (!formatters.has(key)) {
    const full = options.style === "currency" ? { ...options, currency } : options;
    formatters.set(key, new Intl.NumberFormat(locale, full));
  }
  return formatters.get(key);
}

/** Money in whole units with its currency: "1 234 567 €" (fi-FI), "€1,234,567" (en-GB). */
export function formatMoney(value) {
  return formatter({ style: "currency", minimumFractionDigits: 0, maximumFractionDigits: 0 }).format(value);
}

/** A number grouped as the locale groups it, with at most `digits` decimals. */
export function formatNumber(value, digits = 0) {
  return formatter({ maximumFractionDigits: digits }).format(value);
}

/** A share 0-1 as a percentage: "68 %" (fi-FI), "68%" (en-GB). */
export function formatPercent(value, digits = 0) {
  return formatter({ style: "percent", maximumFractionDigits: digits }).format(value);
}

/** Whether a measure (or a customer's revenue or value) is money. */
export function isMoney(measure) {
  return unit(measure) === formats().currency || ["annual_revenue", "lifetime_value"].includes(measure);
}

/** A measure's unit as a legend shows it: the currency's symbol for money ("€"), else the
 * vocabulary's unit ("customers", "index 0-100"), or "" when it has none. */
export function unitText(measure) {
  if (isMoney(measure)) {
    const parts = formatter({ style: "currency", maximumFractionDigits: 0 }).formatToParts(0);
    return parts.find((p) => p.type === "currency")?.value ?? formats().currency;
  }
  return unit(measure) ?? "";
}

/** A value of a measure (money with its currency), or of a customer's revenue or value:
 * counts and values of 100 or more whole, others with at most two decimals. */
export function formatValue(measure, value) {
  if (value === null || value === undefined) return "–";
  if (isMoney(measure)) return formatMoney(value);
  if (Number.isInteger(value) || Math.abs(value) >= 100) return formatNumber(value);
  return formatNumber(value, 2);
}
