// Heatmaps for regional managers: the hex cube over the base map, a measure and filters,
// a legend whose classes are exactly the colours drawn, other layers to toggle, and the
// panel of a clicked hexagon with drill-down, roll-up and breadcrumbs.

import { api, debounce, el, formatValue, showError } from "./api.js";
import { filterQuery, layerQuery, saveState, state } from "./state.js";
import { label, loadVocabulary } from "./vocabulary.js";

const COLOURS = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"];
const NO_DATA = "#d9d9d9";

/** The overlays (every catalogue layer but the base map), kept in catalogue order. */
export class Overlays {
  constructor(map, catalogue) {
    this.map = map;
    this.layers = catalogue.layers.filter((l) => l.name !== "base");
    this.tilejson = {};
  }

  url(layer) {
    const query = layerQuery(Object.keys(layer.params));
    return `${layer.tilejson}${query ? `?${query}` : ""}`;
  }

  async show(name) {
    const layer = this.layers.find((l) => l.name === name);
    if (!layer || this.map.getSource(name)) return;
    const tilejson = (this.tilejson[name] ??= await api(layer.tilejson));
    // unchecked while its TileJSON was on the way, or added meanwhile
    if (!state.layers.has(name) || this.map.getSource(name)) return;
    this.map.addSource(name, { type: "vector", url: this.url(layer) });
    const later = this.layers.slice(this.layers.indexOf(layer) + 1).map((l) => l.name);
    const before = this.map
      .getStyle()
      .layers.find((l) => later.includes(l.source))?.id;
    for (const style of tilejson.geocrm.style) {
      this.map.addLayer({ ...style, source: name, minzoom: tilejson.minzoom }, before);
    }
    if (name === "hexes") {
      this.map.addLayer(
        {
          id: "hexes-selected",
          type: "line",
          source: "hexes",
          "source-layer": "hexes",
          filter: ["==", ["get", "h3"], state.cell || ""],
          paint: { "line-color": "#e7298a", "line-width": 3 },
        },
        before,
      );
    }
  }

  hide(name) {
    if (!this.map.getSource(name)) return;
    for (const layer of this.map.getStyle().layers) {
      if (layer.source === name) this.map.removeLayer(layer.id);
    }
    this.map.removeSource(name);
  }

  /** Measure or filters changed: the layers that take them draw new tiles. */
  refresh() {
    for (const layer of this.layers) {
      const source = this.map.getSource(layer.name);
      if (source && Object.keys(layer.params).length) source.setUrl(this.url(layer));
    }
  }
}

/** Quantile class breaks (up to 5 classes) of the values drawn. */
export function classBreaks(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return [];
  const breaks = [];
  for (let i = 1; i < COLOURS.length; i++) {
    const b = sorted[Math.floor((i * sorted.length) / COLOURS.length)];
    if (b > sorted[0] && !breaks.includes(b)) breaks.push(b);
  }
  return breaks;
}

