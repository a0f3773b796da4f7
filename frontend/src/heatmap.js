// Heatmaps for regional managers: the hex cube over the base map, a measure and filters,
// the legend (legend.js), other layers to toggle (overlays.js), and the panel of a clicked
// hexagon (cellpanel.js).

import { api, debounce, el, showError } from "./api.js";
import { openCell } from "./cellpanel.js";
import { initFilters } from "./filters.js";
import { createLegend } from "./legend.js";
import { saveState, state } from "./state.js";
import { loadVocabulary } from "./vocabulary.js";

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
    state.classes = null; // fixed classes are of one measure
    changed();
  });
  initFilters(document.getElementById("filters"), dims, changed);

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

  const updateLegend = createLegend(map, { resByZoom, hexJson, overlays, dims });
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
