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
  // fixed hex classes (legend.js): the class breaks, ascending, or null (computed)
  classes: parseClasses(params.get("classes")),
};

/** `classes=10,20,50,100` of the URL: 1 to 4 finite numbers (5 classes), strictly ascending; anything
 * else is null (the classes are computed) and `parseClasses.refused` keeps what was refused. */
export function parseClasses(text) {
  if (text === null || text === undefined || text === "") return null;
  const parts = String(text).split(",");
  const numbers = parts.map((p) => (/^\s*-?\d+(\.\d+)?\s*$/.test(p) ? Number(p) : NaN));
  const ok =
    parts.length <= 4 &&
    numbers.every(Number.isFinite) &&
    numbers.every((n, i) => i === 0 || n > numbers[i - 1]);
  if (!ok) {
    parseClasses.refused = String(text).slice(0, 80);
    return null;
  }
  return numbers;
}

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
  if (state.classes) query.set("classes", state.classes.join(","));
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
