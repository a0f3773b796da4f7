// The hex cube's vocabulary as the API serves it (GET /api/cube/dimensions): every filter
// (name, label, values, whether a zone takes it) and every measure (label, unit). The app
// keeps no list of its own: a dimension added on the server is a filter control here.

import { api } from "./api.js";

let loading = null;
let vocabulary = { filters: [], measure_details: [] };

/** The vocabulary, fetched once: {filters, measure_details, and the values per filter}. */
export function loadVocabulary() {
  loading ??= api("/api/cube/dimensions").then((dims) => (vocabulary = dims));
  return loading;
}

/** The names of every filter (the dimensions, then the month of activity). */
export function filterNames() {
  return vocabulary.filters.map((f) => f.name);
}

/** The filters a target zone's audience takes (a zone is not about a month). */
export function zoneFilterNames() {
  return vocabulary.filters.filter((f) => f.zones).map((f) => f.name);
}

/** The label of a filter or measure (its name, readable, when unknown). */
export function label(name) {
  const known = [...vocabulary.filters, ...vocabulary.measure_details].find((x) => x.name === name);
  return known?.label ?? name.replaceAll("_", " ");
}

/** Whether a measure changes by month (a measure of the customers, not the cells' context). */
export function byMonth(measure) {
  return Boolean(vocabulary.measure_details.find((m) => m.name === measure)?.by_month);
}

/** The unit of a measure ("EUR", "customers", ...), or undefined. */
export function unit(measure) {
  return vocabulary.measure_details.find((m) => m.name === measure)?.unit;
}

/** The label of a filter's value (a store's or a rep's name for its id), or the value. */
export function valueLabel(name, value) {
  const filter = vocabulary.filters.find((f) => f.name === name);
  const known = filter?.values.find((v) => String(v.value) === String(value));
  return known ? String(known.label) : String(value ?? "–");
}

/** The server's number and money formats (GEOCRM_LOCALE, GEOCRM_CURRENCY). */
export function formats() {
  return { locale: vocabulary.locale || "fi-FI", currency: vocabulary.currency || "EUR" };
}

// The glossary (plain words for tooltips, info buttons and the Glossary dialog)

/** A measure's meaning in plain words ("" when unknown). */
export function describe(measure) {
  return vocabulary.measure_details.find((m) => m.name === measure)?.description ?? "";
}

/** A map layer's meaning in plain words (by catalogue name; "" when unknown). */
export function layerDescription(name) {
  return vocabulary.layer_descriptions?.[name] ?? "";
}

/** The glossary's terms: {term: meaning}. */
export function terms() {
  return vocabulary.terms ?? {};
}

/** A hexagon's size at a resolution in words ("hexagons ~150 m across"). */
export function hexagonSize(res) {
  return vocabulary.hexagon_sizes?.[String(res)] ?? `resolution ${res}`;
}
