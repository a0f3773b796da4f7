// Heatmaps for regional managers: the hex cube over the base map, a measure and filters,
// the legend (legend.js), other layers to toggle (overlays.js), and the panel of a clicked
// hexagon (cellpanel.js).

import { api, debounce, el, showError } from "./api.js";
import { openCell } from "./cellpanel.js";
import { initCompare } from "./compare.js";
import { initConcentration } from "./concentration.js";
import { cubeExportLinks, initFilters, placeFilters } from "./filters.js";
import { createLegend } from "./legend.js";
import { customerAt } from "./popups.js";
import { PROSPECTING_LAYERS } from "./prospecting.js";
import { saveState, state } from "./state.js";
import { initTradeAreaPicker } from "./tradeareas.js";
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
  // (nor the difference map: the Compare part below draws it, compare.js)
  // (nor the prospecting layers: the Prospecting view draws them, prospecting.js)
  const own = ["plan_changes", "hex_change", ...PROSPECTING_LAYERS];
  for (const layer of overlays.layers.filter((l) => !own.includes(l.name))) {
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
  for (const name of state.layers) if (!PROSPECTING_LAYERS.includes(name)) await overlays.show(name);
  const picker = await initTradeAreaPicker(document.getElementById("trade-area-picker"), overlays);
  layerBox.addEventListener("change", picker.update);
  const concentration = initConcentration(map, resByZoom, document.getElementById("concentration"));
  const compare = initCompare(map, catalogue, dims, resByZoom);

  function changed() {
    saveState();
    overlays.refresh();
    concentration.refresh();
    compare?.refresh(); // the difference map (compare.js) follows the measure and filters
    if (state.cell) openCell(map, state.cell, resByZoom, { fly: false });
  }
  // the hexagons of the map as files, under the same filters
  document.getElementById("layers").before(cubeExportLinks(map, resByZoom));

  const updateLegend = createLegend(map, { resByZoom, hexJson, overlays, dims });
  map.on("idle", updateLegend);
  map.on("moveend", debounce(updateLegend, 100));

  map.on("click", (event) => {
    if (state.view !== "heatmap" || !map.getSource("hexes")) return;
    if (customerAt(map, event.point)) return; // a customer dot's popup (popups.js), not the hexagon
    const fillLayer = map.getStyle().layers.find((l) => l.source === "hexes" && l.type === "fill");
    const [hit] = map.queryRenderedFeatures(event.point, { layers: [fillLayer.id] });
    if (hit) openCell(map, hit.properties.h3, resByZoom, { fly: false });
  });
  for (const layer of map.getStyle().layers.filter((l) => l.source === "hexes")) {
    map.on("mouseenter", layer.id, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", layer.id, () => (map.getCanvas().style.cursor = ""));
  }
  if (state.cell) openCell(map, state.cell, resByZoom, { fly: false });
  const section = document.querySelector('#panel section[data-view="heatmap"]');
  // the filter box comes back from the zones view, above the measure's export links
  const onShow = () => placeFilters(section, document.getElementById("cube-export"));
  return { updateLegend, onShow };
}
