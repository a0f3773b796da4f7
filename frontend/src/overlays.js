// The map's overlays: every catalogue layer but the base map, added and removed as the user
// toggles them, drawn in catalogue order, their tiles asked with the measure and filters
// each layer accepts.

import { api } from "./api.js";
import { layerQuery, state } from "./state.js";

/** The overlays (every catalogue layer but the base map), kept in catalogue order. */
export class Overlays {
  constructor(map, catalogue) {
    this.map = map;
    this.layers = catalogue.layers.filter((l) => l.name !== "base");
    this.tilejson = {};
    this.params = {}; // per layer, parameters of its own (the trade-area picker's)
  }

  url(layer) {
    const query = new URLSearchParams(layerQuery(Object.keys(layer.params)));
    for (const [name, value] of Object.entries(this.params[layer.name] || {})) query.set(name, value);
    return `${layer.tilejson}${query.size ? `?${query}` : ""}`;
  }

  /** A layer's own parameters (replacing the previous ones); its tiles are drawn again. */
  setParams(name, params) {
    this.params[name] = params;
    this.refresh();
  }

  async show(name) {
    const layer = this.layers.find((l) => l.name === name);
    if (!layer || this.map.getSource(name)) return;
    const tilejson = (this.tilejson[name] ??= await api(layer.tilejson));
    // unchecked while its TileJSON was on the way, or added meanwhile
    if (!state.layers.has(name) || this.map.getSource(name)) return;
    this.map.addSource(name, { type: "vector", url: this.url(layer) });
    const later = this.layers.slice(this.layers.indexOf(layer) + 1).map((l) => l.name);
    const drawn = this.map.getStyle().layers;
    // labels stay above every fill and line: a fill goes below the first label (or a later
    // overlay), a label below the labels of later overlays; both in catalogue order
    const before = drawn.find((l) => later.includes(l.source) || l.type === "symbol")?.id;
    const beforeLabel = drawn.find((l) => later.includes(l.source) && l.type === "symbol")?.id;
    for (const style of tilejson.geocrm.style) {
      const minzoom = Math.max(style.minzoom ?? 0, tilejson.minzoom);
      const symbol = style.type === "symbol";
      this.map.addLayer({ ...style, source: name, minzoom }, symbol ? beforeLabel : before);
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

