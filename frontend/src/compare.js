// Compare two periods on the heatmap: pick period a and period b (each a month or a range
// of months, from the months the cube holds), and the map draws the difference (the
// catalogue's hex_change layer: b − a per hexagon, a range counting each customer once on
// the server) in a diverging palette with its own legend, classes symmetric around 0.
// Turning it off puts the heatmap back.

import { api, el, formatValue, isMoney, showError } from "./api.js";
import { openCell } from "./cellpanel.js";
import { measureHeading } from "./legend.js";
import { seriesMeasure } from "./series.js";
import { saveState, state } from "./state.js";

const SOURCE = "hex_change";
// less in b (red) … no change (light grey) … more in b (blue): ColorBrewer RdBu, which
// stays readable to the common colour-vision deficiencies
export const DIVERGING = ["#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac"];

/** A round step (1, 2, 2.5, 5 × 10^n) at least `x`. */
function niceStep(x) {
  if (!(x > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= x);
}

/** Class bounds symmetric around 0 for the largest change drawn: [t, 2t]. */
export function changeSteps(changes, integer) {
  const largest = Math.max(0, ...changes.filter(Number.isFinite).map(Math.abs));
  let t = niceStep(largest / 3);
  if (integer) t = Math.max(1, Math.round(t));
  return [t, 2 * t];
}

/** A period's text from its two selects: "2026-03" or "2026-01..2026-03". */
function periodText(from, to) {
  return !to.value || to.value === from.value ? from.value : `${from.value}..${to.value}`;
}

export function initCompare(map, catalogue, dims, resByZoom) {
  const box = document.getElementById("compare");
  const layer = catalogue.layers.find((l) => l.name === SOURCE);
  const months = dims.month || [];
  if (!box || !layer || months.length < 2) {
    if (box) box.hidden = true;
    return { refresh() {} };
  }
  const legend = document.getElementById("compare-legend");
  const [savedA, savedB] = (state.compare || "").split("~");
  const on = el("input", { type: "checkbox", id: "compare-on" });
  const pickers = {};
  function picker(name, text, period) {
    const [first, last] = (period || "").split("..");
    const from = el("select", { id: `compare-${name}-from` }, months.map((m) => el("option", { value: m }, m)));
    const to = el(
      "select",
      { id: `compare-${name}-to` },
      el("option", { value: "" }, "(that month only)"),
      months.map((m) => el("option", { value: m }, m)),
    );
    from.value = months.includes(first) ? first : months[months.length - (name === "a" ? 2 : 1)];
    to.value = months.includes(last) ? last : "";
    for (const select of [from, to]) select.addEventListener("change", changed);
    pickers[name] = { from, to };
    return el(
      "div",
      { class: "period" },
      el("span", { class: "period-name" }, text),
      el("label", {}, "from ", from),
      el("label", {}, "to ", to),
    );
  }
  box.append(
    el("label", { class: "check" }, on, "Show the change from period a to period b"),
    picker("a", "Period a", savedA),
    picker("b", "Period b", savedB),
    el(
      "p",
      { class: "hint" },
      "A range counts each customer once, however many of its months they were active in.",
    ),
  );
  on.checked = Boolean(state.compare);

  const periods = () => ({
    a: periodText(pickers.a.from, pickers.a.to),
    b: periodText(pickers.b.from, pickers.b.to),
  });
  const measure = () => seriesMeasure(state.measure);

  function url() {
    const query = new URLSearchParams({ ...periods(), measure: measure() });
    for (const [name, value] of Object.entries(state.filters)) {
      if (value && name in layer.params) query.set(name, value);
    }
    return `${layer.tilejson}?${query}`;
  }

  function hexLayers(visibility) {
    for (const l of map.getStyle().layers) {
      if (l.source === "hexes" && l.id !== "hexes-selected") map.setLayoutProperty(l.id, "visibility", visibility);
    }
  }

  async function show() {
    const tilejson = await api(url()); // a bad period is refused here, with its reason
    if (!on.checked) return;
    hide();
    map.addSource(SOURCE, { type: "vector", url: url() });
    const before = map.getStyle().layers.find((l) => l.id === "hexes-selected")?.id;
    for (const style of tilejson.geocrm.style) map.addLayer({ ...style, source: SOURCE }, before);
    hexLayers("none");
    document.body.classList.add("comparing");
    lastKey = "";
    legend.hidden = state.view !== "heatmap";
    legend.replaceChildren(el("strong", {}, "Change: loading…"));
  }

  function hide() {
    for (const l of map.getStyle().layers.filter((x) => x.source === SOURCE)) map.removeLayer(l.id);
    if (map.getSource(SOURCE)) map.removeSource(SOURCE);
  }

  function off() {
    hide();
    hexLayers("visible");
    document.body.classList.remove("comparing");
    legend.hidden = true;
  }

  async function changed() {
    state.compare = on.checked ? `${periods().a}~${periods().b}` : null;
    saveState();
    try {
      if (on.checked) await show();
      else off();
    } catch (error) {
      showError(error);
    }
  }
  on.addEventListener("change", changed);

  // the classes: symmetric around 0, from the largest change drawn at the zoom's resolution
  let lastKey = "";
  function updateLegend() {
    if (!map.getSource(SOURCE)) return;
    legend.hidden = state.view !== "heatmap";
    const res = resByZoom[Math.min(Math.floor(map.getZoom()), resByZoom.length - 1)];
    const features = map
      .querySourceFeatures(SOURCE, { sourceLayer: SOURCE })
      .filter((f) => f.properties.res === res);
    const m = measure();
    // counts and money step by whole numbers; means (satisfaction, churn risk) by fractions
    const integer = isMoney(m) || Boolean(dims.measure_details.find((x) => x.name === m)?.integer);
    const [t, t2] = changeSteps(features.map((f) => f.properties.change), integer);
    const { a, b } = periods();
    const key = JSON.stringify([a, b, m, state.filters, t]);
    if (key === lastKey) return;
    lastKey = key;
    const fill = map.getStyle().layers.find((l) => l.source === SOURCE && l.type === "fill");
    // mirror images around "no change" (exactly 0): ≤ −2t, (−2t, −t], (−t, 0), 0, (0, t),
    // [t, 2t), ≥ 2t (a step counts a stop in the class above it, hence the small shifts)
    const tiny = integer ? 0.5 : t / 1000;
    map.setPaintProperty(fill.id, "fill-color", [
      "step", ["coalesce", ["get", "change"], 0],
      DIVERGING[0], -t2 + tiny, DIVERGING[1], -t + tiny, DIVERGING[2], -tiny, DIVERGING[3],
      tiny, DIVERGING[4], t, DIVERGING[5], t2, DIVERGING[6],
    ]);
    // the classes in words, the same both ways: counts by whole numbers, else "under"
    const f = (v) => formatValue(m, v);
    const span = (sign, lo, hi) => {
      if (!integer) return lo === 0 ? `under ${sign}${f(hi)}` : `${sign}${f(lo)} to under ${sign}${f(hi)}`;
      const first = Math.max(lo, 1);
      return first >= hi - 1 ? `${sign}${f(first)}` : `${sign}${f(first)} to ${sign}${f(hi - 1)}`;
    };
    const rows = [
      [DIVERGING[6], `more in b: +${f(t2)} or more`],
      [DIVERGING[5], `more in b: ${span("+", t, t2)}`],
      [DIVERGING[4], `more in b: ${span("+", 0, t)}`],
      [DIVERGING[3], "no change"],
      [DIVERGING[2], `less in b: ${span("−", 0, t)}`],
      [DIVERGING[1], `less in b: ${span("−", t, t2)}`],
      [DIVERGING[0], `less in b: −${f(t2)} or more`],
    ];
    legend.replaceChildren(
      el("strong", {}, `Change in ${measureHeading(m)}: b − a`),
      el("div", { class: "periods" }, `a: ${a} · b: ${b}`),
      ...rows.map(([colour, text]) => el("div", {}, el("span", { class: "swatch", style: `background:${colour}` }), text)),
    );
    if (!features.length) legend.append(el("div", { class: "empty" }, "No hexagons here for these periods."));
  }
  map.on("idle", updateLegend);

  map.on("click", (event) => {
    if (state.view !== "heatmap" || !map.getSource(SOURCE)) return;
    const fill = map.getStyle().layers.find((l) => l.source === SOURCE && l.type === "fill");
    const [hit] = map.queryRenderedFeatures(event.point, { layers: [fill.id] });
    if (hit) openCell(map, hit.properties.h3, resByZoom, { fly: false });
  });

  if (on.checked) changed();
  return {
    /** The measure or the filters changed: draw the difference with them. */
    refresh() {
      if (on.checked) changed();
    },
  };
}
