// The Prospecting view (issue 16): where the untapped demand is (the whitespace and
// hotspot layers, with their legends from the catalogue), and the leads of an area (a
// rectangle or polygon drawn on the map, or a saved zone) ranked by their lookalike score
// with its three reasons, filtered by category, building class and minimum score, paged
// with the API's `next` cursor, exported as CSV or GeoJSON under the same filters. Per lead:
// assign it to a rep (it becomes a prospect customer of that rep), set its status, put it on
// the rep's visit route (the Accounts view's planner), fly to it.
//
// Routes: GET /api/leads (zone=), POST /api/leads/query (polygon), POST
// /api/leads/{id}/assign, PATCH /api/leads/{id}, GET /api/leads/export, GET
// /api/prospecting/model (whether scores are shown at all).

import maplibregl from "./maplibre.js";
import { api, el, formatNumber, formatPercent, showError } from "./api.js";
import { can, currentUser } from "./auth.js";
import { setDrawMode } from "./drawing.js";
import { saveState, state } from "./state.js";
import { valueLabel } from "./vocabulary.js";

/** The catalogue layers of the view, in the order they are offered: drawn while the view
 * is open only (the heatmap does not offer them). */
export const PROSPECTING_LAYERS = ["whitespace", "hotspots", "leads"];
/** Leads asked per page ("Show more" asks the next). */
const PAGE_SIZE = 50;
const STATUSES = ["new", "contacted", "disqualified", "do_not_contact", "assigned"];
const DRAW_MODES = ["rectangle", "polygon"];
const EMPTY = { type: "FeatureCollection", features: [] };

/** A lead status in words ("do not contact"). */
export function statusText(status) {
  return (status || "new").replaceAll("_", " ");
}

/** A score 0..1 as a percentage, "–" when there is none. */
function scoreText(score) {
  return score === null || score === undefined ? "–" : formatPercent(score);
}

/**
 * `draw`: the map's Terra Draw (drawing.js). `overlays`: the catalogue layers (overlays.js).
 * `reps`: [{id, name}]. `dims`: the vocabulary (building classes). `addToRoute(repId,
 * customerId)`: opens the Accounts view's route planner with that customer as a stop (null
 * for a role that plans no route). `layersChanged()`: the legend follows.
 */
