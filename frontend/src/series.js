// A small time series: a measure month by month (one value per month, each month its own
// question: GET .../series), drawn as an inline SVG line with dots, with its text
// alternative (an aria-label with every value, and the values as a table under a
// disclosure). Used by the hexagon panel, a saved zone and a territory's row.

import { api, el, formatValue } from "./api.js";
import { byMonth, label } from "./vocabulary.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 260;
const HEIGHT = 80;
const PAD = { left: 4, right: 4, top: 8, bottom: 16 };

/** An SVG element (el() builds HTML elements; SVG needs its namespace). */
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) if (child) node.append(child);
  return node;
}

/** The chart of a series answer ({measure, points: [{month, value}]}): a figure. */
export function seriesChart(series, caption) {
  const { measure, points } = series;
  const values = points.map((p) => p.value).filter((v) => Number.isFinite(v));
  const text = points.map((p) => `${p.month}: ${formatValue(measure, p.value)}`).join(", ");
  const title = `${caption ? `${caption}: ` : ""}${label(measure)} by month`;
  if (!values.length) {
    return el("p", { class: "empty series" }, `${title}: nothing in these months.`);
  }
  const low = Math.min(0, ...values);
  const high = Math.max(...values, low + 1e-9);
  const step = (WIDTH - PAD.left - PAD.right) / Math.max(points.length - 1, 1);
  const x = (i) => PAD.left + i * step;
  const y = (v) => PAD.top + (1 - (v - low) / (high - low)) * (HEIGHT - PAD.top - PAD.bottom);
  const drawn = points.map((p, i) => ({ ...p, i })).filter((p) => Number.isFinite(p.value));
  const path = drawn.map((p, n) => `${n ? "L" : "M"}${x(p.i).toFixed(1)},${y(p.value).toFixed(1)}`);
  const last = drawn[drawn.length - 1];
  const chart = svg(
    "svg",
    {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      width: WIDTH,
      height: HEIGHT,
      role: "img",
      "aria-label": `${title}. ${text}`,
      class: "series-chart",
    },
    svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(low), y2: y(low), stroke: "#767676", "stroke-width": 1 }),
    svg("path", { d: path.join(" "), fill: "none", stroke: "#2166ac", "stroke-width": 2 }),
    drawn.map((p) =>
      svg(
        "circle",
        { cx: x(p.i), cy: y(p.value), r: 2.5, fill: "#2166ac" },
        svg("title", {}, `${p.month}: ${formatValue(measure, p.value)}`),
      ),
    ),
    svg("text", { x: PAD.left, y: HEIGHT - 3, "font-size": 10, fill: "#333" }, points[0].month),
    svg(
      "text",
      { x: WIDTH - PAD.right, y: HEIGHT - 3, "font-size": 10, fill: "#333", "text-anchor": "end" },
      points[points.length - 1].month,
    ),
  );
  const table = el(
    "table",
    { class: "series-values" },
    el("tr", {}, el("th", { scope: "col" }, "Month"), el("th", { scope: "col" }, label(measure))),
    points.map((p) =>
      el(
        "tr",
        { "data-month": p.month },
        el("td", {}, p.month),
        el("td", { class: "num", "data-value": p.value ?? "" }, formatValue(measure, p.value)),
      ),
    ),
  );
  return el(
    "figure",
    { class: "series" },
    el(
      "figcaption",
      {},
      `${title} · last ${formatValue(measure, last.value)} (${last.month})`,
    ),
    chart,
    el("details", {}, el("summary", {}, "Values"), table),
  );
}

/** A block that loads a series from `url` and shows its chart (or why it cannot). */
export function seriesBlock(url, caption) {
  const box = el("div", { class: "series-box" }, el("p", { class: "hint" }, "Loading the months…"));
  api(url)
    .then((series) => box.replaceChildren(seriesChart(series, caption)))
    .catch((error) => box.replaceChildren(el("p", { class: "empty" }, error.message)));
  return box;
}

/** A disclosure ("Month by month") that loads the series the first time it is opened. */
export function seriesDetails(url, caption, summary = "Month by month") {
  const details = el("details", { class: "series-details" }, el("summary", {}, summary));
  details.addEventListener("toggle", () => {
    if (details.open && details.children.length === 1) details.append(seriesBlock(url, caption));
  });
  return details;
}

/** The measure of the map if a series (and a comparison) can show it, else customers: the
 * measures of the customers (`by_month` in GET /api/cube/dimensions), not the cells'
 * context. */
export function seriesMeasure(measure) {
  return byMonth(measure) ? measure : "customers";
}

/** The query string of a series: measure and the filters but the month (a series is
 * every month). */
export function seriesQuery(measure, filters) {
  const query = new URLSearchParams({ measure: seriesMeasure(measure) });
  for (const [name, value] of Object.entries(filters)) {
    if (value && name !== "month") query.set(name, value);
  }
  return query.toString();
}