export async function initHeatmap(map, catalogue, overlays) {
  const hexes = catalogue.layers.find((l) => l.name === "hexes");
  const hexJson = await api(hexes.tilejson);
  const dims = await loadVocabulary();
  const resByZoom = hexJson.geocrm.res_by_zoom;

  // measure and filters
  const measure = document.getElementById("measure");
  for (const m of dims.measure_details) {
    measure.append(el("option", { value: m.name, title: m.unit }, m.label));
  }
  measure.value = state.measure;
  measure.addEventListener("change", () => {
    state.measure = measure.value;
    changed();
  });
  const filters = document.getElementById("filters");
  // one control per filter the API names, with the values it offers
  for (const filter of dims.filters) {
    const name = filter.name;
    const select = el(
      "select",
      { name, "aria-label": filter.label, title: filter.description },
      el("option", { value: "" }, "all"),
      filter.values.map((v) => el("option", { value: String(v.value) }, v.label)),
    );
    select.value = state.filters[name] || "";
    select.addEventListener("change", () => {
      state.filters[name] = select.value;
      changed();
    });
    filters.append(el("label", {}, filter.label, select));
  }

  // layers to toggle
  const layerBox = document.getElementById("layers");
  // (the plan comparison belongs to the territory view, which draws it for the open plan)
  for (const layer of overlays.layers.filter((l) => l.name !== "plan_changes")) {
    const box = el("input", { type: "checkbox", name: layer.name });
    box.checked = state.layers.has(layer.name);
    box.addEventListener("change", async () => {
      if (box.checked) state.layers.add(layer.name);
      else state.layers.delete(layer.name);
      saveState();
      try {
        if (box.checked) await overlays.show(layer.name);
        else overlays.hide(layer.name);
        updateLegend();
      } catch (error) {
        showError(error);
      }
    });
    layerBox.append(el("label", { class: "check" }, box, layer.title));
  }
  for (const name of state.layers) await overlays.show(name);

  function changed() {
    saveState();
    overlays.refresh();
    if (state.cell) openCell(map, state.cell, resByZoom, { fly: false });
  }

  // the legend: classes computed from the hexagons drawn, and the same classes painted
  let lastKey = "";
  const updateLegend = () => {
    const legend = document.getElementById("legend");
    if (!map.getSource("hexes")) {
      legend.hidden = true;
      lastKey = "";
      return;
    }
    const res = resByZoom[Math.min(Math.floor(map.getZoom()), resByZoom.length - 1)];
    const features = map
      .querySourceFeatures("hexes", { sourceLayer: "hexes" })
      .filter((f) => f.properties.res === res);
    const values = features.map((f) => f.properties.value);
    const breaks = classBreaks(values);
    const key = JSON.stringify([state.measure, state.filters, res, breaks]);
    if (key === lastKey) return;
    lastKey = key;
    const step = ["step", ["get", "value"], COLOURS[0]];
    breaks.forEach((b, i) => step.push(b, COLOURS[i + 1]));
    const fill = ["case", ["has", "value"], breaks.length ? step : COLOURS[0], NO_DATA];
    const fillLayer = map.getStyle().layers.find((l) => l.source === "hexes" && l.type === "fill");
    map.setPaintProperty(fillLayer.id, "fill-color", fill);

    legend.replaceChildren(
      el("strong", {}, `${state.measure.replaceAll("_", " ")} · H3 res ${res}`),
    );
    if (!features.length) {
      legend.append(el("div", { class: "empty" }, "No hexagons here for these filters."));
    } else {
      const bounds = [Math.min(...values.filter(Number.isFinite)), ...breaks];
      bounds.forEach((lower, i) => {
        const upper = breaks[i];
        const text =
          upper === undefined
            ? `≥ ${formatValue(state.measure, lower)}`
            : `${formatValue(state.measure, lower)} – < ${formatValue(state.measure, upper)}`;
        legend.append(
          el("div", {}, el("span", { class: "swatch", style: `background:${COLOURS[i]}` }), text),
        );
      });
      if (values.some((v) => !Number.isFinite(v))) {
        legend.append(
          el("div", {}, el("span", { class: "swatch", style: `background:${NO_DATA}` }), "no data"),
        );
      }
    }
    legend.hidden = state.view !== "heatmap";
  };
  map.on("idle", updateLegend);
  map.on("moveend", debounce(updateLegend, 100));

  map.on("click", (event) => {
    if (state.view !== "heatmap" || !map.getSource("hexes")) return;
    const fillLayer = map.getStyle().layers.find((l) => l.source === "hexes" && l.type === "fill");
    const [hit] = map.queryRenderedFeatures(event.point, { layers: [fillLayer.id] });
    if (hit) openCell(map, hit.properties.h3, resByZoom, { fly: false });
  });
  for (const layer of map.getStyle().layers.filter((l) => l.source === "hexes")) {
    map.on("mouseenter", layer.id, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", layer.id, () => (map.getCanvas().style.cursor = ""));
  }
  if (state.cell) openCell(map, state.cell, resByZoom, { fly: false });
  return { updateLegend };
}

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
    const detail = await api(`/api/cube/${cell}`);
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
          { onclick: () => openCell(map, c.h3, resByZoom), title: `resolution ${c.res}` },
          `res ${c.res} ›`,
        ),
      ),
      el("span", {}, `res ${detail.res}`),
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
      .map(([dimension, rows]) =>
        el(
          "details",
          {},
          el("summary", {}, label(dimension)),
          el(
            "table",
            {},
            rows.map((r) =>
              el(
                "tr",
                {},
                el("td", {}, String(r.value ?? "–")),
                el("td", { class: "num" }, `${r.customers + r.prospects}`),
                el("td", { class: "num" }, formatValue("revenue", r.revenue)),
              ),
            ),
          ),
        ),
      );
    const childList = el(
      "ul",
      { class: "children" },
      children.map((c) =>
        el(
          "li",
          {},
          el(
            "button",
            { onclick: () => openCell(map, c.h3, resByZoom) },
            `${c.h3} · ${formatValue(state.measure, c[state.measure])}`,
          ),
        ),
      ),
    );
    panel.replaceChildren(
      el("h2", {}, `Hexagon ${cell}`),
      crumbs,
      el(
        "div",
        { class: "buttons" },
        detail.parent
          ? el("button", { onclick: () => openCell(map, detail.parent, resByZoom) }, "Roll up ↑")
          : null,
        el("button", { onclick: () => closeCell(map) }, "Close"),
      ),
      el("p", { class: "hint" }, "Measures of all customers in the hexagon; the drill-down follows the filters."),
      measures,
      el("h3", {}, "Top customers by revenue"),
      detail.top_customers?.length ? top : el("p", { class: "empty" }, "No customers."),
      el("h3", {}, "Breakdown"),
      breakdown,
      el("h3", {}, `Drill down: ${children.length} cells at res ${detail.res + 1}`),
      children.length ? childList : el("p", { class: "empty" }, "The finest resolution."),
    );
  } catch (error) {
    if (ticket !== opening) return;
    panel.replaceChildren(el("p", { class: "empty" }, error.message));
    showError(error);
  }
}

function closeCell(map) {
  state.cell = null;
  saveState();
  document.getElementById("cell").hidden = true;
  if (map.getLayer("hexes-selected")) map.setFilter("hexes-selected", ["==", ["get", "h3"], ""]);
}