export function initProspecting(map, draw, { overlays, reps, dims, addToRoute, layersChanged }) {
  const section = document.querySelector('#panel section[data-view="prospecting"]');
  const countBox = document.getElementById("lead-count");
  const listBox = document.getElementById("lead-list");
  const zonePicker = document.getElementById("lead-zone");
  const drawButtons = document.getElementById("lead-draw");
  const filterBox = document.getElementById("lead-filters");
  const exportBox = document.getElementById("lead-export");
  const modelBox = document.getElementById("lead-model");
  // the area of the list: a drawn polygon (and whether it is a rectangle) or a saved zone
  const area = { geometry: null, rectangle: false, zone: null };
  // the list shown: its leads, the cursor of the next page, how many match in all
  const list = { leads: [], next: null, matched: 0, key: "" };
  const categories = new Set(); // every category seen in an answer (the filter's choices)
  let model = null; // GET /api/prospecting/model, or {missing: message}
  let shown = false;
  let ticket = 0; // answers to an older question are dropped
  let marker = null;
  let hexesWereShown = false;

  // -------------------------------------------------------------- layers
  const layerBox = document.getElementById("prospect-layers");
  const offered = PROSPECTING_LAYERS.filter((name) => overlays.layers.some((l) => l.name === name));
  for (const name of offered) {
    const layer = overlays.layers.find((l) => l.name === name);
    const box = el("input", { type: "checkbox", name, "data-prospect-layer": name });
    box.addEventListener("change", () => toggleLayer(name, box.checked).catch(showError));
    layerBox.append(el("label", { class: "check" }, box, layer.title));
  }
  if (!offered.length) layerBox.append(el("p", { class: "empty" }, "No prospecting layer is served."));
  // the measure whose hot and cold spots are drawn (the hotspots layer's `measure`)
  const hotspots = overlays.layers.find((l) => l.name === "hotspots");
  if (hotspots && Object.keys(hotspots.params).includes("measure")) {
    const measure = el(
      "select",
      { id: "hotspot-measure" },
      dims.measure_details.map((m) => el("option", { value: m.name }, m.label)),
    );
    measure.value = dims.measure_details.some((m) => m.name === state.measure) ? state.measure : "revenue";
    overlays.params.hotspots = { measure: measure.value };
    measure.addEventListener("change", () => {
      overlays.setParams("hotspots", { measure: measure.value });
      layersChanged();
    });
    layerBox.append(el("label", { class: "hotspot-measure" }, "Hotspots of", measure));
  }

  async function toggleLayer(name, on) {
    if (on) state.layers.add(name);
    else state.layers.delete(name);
    saveState();
    if (on) await overlays.show(name);
    else overlays.hide(name);
    layersChanged();
  }

  function syncLayerBoxes() {
    for (const box of layerBox.querySelectorAll("input[type=checkbox]")) {
      box.checked = state.layers.has(box.name);
    }
  }

  // -------------------------------------------------------------- filters
  const categorySelect = filterBox.querySelector("select[name=category]");
  const classSelect = filterBox.querySelector("select[name=building_class]");
  const minScore = filterBox.querySelector("input[name=min_score]");
  const classes = dims.filters.find((f) => f.name === "building_class")?.values ?? [];
  for (const v of classes) classSelect.append(el("option", { value: String(v.value) }, v.label));
  categorySelect.addEventListener("change", () => ask());
  classSelect.addEventListener("change", () => ask());
  minScore.addEventListener("change", () => ask());

  function addCategories(leads) {
    let added = false;
    for (const lead of leads) {
      const c = lead.properties.category;
      if (c && !categories.has(c)) {
        categories.add(c);
        added = true;
      }
    }
    if (!added) return;
    const chosen = categorySelect.value;
    categorySelect.replaceChildren(
      el("option", { value: "" }, "all"),
      ...[...categories].sort().map((c) => el("option", { value: c }, c.replaceAll("_", " "))),
    );
    categorySelect.value = chosen;
  }

  /** The filters as the API takes them ({category, building_class, min_score}, the set ones). */
  function filters() {
    const out = {};
    if (categorySelect.value) out.category = categorySelect.value;
    if (classSelect.value) out.building_class = classSelect.value;
    const min = minScore.value === "" ? null : Number(minScore.value);
    if (min !== null && Number.isFinite(min)) out.min_score = String(Math.min(100, Math.max(0, min)) / 100);
    return out;
  }

  /** What the filters keep, in words ("category cafe · score ≥ 40 %"), "" for none. */
  function filterWords() {
    const f = filters();
    const words = [];
    if (f.category) words.push(`category ${f.category.replaceAll("_", " ")}`);
    if (f.building_class) words.push(`building ${valueLabel("building_class", f.building_class)}`);
    if (f.min_score) words.push(`score ≥ ${formatPercent(Number(f.min_score))}`);
    return words.join(" · ");
  }

  // -------------------------------------------------------------- the area
  drawButtons.addEventListener("click", (event) => {
    const mode = event.target.closest("button")?.dataset.mode;
    if (!mode) return;
    clearArea();
    if (mode === "clear") {
      setMode(null);
      ask();
      return;
    }
    setMode(mode);
  });

  let drawing = null; // the draw mode on (clicks draw then, they open no popup)

  function setMode(mode) {
    drawing = DRAW_MODES.includes(mode) ? mode : null;
    for (const b of drawButtons.querySelectorAll("button")) {
      b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
    }
    if (DRAW_MODES.includes(mode)) setDrawMode(draw, mode);
    else if (draw.enabled) setDrawMode(draw, "static");
  }

  function clearArea() {
    if (draw.enabled) draw.clear();
    area.geometry = null;
    area.rectangle = false;
    area.zone = null;
    area.zoneGeometry = null;
    zonePicker.value = "";
    showArea();
  }

  draw.on("finish", () => {
    if (state.view !== "prospecting") return;
    const drawn = draw
      .getSnapshot()
      .filter((f) => f.geometry.type === "Polygon" && DRAW_MODES.includes(f.properties.mode));
    const feature = drawn[drawn.length - 1];
    if (!feature) return;
    area.geometry = feature.geometry;
    area.rectangle = feature.properties.mode === "rectangle";
    area.zone = null;
    zonePicker.value = "";
    setMode(null); // one shape at a time: drawing again starts afresh
    // the area is drawn by the view (hidden with it), not left in the shared drawing
    draw.clear();
    showArea();
    ask();
  });

  zonePicker.addEventListener("change", async () => {
    const id = zonePicker.value;
    if (draw.enabled) draw.clear();
    setMode(null);
    area.geometry = null;
    area.rectangle = false;
    area.zone = id ? Number(id) : null;
    area.zoneGeometry = null;
    showArea();
    try {
      const zone = id ? await api(`/api/zones/${id}`) : null;
      area.zoneGeometry = zone?.geometry ?? null;
      showArea();
      if (zone) map.fitBounds(bounds(zone.geometry), { padding: 40 });
    } catch (error) {
      showError(error);
    }
    ask();
  });

  /** The area of the list on the map (a drawn shape or the saved zone), or none. */
  function showArea() {
    ensureAreaLayer();
    const geometry = area.zone !== null ? area.zoneGeometry : area.geometry;
    const data = geometry && shown ? { type: "FeatureCollection", features: [{ type: "Feature", properties: {}, geometry }] } : EMPTY;
    map.getSource("prospect-area").setData(data);
  }

  async function listZones() {
    try {
      const zones = await api("/api/zones");
      const chosen = zonePicker.value;
      zonePicker.replaceChildren(
        el("option", { value: "" }, "none: draw on the map"),
        ...zones.features.map((f) => el("option", { value: String(f.id ?? f.properties.zone_id) }, f.properties.name)),
      );
      zonePicker.value = chosen;
    } catch (error) {
      showError(error);
    }
  }

  function ensureAreaLayer() {
    if (map.getSource("prospect-area")) return;
    map.addSource("prospect-area", { type: "geojson", data: EMPTY });
    map.addLayer({
      id: "prospect-area-fill",
      type: "fill",
      source: "prospect-area",
      paint: { "fill-color": "#253494", "fill-opacity": 0.08 },
    });
    map.addLayer({
      id: "prospect-area-line",
      type: "line",
      source: "prospect-area",
      paint: { "line-color": "#253494", "line-width": 2 },
    });
  }

  // -------------------------------------------------------------- the list
  /** The question of the list's first page (null with no area). */
  function question() {
    if (area.zone !== null) {
      const query = new URLSearchParams({ zone: String(area.zone), ...filters(), limit: String(PAGE_SIZE) });
      return { key: `zone:${query}`, page: (cursor) => getPage(query, cursor) };
    }
    if (!area.geometry) return null;
    const body = { polygon: area.geometry, ...filters(), limit: PAGE_SIZE };
    return {
      key: `polygon:${JSON.stringify(body)}`,
      page: (cursor) => api("/api/leads/query", { method: "POST", body: cursor ? { ...body, cursor } : body }),
    };
  }

  function getPage(query, cursor) {
    const q = new URLSearchParams(query);
    if (cursor) q.set("cursor", cursor);
    return api(`/api/leads?${q}`);
  }

  /** Ask the first page of the area's leads under the filters. */
  async function ask() {
    const q = question();
    updateExport();
    const mine = ++ticket;
    if (!q) {
      list.leads = [];
      list.next = null;
      list.key = "";
      delete countBox.dataset.matched;
      countBox.textContent = "Nothing drawn yet: draw a rectangle or a polygon, or pick a saved zone.";
      listBox.replaceChildren();
      modelBox.hidden = false;
      return;
    }
    countBox.textContent = "Counting the leads…";
    try {
      const answer = await q.page(null);
      if (mine !== ticket) return;
      list.leads = answer.features;
      list.next = answer.next ?? null;
      list.matched = answer.numberMatched;
      list.key = q.key;
      list.ask = q;
      addCategories(answer.features);
      render();
      revealList();
    } catch (error) {
      if (mine !== ticket) return;
      countBox.textContent = `The leads could not be listed: ${error.message}`;
      showError(error);
    }
  }

  /** The count and the list come to the top of the panel (a phone's bottom sheet is
   * short); only the panel scrolls, never the page. */
  function revealList() {
    const panel = document.getElementById("panel");
    const below = countBox.getBoundingClientRect().top - panel.getBoundingClientRect().top;
    if (below > 0 && countBox.getBoundingClientRect().bottom > panel.getBoundingClientRect().bottom - 40) {
      panel.scrollTop += below;
    }
  }

  async function more() {
    const q = list.ask;
    if (!q || !list.next) return;
    const mine = ticket;
    try {
      const answer = await q.page(list.next);
      if (mine !== ticket) return;
      list.leads = list.leads.concat(answer.features);
      list.next = answer.next ?? null;
      addCategories(answer.features);
      render();
      // the first of the new rows takes the focus (a keyboard user reads on from there)
      listBox.querySelectorAll("tbody.lead")[list.leads.length - answer.features.length]?.querySelector("button")?.focus();
    } catch (error) {
      showError(error);
    }
  }

  function render() {
    const where = area.zone !== null ? `in the zone “${zonePicker.selectedOptions[0]?.textContent}”` : "in the drawn area";
    const kept = filterWords();
    countBox.dataset.matched = String(list.matched);
    countBox.textContent = list.matched
      ? `${list.matched} leads ${where}${kept ? ` (${kept})` : ""}, best score first; ${list.leads.length} shown.`
      : `No leads ${where}${kept ? ` for these filters (${kept})` : ""}.`;
    if (!list.leads.length) {
      listBox.replaceChildren(
        el("p", { class: "empty" }, kept ? "No leads here for these filters: loosen them." : "No leads here: every business inside is a customer already, or none is mapped."),
      );
      return;
    }
    // no score: said once, above the table (instead of at the top of the panel)
    const notes = [];
    if (model && !scoresShown()) notes.push(el("p", { class: "empty no-score" }, noScoreText()));
    modelBox.hidden = notes.length > 0;
    const table = el(
      "table",
      { class: "leads", id: "lead-table" },
      el("caption", { class: "visually-hidden" }, `Leads ${where}, best score first`),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", { scope: "col" }, "Name"),
          el("th", { scope: "col" }, "Category"),
          el("th", { scope: "col" }, "Building"),
          el("th", { scope: "col", class: "num" }, "Score"),
          el("th", { scope: "col" }, "Status"),
        ),
      ),
      list.leads.map((lead, i) => leadRows(lead, i)),
    );
    const moreButton = list.next
      ? el("button", { type: "button", id: "lead-more", onclick: more }, `Show more (${list.matched - list.leads.length} left)`)
      : null;
    listBox.replaceChildren(...notes, el("div", { class: "table-scroll" }, table), moreButton);
  }

  function repName(repId) {
    if (repId === null || repId === undefined) return null;
    return reps.find((r) => r.id === repId)?.name ?? `rep ${repId}`;
  }

  /** A lead's rows: its figures, its reasons, and what can be done with it. */
  function leadRows(lead, index) {
    const p = lead.properties;
    const id = lead.id ?? p.lead_id;
    const name = p.name || `${(p.category || "business").replaceAll("_", " ")} (no name)`;
    // the three reasons of the score (none without a score: the row is left out)
    const reasons = p.reasons?.length
      ? el("tr", { class: "why" }, el("td", { colspan: "5" }, el("span", { class: "hint" }, "Why: "), el("ul", { class: "reasons" }, p.reasons.map((r) => el("li", {}, r)))))
      : null;
    const message = el("p", { class: "lead-message", role: "status" });
    const status = p.status || "new";
    const assignedTo = repName(p.assigned_rep_id);
    return el(
      "tbody",
      { class: "lead", "data-lead-id": id, "data-status": status },
      el(
        "tr",
        { class: "figures" },
        el("th", { scope: "row" }, el("span", { class: "rank" }, `${index + 1}. `), name),
        el("td", {}, (p.category || "–").replaceAll("_", " ")),
        el("td", {}, p.building_class ? valueLabel("building_class", p.building_class) : "–"),
        el("td", { class: "num score" }, scoresShown() ? scoreText(p.score) : "–"),
        el("td", { class: "status" }, statusText(status), assignedTo ? el("div", { class: "hint" }, assignedTo) : null),
      ),
      reasons,
      el("tr", { class: "actions" }, el("td", { colspan: "5" }, actions(lead, id, message), message)),
    );
  }

  /** The buttons of a lead: fly to it, assign it, set its status, put it on a route. */
  function actions(lead, id, message) {
    const p = lead.properties;
    const fly = el("button", { type: "button", class: "fly" }, "Fly to");
    fly.addEventListener("click", () => flyTo(lead));
    const parts = [fly];
    if (can("leads.assign")) {
      const mine = currentUser()?.reps ?? [];
      const offeredReps = mine.length ? reps.filter((r) => mine.includes(r.id)) : reps;
      const repSelect = el(
        "select",
        { class: "rep", "aria-label": `Rep to assign ${p.name || "the lead"} to` },
        offeredReps.map((r) => el("option", { value: String(r.id) }, r.name)),
      );
      if (p.assigned_rep_id) repSelect.value = String(p.assigned_rep_id);
      const assign = el("button", { type: "button", class: "assign" }, "Assign");
      assign.addEventListener("click", () => assignLead(lead, id, Number(repSelect.value), message));
      parts.push(el("span", { class: "group" }, repSelect, assign));
    }
    if (can("leads.status")) {
      const statusSelect = el(
        "select",
        { class: "set-status", "aria-label": `Status of ${p.name || "the lead"}` },
        STATUSES.filter((s) => s !== "assigned").map((s) => el("option", { value: s }, statusText(s))),
      );
      statusSelect.value = STATUSES.includes(p.status) && p.status !== "assigned" ? p.status : "contacted";
      const setStatus = el("button", { type: "button", class: "status-button" }, "Set status");
      setStatus.addEventListener("click", () => patchStatus(lead, id, statusSelect.value, message));
      parts.push(el("span", { class: "group" }, statusSelect, setStatus));
    }
    if (addToRoute) {
      const route = el("button", { type: "button", class: "route" }, "Add to route");
      route.addEventListener("click", () => routeLead(lead, message));
      parts.push(route);
    }
    return el("div", { class: "lead-actions" }, parts);
  }

  function say(message, text, kind = "info") {
    message.textContent = text;
    message.className = `lead-message ${kind}`;
  }

  /** Put a lead's answer (a feature or its properties) into the list and redraw its rows. */
  function replaceLead(id, changes) {
    const lead = list.leads.find((l) => (l.id ?? l.properties.lead_id) === id);
    if (!lead) return null;
    Object.assign(lead.properties, changes);
    const index = list.leads.indexOf(lead);
    const old = listBox.querySelector(`tbody.lead[data-lead-id="${CSS.escape(id)}"]`);
    const rows = leadRows(lead, index);
    old?.replaceWith(rows);
    if (map.getSource("leads")) map.refreshTiles("leads");
    return rows;
  }

  async function assignLead(lead, id, repId, message) {
    try {
      const answer = await api(`/api/leads/${encodeURIComponent(id)}/assign`, { method: "POST", body: { rep_id: repId } });
      const rows = replaceLead(id, {
        status: answer.status ?? "assigned",
        assigned_rep_id: answer.rep_id ?? repId,
        customer_id: answer.customer_id,
      });
      const out = rows?.querySelector(".lead-message") ?? message;
      say(out, `Assigned to ${repName(answer.rep_id ?? repId)}: now a prospect in their accounts.`, "done");
      rows?.querySelector("button.assign")?.focus();
    } catch (error) {
      if (error.status === 409) say(message, `Already taken: ${error.message}`, "taken");
      else say(message, error.message, "error");
    }
  }

  async function patchStatus(lead, id, status, message) {
    try {
      const answer = await api(`/api/leads/${encodeURIComponent(id)}`, { method: "PATCH", body: { status } });
      const props = answer?.properties ?? answer ?? {};
      const rows = replaceLead(id, { status: props.status ?? status });
      const out = rows?.querySelector(".lead-message") ?? message;
      say(out, `Status set to ${statusText(props.status ?? status)}.`, "done");
      rows?.querySelector("button.status-button")?.focus();
    } catch (error) {
      say(message, error.message, "error");
    }
  }

  function routeLead(lead, message) {
    const p = lead.properties;
    if (!p.customer_id || !p.assigned_rep_id) {
      say(message, "Assign the lead to a rep first: a route is a rep's day of visits.", "error");
      return;
    }
    addToRoute(p.assigned_rep_id, p.customer_id).catch(showError);
  }

  function flyTo(lead) {
    const [lon, lat] = lead.geometry.coordinates;
    map.flyTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), 17) });
    marker?.remove();
    marker = new maplibregl.Marker({ color: "#e7298a" }).setLngLat([lon, lat]).addTo(map);
  }

  // -------------------------------------------------------------- a lead on the map
  let popup = null;
  map.on("click", (event) => {
    if (state.view !== "prospecting" || drawing || !map.getLayer("leads-points")) return;
    const { x, y } = event.point;
    const [hit] = map.queryRenderedFeatures(
      [
        [x - 4, y - 4],
        [x + 4, y + 4],
      ],
      { layers: ["leads-points"] },
    );
    popup?.remove();
    if (!hit) return;
    const p = hit.properties;
    const rows = [
      ["Category", [p.category, p.subcategory].filter(Boolean).join(" · ").replaceAll("_", " ")],
      ["Building", p.building_class ? valueLabel("building_class", p.building_class) : "–"],
      ["Score", scoresShown() ? scoreText(p.score) : "–"],
      ["Status", statusText(p.status)],
    ];
    const content = el(
      "div",
      { class: "lead-popup", "data-lead-id": p.lead_id },
      el("h3", {}, p.name || "(no name)"),
      el("table", {}, rows.map(([k, v]) => el("tr", {}, el("th", { scope: "row" }, k), el("td", {}, v)))),
    );
    const row = listBox.querySelector(`tbody.lead[data-lead-id="${CSS.escape(p.lead_id)}"]`);
    if (row) {
      const show = el("button", { type: "button" }, "Show in the list");
      show.addEventListener("click", () => {
        popup?.remove();
        row.scrollIntoView({ block: "nearest" });
        row.querySelector("button")?.focus();
      });
      content.append(show);
    } else {
      content.append(el("p", { class: "hint" }, "Not in the list: draw an area around it."));
    }
    popup = new maplibregl.Popup({ maxWidth: "260px", focusAfterOpen: true })
      .setLngLat(hit.geometry.coordinates)
      .setDOMContent(content)
      .addTo(map);
  });
  // a pointer over a lead (the layer may not be there: no layer-bound listener)
  let pointing = false;
  map.on("mousemove", (event) => {
    if (state.view !== "prospecting" || drawing || !map.getLayer("leads-points")) return;
    const over = map.queryRenderedFeatures(event.point, { layers: ["leads-points"] }).length > 0;
    if (over !== pointing) map.getCanvas().style.cursor = over ? "pointer" : "";
    pointing = over;
  });

  // -------------------------------------------------------------- export
  /** A polygon with its coordinates to 6 decimals (~0.1 m): a short enough link. */
  function rounded(geometry) {
    const round = (ring) => ring.map(([x, y]) => [Number(x.toFixed(6)), Number(y.toFixed(6))]);
    return { type: geometry.type, coordinates: geometry.coordinates.map(round) };
  }

  /** The export links: the same area (a saved zone, a drawn rectangle's bounds or a drawn
   * polygon, as JSON text) and filters. */
  function updateExport() {
    const query = new URLSearchParams(filters());
    if (area.zone !== null) query.set("zone", String(area.zone));
    else if (area.geometry && area.rectangle) query.set("bbox", bounds(area.geometry).flat().map((v) => v.toFixed(6)).join(","));
    else if (area.geometry) query.set("polygon", JSON.stringify(rounded(area.geometry)));
    exportBox.hidden = !area.zone && !area.geometry;
    for (const format of ["csv", "geojson"]) {
      const link = document.getElementById(`lead-${format}`);
      link.href = `/api/leads/export?${new URLSearchParams({ format, ...Object.fromEntries(query) })}`;
      link.setAttribute("download", `leads.${format}`);
    }
  }

  // -------------------------------------------------------------- the model
  function scoresShown() {
    return Boolean(model && !model.missing && model.beats_random);
  }

  function noScoreText() {
    if (!model || model.missing) return `No scores: ${model?.missing ?? "the lookalike model could not be read"}. The leads are listed unranked.`;
    if (!model.trained_at) return "No scores yet: no lookalike model has been trained (geocrm lookalike train). The leads are listed unranked.";
    const auc = model.auc === null || model.auc === undefined ? "" : ` (AUC ${formatNumber(model.auc, 2)} on ${model.held_out} held-out customers)`;
    return `No scores: the lookalike model did not beat random${auc}, so no score is shown. The leads are listed unranked.`;
  }

  async function loadModel() {
    try {
      model = await api("/api/prospecting/model");
    } catch (error) {
      model = { missing: `the model could not be read (${error.message})` };
    }
    if (scoresShown()) {
      const lift = model.lift_top_decile;
      modelBox.textContent =
        `Score: how much a lead looks like your best customers (lookalike model; on ${model.held_out} held-out customers AUC ${formatNumber(model.auc, 2)}` +
        (lift ? `, ${formatNumber(lift, 1)}× as many of the best in the top tenth` : "") +
        ").";
      modelBox.className = "hint";
    } else {
      modelBox.textContent = noScoreText();
      modelBox.className = "empty no-score";
    }
    modelBox.title = model.message ?? "";
  }

  // -------------------------------------------------------------- the view
  window.geocrm = { ...(window.geocrm || {}), prospecting: { area, list } };
  return {
    onShow: async () => {
      shown = true;
      document.body.classList.add("prospecting");
      // the prospecting layers draw instead of the heatmap's hexagons
      hexesWereShown = Boolean(map.getSource("hexes"));
      overlays.hide("hexes");
      if (!offered.some((name) => state.layers.has(name))) {
        for (const name of offered.filter((n) => n !== "hotspots")) state.layers.add(name);
        saveState();
      }
      syncLayerBoxes();
      showArea();
      for (const name of offered) if (state.layers.has(name)) await overlays.show(name).catch(showError);
      layersChanged();
      listZones();
      await loadModel();
      if (shown && list.leads.length) render();
      else if (shown && !list.key) ask();
    },
    onHide: () => {
      shown = false;
      popup?.remove();
      document.body.classList.remove("prospecting");
      setMode(null);
      marker?.remove();
      showArea(); // (hidden with the view)
      // the prospecting layers leave with the view (kept in the link for the next visit);
      // the hexagons come back
      for (const name of offered) overlays.hide(name);
      if (hexesWereShown && state.layers.has("hexes")) overlays.show("hexes").catch(showError);
    },
    section,
  };
}

function bounds(geometry) {
  const points = geometry.type === "Polygon" ? geometry.coordinates.flat() : geometry.coordinates.flat(2);
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [
    [Math.min(...xs), Math.min(...ys)],
    [Math.max(...xs), Math.max(...ys)],
  ];
}
