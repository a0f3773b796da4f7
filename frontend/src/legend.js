// The hex layer's legend: classes computed from the hexagons drawn, and the same classes
// painted, so that every colour on the map is a line of the legend.

import { el, formatValue } from "./api.js";
import { state } from "./state.js";
import { describe, hexagonSize, label } from "./vocabulary.js";

export const COLOURS = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"];
const NO_DATA = "#d9d9d9";

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


/** The hex legend of a map: `update()` recomputes the classes of the hexagons drawn at the
 * zoom's resolution, repaints the hex fill with them and writes the legend box. */
export function hexLegend(map, resByZoom) {
  let lastKey = "";
  return function update() {
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
      el("strong", { title: describe(state.measure) }, `${label(state.measure)} · ${hexagonSize(res)}`),
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
}
