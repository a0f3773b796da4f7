// The trade-area picker: which stores' areas and which kind (walk or drive isochrones,
// rings, Huff areas) the trade_areas layer draws, as that layer's tile parameters
// (store_id, area_kind, mode; overlays.setParams). Shown while the layer is on.

import { api, el, showError } from "./api.js";
import { state } from "./state.js";

/** The kinds offered, each the tile parameters it stands for. */
export const KINDS = [
  { value: "", label: "Every kind", params: {} },
  { value: "walk", label: "Walk isochrones", params: { area_kind: "isochrone", mode: "walk" } },
  { value: "drive", label: "Drive isochrones", params: { area_kind: "isochrone", mode: "drive" } },
  { value: "ring", label: "Rings (distance)", params: { area_kind: "ring" } },
  { value: "huff", label: "Huff areas (likely shoppers)", params: { area_kind: "huff_primary,huff_secondary" } },
];

/** Build the picker into `box` (a fieldset); returns {update} to call when layers change. */
export async function initTradeAreaPicker(box, overlays) {
  let stores = [];
  try {
    stores = (await api("/api/stores")).features.map((f) => f.properties);
  } catch (error) {
    showError(error);
  }
  const kind = el(
    "select",
    { name: "trade-area-kind" },
    KINDS.map((k) => el("option", { value: k.value }, k.label)),
  );
  const storeBoxes = stores.map((s) =>
    el("input", { type: "checkbox", name: "trade-area-store", value: String(s.store_id) }),
  );
  const list = el(
    "div",
    { class: "store-list", role: "group", "aria-label": "Stores (none ticked: every store)" },
    stores.map((s, i) => el("label", { class: "check" }, storeBoxes[i], s.name)),
  );
  box.append(
    el("label", {}, "Kind ", kind),
    el("p", { class: "hint" }, "Stores (none ticked: every store)"),
    list,
  );

  function apply() {
    const chosen = storeBoxes.filter((b) => b.checked).map((b) => b.value);
    const params = { ...KINDS.find((k) => k.value === kind.value).params };
    if (chosen.length) params.store_id = chosen.join(",");
    overlays.setParams("trade_areas", params);
  }
  kind.addEventListener("change", apply);
  for (const b of storeBoxes) b.addEventListener("change", apply);

  function update() {
    box.hidden = !state.layers.has("trade_areas");
  }
  update();
  return { update };
}
