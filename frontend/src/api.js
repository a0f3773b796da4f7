// Talking to the GeoCRM API: JSON in and out, errors shown to the user (never silent),
// and a "Loading…" indicator while requests are in flight.

import { unit } from "./vocabulary.js";

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

const integer = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });

/** A value of a measure (a unit of "EUR" is money), or of a customer's revenue or value. */
export function formatValue(measure, value) {
  if (value === null || value === undefined) return "–";
  if (unit(measure) === "EUR") return `€${integer.format(value)}`;
  if (Number.isInteger(value) || Math.abs(value) >= 100) return integer.format(value);
  return decimal.format(value);
}
