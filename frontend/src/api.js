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

export async function api(path, { method = "GET", body, signal } = {}) {
  busy(+1);
  try {
    const response = await fetch(path, {
      method,
      signal,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      let detail = `${response.status} ${response.statusText}`;
      try {
        const error = await response.json();
        detail = error.detail || detail;
      } catch {
        // not JSON: keep the status line
      }
      throw new ApiError(response.status, detail);
    }
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
