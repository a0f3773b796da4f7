// The filter controls: one per filter the API names (GET /api/cube/dimensions), with the
// values it offers. They write the one filter state (state.filters: {name: "v1,v2"}) that
// the map, the hexagon panel, zones, reports and exports read.
//
// A dimension that takes several values is a multi-select: a disclosure (<details>) whose
// summary says what is chosen ("all", a value, "3 selected") and opens a group of labelled
// checkboxes (Tab, Space, Escape closes). The month of activity is one value per query, a
// plain <select>. The active filters show as removable chips above the controls. The box
// of chips and controls (#filter-box) moves with the view: the zones view shows the same
// controls (without the month, which a zone does not take).

import { el } from "./api.js";
import { state } from "./state.js";
import { label, valueLabel, zoneFilterNames } from "./vocabulary.js";

const listeners = [];
const controls = new Map(); // filter name -> {sync()}: shows state.filters[name]

/** Call `fn()` after every change of the filters (from any control or chip). */
export function onFiltersChange(fn) {
  listeners.push(fn);
}

/** The values chosen for a filter, as an array of strings ([] for all). */
export function chosen(name) {
  return (state.filters[name] || "").split(",").filter(Boolean);
}

/** Set a filter's values (an array of strings; [] for all) and tell everyone. */
export function setFilter(name, values) {
  if (values.length) state.filters[name] = values.join(",");
  else delete state.filters[name];
  syncAll();
  for (const fn of listeners) fn();
}

/** Replace every filter (a saved zone's, say) and tell everyone. */
export function setFilters(filters) {
  state.filters = Object.fromEntries(Object.entries(filters).filter(([, v]) => v));
  syncAll();
  for (const fn of listeners) fn();
}

function syncAll() {
  for (const control of controls.values()) control.sync();
  renderChips();
}

/** Build the filter controls into `box`; `changed()` is called after each change. */
export function initFilters(box, dims, changed) {
  onFiltersChange(changed);
  for (const filter of dims.filters) {
    const control = filter.multiple ? multiSelect(filter) : singleSelect(filter);
    controls.set(filter.name, control);
    box.append(control.node);
  }
  // a click outside an open list closes it
  document.addEventListener("click", (event) => {
    for (const open of box.querySelectorAll("details[open]")) {
      if (!open.contains(event.target)) open.open = false;
    }
  });
  syncAll();
}

function singleSelect(filter) {
  const name = filter.name;
  const select = el(
    "select",
    { name, "aria-label": filter.label, title: filter.description },
    el("option", { value: "" }, "all"),
    filter.values.map((v) => el("option", { value: String(v.value) }, v.label)),
  );
  select.addEventListener("change", () => setFilter(name, select.value ? [select.value] : []));
  const node = el("label", { class: "filter", "data-filter": name }, filter.label, select);
  return { node, sync: () => (select.value = state.filters[name] || "") };
}

function multiSelect(filter) {
  const name = filter.name;
  const shown = el("span", { class: "chosen" });
  const summary = el(
    "summary",
    { title: filter.description },
    el("span", { class: "name" }, filter.label),
    " ",
    shown,
  );
  const boxes = filter.values.map((v) =>
    el("input", { type: "checkbox", name, value: String(v.value) }),
  );
  const all = el("button", { type: "button", class: "all" }, "All (no filter)");
  const group = el(
    "fieldset",
    { class: "options" },
    el("legend", {}, filter.label),
    boxes.map((box, i) => el("label", { class: "check" }, box, filter.values[i].label)),
    all,
  );
  const details = el("details", { class: "multi", "data-filter": name }, summary, group);
  for (const box of boxes) {
    box.addEventListener("change", () =>
      setFilter(
        name,
        boxes.filter((b) => b.checked).map((b) => b.value),
      ),
    );
  }
  all.addEventListener("click", () => setFilter(name, []));
  details.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && details.open) {
      details.open = false;
      summary.focus();
    }
  });

  function sync() {
    const values = chosen(name);
    for (const box of boxes) box.checked = values.includes(box.value);
    // a value of the URL that the API does not offer stays in the state (the API says why)
    shown.textContent =
      values.length === 0 ? "all" : values.length === 1 ? valueLabel(name, values[0]) : `${values.length} selected`;
    // the accessible name holds the visible text (WCAG 2.5.3), then the values chosen
    const detail = values.length > 1 ? ` (${describe(name, values)})` : "";
    summary.setAttribute("aria-label", `${filter.label} ${shown.textContent}${detail}`);
  }
  return { node: details, sync };
}

function describe(name, values) {
  return values.length ? values.map((v) => valueLabel(name, v)).join(", ") : "all";
}

/** The active filters as words, e.g. "Stage: client, partner · Kind: person" ("" if none);
 * `names` limits them (the zones view: the filters a zone takes). */
export function filterSummary(names = null) {
  return Object.keys(state.filters)
    .filter((name) => chosen(name).length && (!names || names.includes(name)))
    .map((name) => `${label(name)}: ${describe(name, chosen(name))}`)
    .join(" · ");
}

/** The chips of the active filters (#active-filters): each removes its filter; in the
 * zones view, a month shows as not applying. */
export function renderChips() {
  const box = document.getElementById("active-filters");
  if (!box) return;
  const active = Object.keys(state.filters).filter((name) => chosen(name).length);
  if (!active.length) {
    box.replaceChildren(el("span", { class: "hint" }, "No filter: every customer."));
    return;
  }
  const zones = state.view === "zones" ? zoneFilterNames() : null;
  box.replaceChildren(
    el("span", { class: "hint" }, "Filters:"),
    ...active.map((name) => {
      const text = `${label(name)}: ${describe(name, chosen(name))}`;
      const unused = zones && !zones.includes(name);
      return el(
        "span",
        { class: unused ? "chip unused" : "chip", "data-filter": name },
        unused ? `${text} (not used by zones)` : text,
        el(
          "button",
          { type: "button", "aria-label": `Remove the filter ${text}`, onclick: () => setFilter(name, []) },
          "×",
        ),
      );
    }),
  );
}

/** Put the filter box (chips and controls) in a view's section, before `before` (or at the
 * end); in the zones view the month control, which a zone does not take, is hidden. */
export function placeFilters(section, before = null) {
  const box = document.getElementById("filter-box");
  if (!box) return;
  section.insertBefore(box, before);
  const zones = state.view === "zones" ? zoneFilterNames() : null;
  for (const [name, control] of controls) control.node.hidden = Boolean(zones && !zones.includes(name));
  renderChips();
}

/** Links that export the cube's cells at the map's resolution under the filters (CSV and
 * GeoJSON, GET /api/cube); they follow the filters, the measure and the zoom. */
export function cubeExportLinks(map, resByZoom) {
  const csv = el("a", { download: "" }, "CSV");
  const geojson = el("a", { download: "" }, "GeoJSON");
  const node = el("p", { id: "cube-export", class: "hint" }, "Export the hexagons under these filters: ", csv, " · ", geojson);
  function update() {
    const res = resByZoom[Math.min(resByZoom.length - 1, Math.max(0, Math.floor(map.getZoom())))];
    const query = new URLSearchParams({ res: String(res) });
    for (const [name, value] of Object.entries(state.filters)) if (value) query.set(name, value);
    csv.href = `/api/cube?${query}&format=csv`;
    geojson.href = `/api/cube?${query}&format=geojson`;
    csv.setAttribute("download", `hexagons-res${res}.csv`);
    geojson.setAttribute("download", `hexagons-res${res}.geojson`);
  }
  onFiltersChange(update);
  map.on("moveend", update);
  update();
  return node;
}
