// The hexagon panel: a clicked hexagon's measures, top customers, breakdown by each
// dimension, its children to drill down into, roll-up and breadcrumbs.

import { api, el, formatValue, showError } from "./api.js";
import { filterSummary } from "./filters.js";
import { filterQuery, saveState, state } from "./state.js";
import { seriesBlock, seriesQuery } from "./series.js";
import { hexagonSize, label, valueLabel } from "./vocabulary.js";

/** A hexagon's size in short words: "~150 m" (for the breadcrumbs and headings). */
const across = (res) => hexagonSize(res).replace(/^hexagons /, "").replace(/ across$/, "");

/** The zoom at which the hex layer draws cells of a resolution. */
function zoomForRes(resByZoom, res) {
  const z = resByZoom.indexOf(res);
  return z < 0 ? 16 : z + 0.5;
}

/** The H3 ancestor of a cell (hex index) at a coarser resolution: bit arithmetic on the
 * index, as ref.h3_cell_to_parent does in SQL (resolution in bits 52-55, 3 bits per digit,
 * digits finer than the resolution set to 7). */
export function h3Parent(cell, res) {
  const id = BigInt(`0x${cell}`);
  const r = BigInt(res);
  const parent = (id & ~(15n << 52n)) | (r << 52n) | ((1n << (3n * (15n - r))) - 1n);
  return parent.toString(16);
}

/** The cells above a cell of resolution `res`, coarsest first, down to `minRes`. */
function ancestors(cell, res, minRes) {
  const chain = [];
  for (let r = minRes; r < res; r++) chain.push({ h3: h3Parent(cell, r), res: r });
  return chain;
}

let opening = 0; // the latest openCell call: an older answer arriving later is dropped

export async function openCell(map, cell, resByZoom, { fly = true } = {}) {
  const panel = document.getElementById("cell");
  const ticket = ++opening;
  state.cell = cell;
  saveState();
  if (map.getLayer("hexes-selected")) map.setFilter("hexes-selected", ["==", ["get", "h3"], cell]);
  panel.hidden = false;
  panel.replaceChildren(el("p", { class: "hint" }, "Loading the cell…"));
  const filters = filterQuery();
  try {
    // the cell under the map's filters: the same figures as its hexagon on the map
    const detail = await api(`/api/cube/${cell}${filters ? `?${filters}` : ""}`);
    const children =
      detail.res < Math.max(...resByZoom)
        ? await api(`/api/cube/${cell}/children${filters ? `?${filters}` : ""}`)
        : [];
    const chain = ancestors(cell, detail.res, Math.min(...resByZoom));
    if (ticket !== opening) return;
    if (fly && detail.center) {
      map.flyTo({ center: detail.center, zoom: zoomForRes(resByZoom, detail.res) });
    }
    const crumbs = el(
      "nav",
      { class: "crumbs", "aria-label": "Breadcrumbs" },
      chain.map((c) =>
        el(
          "button",
          { onclick: () => openCell(map, c.h3, resByZoom), title: `the larger hexagon (${hexagonSize(c.res)})` },
          `${across(c.res)} ›`,
        ),
      ),
      el("span", {}, across(detail.res)),
    );
    const measures = el(
      "table",
      {},
      Object.entries(detail)
        .filter(([, v]) => typeof v === "number")
        .filter(([k]) => !["cell", "res"].includes(k))
        .map(([k, v]) =>
          el("tr", {}, el("th", {}, label(k)), el("td", { class: "num" }, formatValue(k, v))),
        ),
    );
    const top = el(
      "table",
      {},
      (detail.top_customers || []).map((c) =>
        el("tr", {}, el("td", {}, c.name), el("td", { class: "num" }, formatValue("revenue", c.annual_revenue))),
      ),
    );
    const breakdown = Object.entries(detail.breakdown || {})
      .filter(([, rows]) => rows.length)
      .map(([dimension, rows]) => breakdownTable(dimension, rows));
    const childList = el(
      "ul",
      { class: "children" },
      children.map((c, i) =>
        el(
          "li",
          {},
          el(
            "button",
            { onclick: () => openCell(map, c.h3, resByZoom), "data-h3": c.h3 },
            `Part ${i + 1} · ${label(state.measure)} ${formatValue(state.measure, c[state.measure])}`,
          ),
        ),
      ),
    );
    panel.replaceChildren(
      el("h2", { tabindex: "-1", "data-h3": cell }, `Hexagon ${across(detail.res)} across`),
      crumbs,
      el(
        "div",
        { class: "buttons" },
        detail.parent
          ? el("button", { onclick: () => openCell(map, detail.parent, resByZoom) }, "Roll up ↑")
          : null,
        el("button", { onclick: () => closeCell(map) }, "Close"),
      ),
      el(
        "p",
        { class: "hint cell-filters" },
        filterSummary()
          ? `Under the filters: ${filterSummary()} (as on the map).`
          : "Every customer in the hexagon (no filter).",
      ),
      measures,
      el("h3", {}, "Month by month"),
      seriesBlock(`/api/cube/${cell}/series?${seriesQuery(state.measure, state.filters)}`),
      el("h3", {}, "Top customers by revenue"),
      detail.top_customers?.length ? top : el("p", { class: "empty" }, "No customers."),
      el("h3", {}, "Breakdown"),
      breakdown.length ? el("div", { class: "breakdown" }, breakdown) : el("p", { class: "empty" }, "Nothing to break down."),
      el("h3", {}, `Drill down: ${children.length} smaller hexagons (${across(detail.res + 1)} across)`),
      children.length ? childList : el("p", { class: "empty" }, "The smallest hexagons: no finer detail."),
    );
  } catch (error) {
    if (ticket !== opening) return;
    panel.replaceChildren(el("p", { class: "empty" }, error.message));
    showError(error);
  }
}

/** One breakdown (a dimension, or the month of activity) as a table under a disclosure:
 * each value by its label, its customers, prospects and revenue, formatted. */
function breakdownTable(dimension, rows) {
  const month = dimension === "month";
  const head = el(
    "tr",
    {},
    el("th", { scope: "col" }, label(dimension)),
    el("th", { scope: "col", class: "num" }, month ? "Customers active" : "Customers"),
    el("th", { scope: "col", class: "num" }, "Prospects"),
    el("th", { scope: "col", class: "num" }, "Revenue"),
  );
  const body = rows.map((r) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, r.value === null || r.value === undefined ? "none" : valueLabel(dimension, r.value)),
      el("td", { class: "num" }, formatValue("customers", r.customers)),
      el("td", { class: "num" }, formatValue("prospects", r.prospects)),
      el("td", { class: "num" }, formatValue("revenue", r.revenue)),
    ),
  );
  const note = month
    ? el("p", { class: "hint" }, "Every month under the other filters; a customer active in several months is in each.")
    : null;
  return el(
    "details",
    { "data-dimension": dimension },
    el("summary", {}, `By ${label(dimension).toLowerCase()} (${rows.length})`),
    note,
    el("table", {}, el("thead", {}, head), el("tbody", {}, body)),
  );
}

export function closeCell(map) {
  state.cell = null;
  saveState();
  document.getElementById("cell").hidden = true;
  if (map.getLayer("hexes-selected")) map.setFilter("hexes-selected", ["==", ["get", "h3"], ""]);
}
