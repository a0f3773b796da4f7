// What the user sees, kept in the URL so that a link shares the view: the map position in
// the hash (MapLibre's own `#zoom/lat/lon`), the rest in the query string.

// The filters are those the API names (vocabulary.js); `readFilters` takes them from the
// URL once the vocabulary is loaded.

import { filterNames } from "./vocabulary.js";

const params = new URLSearchParams(window.location.search);

export const state = {
  view: params.get("view") || "heatmap",
  measure: params.get("measure") || "customers",
  layers: new Set((params.get("layers") ?? "hexes,stores").split(",").filter(Boolean)),
  filters: {},
  cell: params.get("cell") || null,
  compare: params.get("compare") || null, // compare.js: "a~b", each YYYY-MM or a range
};

/** The filters of the URL, among `names` (the filters the API knows). */
export function readFilters(names) {
  state.filters = Object.fromEntries(names.filter((f) => params.get(f)).map((f) => [f, params.get(f)]));
}

export function saveState() {
  const query = new URLSearchParams();
  query.set("view", state.view);
  query.set("measure", state.measure);
  query.set("layers", [...state.layers].join(","));
  for (const [name, value] of Object.entries(state.filters)) if (value) query.set(name, value);
  if (state.cell) query.set("cell", state.cell);
  if (state.compare) query.set("compare", state.compare);
  window.history.replaceState(null, "", `?${query}${window.location.hash}`);
}

/** The query string of a layer: the state's parameters that the layer accepts. */
export function layerQuery(accepted) {
  const query = new URLSearchParams();
  if (accepted.includes("measure")) query.set("measure", state.measure);
  for (const [name, value] of Object.entries(state.filters)) {
    if (value && accepted.includes(name)) query.set(name, value);
  }
  return query.toString();
}

export function filterQuery() {
  return layerQuery(filterNames());
}
