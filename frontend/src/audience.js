// A zone's audience as a table in the zones view: the customers inside a saved zone
// (GET /api/zones/{id}/audience/rows) or the area being drawn (POST
// /api/zones/audience/rows), sortable by column, paged, under the zone's filters.

import { api, el, formatValue, showError } from "./api.js";

const PAGE_SIZE = 25;
const COLUMNS = [
  { name: "name", label: "Name", default: "asc" },
  { name: "stage", label: "Stage", default: "asc" },
  { name: "segment", label: "Segment", default: "asc" },
  { name: "revenue", label: "Revenue", default: "desc", num: true },
  { name: "rep", label: "Rep", default: "asc" },
];

// what the table shows: its title, how to ask a page, the sort and the page
const view = { title: "", ask: null, sort: "revenue", order: "desc", page: 1, area: false };
let ticket = 0;

function box() {
  return document.getElementById("audience");
}

/** Show the audience of a saved zone (`zone`: its GeoJSON properties). */
export function showZoneAudience(zone) {
  open(`Who is in “${zone.name}”`, (q) =>
    api(`/api/zones/${zone.zone_id}/audience/rows?${new URLSearchParams(q)}`),
  );
}

/** Show the audience of the area being drawn under `filters` ({name: "v1,v2"}). */
export function showAreaAudience(geometry, filters) {
  view.geometry = geometry;
  view.filters = JSON.stringify(filters);
  open(
    "Who is in the drawn zone",
    (q) => api("/api/zones/audience/rows", { method: "POST", body: { geometry, filters, ...q } }),
    true,
  );
}

/** The drawn area changed: a table showing it follows (from its first page); gone with it. */
export function followArea(geometry, filters) {
  if (!view.area || box().hidden) return;
  if (geometry === view.geometry && JSON.stringify(filters) === view.filters) return;
  if (geometry) showAreaAudience(geometry, filters);
  else hideAudience();
}

/** Hide the table (the zone it showed is gone, or the view changed). */
export function hideAudience() {
  ticket++;
  box().hidden = true;
  box().replaceChildren();
}

function open(title, ask, area = false) {
  const same = view.area && area; // the drawn area again: keep its sort
  Object.assign(view, { title, ask, area, page: 1 });
  if (!same) Object.assign(view, { sort: "revenue", order: "desc" });
  load();
}

async function load() {
  const mine = ++ticket;
  const target = box();
  target.hidden = false;
  if (!target.querySelector("table")) target.replaceChildren(el("p", { class: "hint" }, "Loading the audience…"));
  try {
    const page = await view.ask({
      sort: view.sort,
      order: view.order,
      page: view.page,
      page_size: PAGE_SIZE,
    });
    if (mine !== ticket) return;
    render(page);
  } catch (error) {
    if (mine !== ticket) return;
    target.replaceChildren(el("p", { class: "empty" }, error.message));
    showError(error);
  }
}

function sortBy(column) {
  if (view.sort === column.name) view.order = view.order === "asc" ? "desc" : "asc";
  else Object.assign(view, { sort: column.name, order: column.default });
  view.page = 1;
  load();
}

function header(column) {
  const sorted = view.sort === column.name;
  const button = el(
    "button",
    { type: "button", class: "sort", "data-sort": column.name },
    column.label,
    sorted ? (view.order === "asc" ? " ▲" : " ▼") : "",
  );
  button.addEventListener("click", () => sortBy(column));
  const ariaSort = sorted ? (view.order === "asc" ? "ascending" : "descending") : "none";
  return el("th", { scope: "col", "aria-sort": ariaSort, class: column.num ? "num" : null }, button);
}

function render(page) {
  const refocus = document.activeElement?.closest?.("#audience") ? document.activeElement.className : null;
  const close = el("button", { type: "button" }, "Close");
  close.addEventListener("click", hideAudience);
  const head = el("div", { class: "audience-head" }, el("h3", {}, view.title), close);
  if (!page.total_rows) {
    box().replaceChildren(
      head,
      el("p", { class: "empty" }, "Nobody you may see is in this zone under its filters."),
    );
    return;
  }
  const rows = page.rows.map((r) =>
    el(
      "tr",
      { "data-customer-id": r.customer_id },
      el("td", {}, el("div", {}, r.name), el("div", { class: "hint" }, r.address || "no address")),
      el("td", {}, r.stage),
      el("td", {}, r.segment ?? "–"),
      el("td", { class: "num" }, formatValue("revenue", r.revenue)),
      el("td", {}, r.rep ?? "–"),
    ),
  );
  const prev = el("button", { type: "button", class: "prev" }, "‹ Previous");
  const next = el("button", { type: "button", class: "next" }, "Next ›");
  prev.disabled = page.page <= 1;
  next.disabled = page.page >= page.pages;
  prev.addEventListener("click", () => {
    view.page -= 1;
    load();
  });
  next.addEventListener("click", () => {
    view.page += 1;
    load();
  });
  const first = (page.page - 1) * page.page_size + 1;
  const last = first + page.rows.length - 1;
  box().replaceChildren(
    head,
    el(
      "p",
      { class: "hint", "aria-live": "polite" },
      `${page.total_rows} customers and prospects · ${first}–${last} shown`,
    ),
    el(
      "div",
      { class: "table-scroll" },
      el(
        "table",
        { class: "audience" },
        el("thead", {}, el("tr", {}, COLUMNS.map(header))),
        el("tbody", {}, rows),
      ),
    ),
    el(
      "div",
      { class: "buttons pager" },
      prev,
      el("span", { class: "page" }, `Page ${page.page} of ${page.pages}`),
      next,
    ),
  );
  // a sort or page button clicked keeps the focus across the redraw
  if (refocus === "sort") box().querySelector(`button.sort[data-sort="${view.sort}"]`)?.focus();
  else if (refocus === "prev" || refocus === "next") box().querySelector(`button.${refocus}`)?.focus();
}
