// Territory plans for field-sales managers: design K balanced territories, read the balance
// table, edit a draft (move cells by clicking them or drawing a lasso around them, give a
// territory another rep, lock it; with undo), each territory labelled on the map with its
// workload, compare a plan with the current assignment (figures and the plan_changes map
// layer), publish, and start a new version of a read-only plan.

import { latLngToCell, polygonToCells } from "h3-js";
import { api, el, formatValue, showError, showMessage } from "./api.js";
import { can } from "./auth.js";
import { setDrawMode } from "./drawing.js";
import maplibregl from "./maplibre.js";
import { seriesDetails } from "./series.js";

const PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"];
// the comparison's map source and its layers' prefix (the heatmap's overlay of the same
// catalogue layer keeps its own names)
const CHANGES = "compare";

/** A territory's workload as the table and the map labels show it. */
export function workloadText(territory) {
  return formatValue("workload", territory.workload);
}

/**
 * `terraDraw`: the map's Terra Draw instance (drawing.js); its freehand mode is the lasso.
 * `reps`: [{id, name}] to pick a territory's rep from.
 */
export function initTerritories(map, terraDraw, reps) {
  const list = document.getElementById("plan-list");
  const detail = document.getElementById("plan");
  // managers and admins design, edit and publish; the others open and compare plans
  const mayEdit = can("territories.edit");
  document.getElementById("plan-design").hidden = !mayEdit;
  document.getElementById("plan-readonly").hidden = mayEdit;
  let plan = null;
  let paint = null; // the territory a click or a lasso moves cells to
  let lasso = false; // the lasso tool is on: the map draws instead of moving a clicked cell
  let shown = false; // the view is open
  let labels = []; // one HTML marker per territory
  let compare = null; // the open plan against the current assignment, while that is on
  let comparing = false;
  let compareRequest = 0; // answers to older requests are dropped
  // each entry undoes one edit: {moves: [{cells, territory_id}]}, the cells' territories
  // before it, or {territory_id, change}: the territory's fields before it
  const undo = [];

  function colour(territoryId) {
    const index = plan.territories.findIndex((t) => t.territory_id === territoryId);
    return PALETTE[index % PALETTE.length];
  }

  function repName(repId) {
    if (repId === null || repId === undefined) return "no rep";
    return reps.find((r) => r.id === repId)?.name ?? `rep ${repId}`;
  }

  /** The territories in more than one piece (an edit broke their contiguity). */
  function broken() {
    return new Set(
      plan.geojson.features.filter((f) => f.geometry.type === "MultiPolygon").map((f) => f.id),
    );
  }

  function draw() {
    const pieces = plan ? broken() : new Set();
    const data = plan
      ? {
          type: "FeatureCollection",
          features: plan.geojson.features.map((f) => ({
            ...f,
            properties: { territory_id: f.id, colour: colour(f.id), broken: pieces.has(f.id) },
          })),
        }
      : { type: "FeatureCollection", features: [] };
    if (!map.getSource("plan")) {
      map.addSource("plan", { type: "geojson", data });
      map.addLayer({
        id: "plan-fill",
        type: "fill",
        source: "plan",
        paint: { "fill-color": ["get", "colour"], "fill-opacity": 0.35 },
      });
      map.addLayer({
        id: "plan-line",
        type: "line",
        source: "plan",
        paint: {
          "line-color": ["case", ["get", "broken"], "#b30000", "#222"],
          "line-width": ["case", ["get", "broken"], 4, 2],
        },
      });
    } else {
      map.getSource("plan").setData(data);
    }
    // the boundary a plan was designed within (a drawn one or a target zone), dashed
    const area = plan?.area
      ? { type: "Feature", geometry: plan.area, properties: {} }
      : { type: "FeatureCollection", features: [] };
    if (!map.getSource("plan-area")) {
      map.addSource("plan-area", { type: "geojson", data: area });
      map.addLayer({
        id: "plan-area",
        type: "line",
        source: "plan-area",
        paint: { "line-color": "#333", "line-width": 2, "line-dasharray": [2, 2] },
      });
    } else {
      map.getSource("plan-area").setData(area);
    }
    label();
  }

  /** Each territory's name, rep and workload at its centroid, while the view is open. */
  function label() {
    for (const marker of labels) marker.remove();
    labels = [];
    if (!plan || !shown) return;
    for (const t of plan.territories) {
      if (!t.centroid) continue;
      const element = el(
        "div",
        {
          class: "territory-label",
          "data-territory-id": t.territory_id,
          style: `border-color:${colour(t.territory_id)}`,
        },
        el("strong", {}, t.name, t.locked ? " 🔒" : ""),
        el("span", { class: "rep" }, t.rep_name || "no rep"),
        el("span", {}, el("span", { class: "workload" }, workloadText(t)), ` ${plan.measure}`),
      );
      labels.push(new maplibregl.Marker({ element }).setLngLat(t.centroid).addTo(map));
    }
  }

  // ------------------------------------------------------------------ the panel

  function row(t, draft, pieces) {
    const pick = el("input", {
      type: "radio",
      name: "paint",
      value: t.territory_id,
      "aria-label": `move clicked hexagons to ${t.name}`,
      disabled: draft ? undefined : "disabled",
    });
    pick.checked = paint === t.territory_id;
    pick.addEventListener("change", () => (paint = t.territory_id));
    let rep = t.rep_name || "–";
    let lock = el("span", { class: "lock" }, t.locked ? "🔒" : "");
    if (draft) {
      rep = el(
        "select",
        { class: "rep", "aria-label": `rep of ${t.name}` },
        el("option", { value: "" }, "– no rep –"),
        reps.map((r) => el("option", { value: r.id }, r.name)),
      );
      rep.value = t.rep_id === null ? "" : String(t.rep_id);
      rep.addEventListener("change", () => change(t, { rep_id: rep.value ? Number(rep.value) : null }));
      lock = el("input", { type: "checkbox", class: "lock", "aria-label": `lock ${t.name}` });
      lock.checked = Boolean(t.locked);
      lock.addEventListener("change", () => change(t, { locked: lock.checked }));
    }
    return el(
      "tr",
      {
        "data-territory-id": t.territory_id,
        class: [pieces.has(t.territory_id) && "broken", t.locked && "locked"].filter(Boolean).join(" ") || null,
      },
      el("td", {}, pick, el("span", { class: "swatch", style: `background:${colour(t.territory_id)}` })),
      el(
        "td",
        {},
        el("span", { class: "name" }, t.name),
        pieces.has(t.territory_id) ? el("span", { class: "pieces" }, " in pieces") : null,
        el("div", {}, rep),
        seriesDetails(`/api/territory-plans/${plan.plan_id}/territories/${t.territory_id}/series`, t.name, "Trend"),
      ),
      el("td", { class: "num workload" }, workloadText(t)),
      el("td", { class: "num customers" }, String(t.customers)),
      el("td", {}, lock),
    );
  }

  /** What the last edit did: its balance and strong bonds kept, before → after. */
  function editSummary() {
    const edit = plan.edit;
    if (!edit) return null;
    let what;
    if (edit.action === "territory") {
      const name = plan.territories.find((t) => t.territory_id === edit.territory_id)?.name;
      const changes = Object.entries(edit.changes || {}).map(([field, { before, after }]) =>
        field === "rep_id"
          ? `rep ${repName(before)} → ${repName(after)}`
          : field === "locked"
            ? (after ? "locked" : "unlocked")
            : `renamed from ${before}`,
      );
      what = `${name}: ${changes.join(", ")}`;
    } else {
      what = `${edit.cells.length} cell${edit.cells.length === 1 ? "" : "s"} moved`;
    }
    const beforeAfter = (before, after) => [
      el("span", { class: "before" }, before),
      " → ",
      el("strong", { class: "after" }, after),
    ];
    return el(
      "p",
      { class: "edit" },
      `Last edit (${what}): `,
      el("span", { class: "balance-change" }, "balance ", beforeAfter(edit.balance_before?.toFixed(3) ?? "–", edit.balance_after?.toFixed(3) ?? "–")),
      edit.bonds_kept_before === undefined
        ? null
        : el("span", { class: "bonds-change" }, " · strong bonds kept ", beforeAfter(String(edit.bonds_kept_before), String(edit.bonds_kept_after))),
    );
  }

  function contiguityWarning(pieces) {
    if (!plan.edit || plan.edit.contiguous) return null;
    const names = plan.territories.filter((t) => pieces.has(t.territory_id)).map((t) => t.name);
    return el(
      "p",
      { class: "warning contiguity", role: "alert" },
      `Contiguity broken: ${names.join(", ") || "a territory"} is now in pieces (outlined in red). ` +
        "Undo, or move the hexagons that join it back.",
    );
  }

  function compareBox() {
    if (!comparing) return null;
    if (!compare) return el("p", { class: "compare hint" }, "Comparing…");
    const figure = (cls, value) => el("strong", { class: cls }, String(value));
    return el(
      "div",
      { class: "compare" },
      el(
        "p",
        {},
        "Against the current assignment: ",
        figure("changing-rep", compare.customers_changing_rep),
        ` of ${compare.customers} customers change rep, `,
        figure("changing-territory", compare.customers_changing_territory),
        " change territory; ",
        figure("bonds-broken", compare.bonds_broken),
        " of ",
        figure("strong-bonds", compare.strong_bonds),
        " strong rep–customer bonds break.",
      ),
      el("p", { class: "hint" }, "On the map: the hexagons whose customers change rep, darker where more do."),
    );
  }

  function render() {
    if (!plan) {
      detail.replaceChildren();
      return;
    }
    const draft = plan.status === "draft" && mayEdit; // the plan takes edits from this user
    const pieces = broken();
    const stats = plan.stats || {};
    const button = (text, onClick, attrs = {}) => el("button", { ...attrs, onclick: onClick }, text);
    const buttons = [];
    if (draft) {
      buttons.push(
        button("Lasso", () => setLasso(!lasso), { "aria-pressed": String(lasso) }),
        button("Undo", undoLast, { disabled: undo.length ? undefined : "disabled" }),
        button("Publish", publish),
      );
    } else if (mayEdit) {
      buttons.push(button("New version", newVersion));
    }
    if (mayEdit) {
      buttons.push(button("Redesign keeping locks", redesign, { title: "A new version designed anew: locked territories and hexagons stay" }));
    }
    buttons.push(button("Compare with current", () => setCompare(!comparing), { "aria-pressed": String(comparing) }));
    const parts = [
      el("h2", {}, `${plan.name} · v${plan.version ?? 1} · ${plan.status}`),
      plan.area ? el("p", { class: "hint plan-area" }, `Covers ${plan.area_label} only.`) : null,
      el(
        "p",
        { class: "balance" },
        `Balance (max/min ${plan.measure}): `,
        el("strong", { id: "plan-balance" }, plan.balance?.toFixed(3) ?? "–"),
        plan.contiguous ? " · every territory in one piece" : " · not contiguous",
        stats.strong_bonds === undefined
          ? null
          : [" · strong bonds kept ", el("strong", { id: "plan-bonds" }, String(stats.bonds_kept)), ` of ${stats.strong_bonds}`],
      ),
      editSummary(),
      contiguityWarning(pieces),
      el(
        "div",
        { class: "table-scroll" },
        el(
          "table",
          { class: "territories" },
          el("tr", {}, el("th", {}, ""), el("th", {}, "Territory · rep"), el("th", {}, "Workload"), el("th", {}, "Customers"), el("th", { title: "locked: keeps exactly its hexagons" }, "Lock")),
          plan.territories.map((t) => row(t, draft, pieces)),
        ),
      ),
      draft
        ? el(
            "p",
            { class: "hint" },
            lasso
              ? "Lasso: click on the map, move around the hexagons, click again (or drag): every one " +
                  "whose centre is inside moves to the picked territory."
              : "Pick a territory, then click hexagons on the map to move them to it (or focus the map, put the crosshair on one and press Enter), or draw a Lasso around several.",
          )
        : el(
            "p",
            { class: "hint" },
            mayEdit
              ? `A ${plan.status} plan is read-only: start a new version to change it.`
              : `A ${plan.status} plan: managers and administrators change plans.`,
          ),
      el("div", { class: "buttons" }, buttons),
      compareBox(),
    ];
    detail.replaceChildren(...parts.filter(Boolean));
  }

  // ------------------------------------------------------------------ plans

  async function open(planId) {
    try {
      plan = await api(`/api/territory-plans/${planId}`);
      paint = null;
      undo.length = 0;
      if (plan.status !== "draft") setLasso(false, { quiet: true });
      compare = null;
      draw();
      render();
      refreshCompare();
      const points = plan.geojson.features.flatMap((f) => f.geometry.coordinates.flat(Infinity));
      if (points.length) {
        const xs = points.filter((_, i) => i % 2 === 0);
        const ys = points.filter((_, i) => i % 2 === 1);
        map.fitBounds(
          [
            [Math.min(...xs), Math.min(...ys)],
            [Math.max(...xs), Math.max(...ys)],
          ],
          { padding: 30, animate: false },
        );
      }
    } catch (error) {
      showError(error);
    }
  }

  async function publish() {
    try {
      await api(`/api/territory-plans/${plan.plan_id}/publish`, { method: "POST" });
      await open(plan.plan_id);
      await refreshList();
    } catch (error) {
      showError(error);
    }
  }

  /** A published or archived plan is read-only: its new version is a draft copy to edit. */
  async function newVersion() {
    try {
      const copy = await api(`/api/territory-plans/${plan.plan_id}/versions`, { method: "POST" });
      await refreshList();
      await open(copy.plan_id);
    } catch (error) {
      showError(error);
    }
  }

  /** The next version of the plan designed anew (same K, measure and area): its locked
   * territories keep their cells and rep, its locked cells their territory. */
  async function redesign() {
    try {
      const next = await api("/api/territory-plans", {
        method: "POST",
        body: { k: plan.k, measure: plan.measure, based_on: plan.plan_id },
      });
      await refreshList();
      await open(next.plan_id);
    } catch (error) {
      showError(error);
    }
  }

  /** The design form's area picker: the whole city or a saved target zone. */
  async function refreshAreas() {
    const picker = document.getElementById("plan-area");
    const chosen = picker.value;
    const zones = await api("/api/zones");
    picker.replaceChildren(
      el("option", { value: "" }, "the whole city"),
      ...zones.features.map((f) => el("option", { value: f.id }, `target zone ${f.properties.name}`)),
    );
    picker.value = zones.features.some((f) => String(f.id) === chosen) ? chosen : "";
  }

  /** The plan after an edit: drawn, tabled, labelled, compared again. */
  function edited(next) {
    plan = next;
    draw();
    render();
    refreshCompare();
  }

  // ------------------------------------------------------------------ edits

  /** Move cells to a territory in one edit; `before` ([{cells, territory_id}], where they
   * were) makes it undoable. Returns whether the API took it. */
  async function move(cells, territoryId, before = null) {
    try {
      const next = await api(`/api/territory-plans/${plan.plan_id}/edits`, {
        method: "POST",
        body: { cells, territory_id: territoryId },
      });
      const back = before?.filter((group) => group.territory_id !== territoryId);
      if (back?.length) undo.push({ moves: back });
      edited(next);
      return true;
    } catch (error) {
      showError(error); // a locked territory's refusal, say
      return false;
    }
  }

  /** Give a territory another rep, lock or unlock it; undoable unless `undoing`. */
  async function change(territory, body, undoing = false) {
    try {
      const next = await api(`/api/territory-plans/${plan.plan_id}/territories/${territory.territory_id}`, {
        method: "PATCH",
        body,
      });
      const previous = Object.fromEntries(
        Object.entries(next.edit.changes || {}).map(([field, { before }]) => [field, before]),
      );
      if (!undoing && Object.keys(previous).length) {
        undo.push({ territory_id: territory.territory_id, change: previous });
      }
      edited(next);
      return true;
    } catch (error) {
      showError(error);
      render(); // the select or the toggle back to what the plan says
      return false;
    }
  }

  /** Undo the last edit: a territory's fields back, or its cells back (one request per
   * territory they came from; the balance shown runs from before the first to after the last). */
  async function undoLast() {
    const last = undo.pop();
    if (!last) return;
    if (last.change) {
      await change({ territory_id: last.territory_id }, last.change, true);
      return;
    }
    let first = null;
    for (const [i, group] of last.moves.entries()) {
      if (!(await move(group.cells, group.territory_id))) {
        undo.push({ moves: last.moves.slice(i) }); // what is left to undo, for another try
        render();
        return;
      }
      first ??= plan.edit.balance_before;
    }
    plan.edit = { ...plan.edit, balance_before: first, cells: last.moves.flatMap((g) => g.cells) };
    render();
  }

  /** Where cells are now, grouped by territory: what an undo moves them back to. */
  function whereNow(cells) {
    const wanted = new Set(cells);
    return plan.territories
      .map((t) => ({ cells: t.h3_cells.filter((c) => wanted.has(c)), territory_id: t.territory_id }))
      .filter((group) => group.cells.length);
  }

  map.on("click", (event) => {
    if (!plan || plan.status !== "draft" || !mayEdit || paint === null || lasso || !shown) return;
    const [hit] = map.queryRenderedFeatures(event.point, { layers: ["plan-fill"] });
    if (!hit) return; // outside the plan's area
    const cell = latLngToCell(event.lngLat.lat, event.lngLat.lng, plan.res);
    move([cell], paint, whereNow([cell]));
  });

  function setLasso(on, { quiet = false } = {}) {
    lasso = on;
    if (on || terraDraw.enabled) setDrawMode(terraDraw, on ? "freehand" : "static");
    if (!quiet) render();
  }

  // a lasso closed: the plan's cells whose centre is inside it move to the picked territory
  terraDraw.on("finish", (id, context) => {
    if (context.mode !== "freehand" || !lasso || !plan) return;
    const shape = terraDraw.getSnapshotFeature(id);
    terraDraw.removeFeatures([id]);
    if (paint === null) {
      showMessage("Pick the territory to move the hexagons to, then draw the lasso.");
      return;
    }
    const inside = new Set(polygonToCells(shape.geometry.coordinates, plan.res, true));
    const cells = plan.territories
      .filter((t) => t.territory_id !== paint)
      .flatMap((t) => t.h3_cells.filter((c) => inside.has(c)));
    if (!cells.length) {
      showMessage("The lasso holds no cell of another territory: nothing to move.");
      return;
    }
    move(cells, paint, whereNow(cells));
  });

  // ------------------------------------------------------------------ comparison

  function setCompare(on) {
    comparing = on;
    compare = null;
    render();
    refreshCompare();
  }

  /** The comparison's figures and map layer for the open plan, fetched again (after an
   * edit, another plan opened); removed when the comparison is off or the view hidden. */
  async function refreshCompare() {
    const request = ++compareRequest;
    removeChanges();
    if (!comparing || !plan) return;
    try {
      const url = `/tiles/plan_changes.json?plan_id=${plan.plan_id}`;
      const [figures, tilejson] = await Promise.all([
        api(`/api/territory-plans/${plan.plan_id}/compare`),
        api(url),
      ]);
      if (request !== compareRequest) return; // a newer comparison is on the way
      compare = figures;
      render();
      if (shown) addChanges(url, tilejson);
    } catch (error) {
      showError(error);
    }
  }

  function addChanges(url, tilejson) {
    map.addSource(CHANGES, { type: "vector", url });
    for (const style of tilejson.geocrm.style) {
      map.addLayer(
        { ...style, id: `${CHANGES}-${style.id}`, source: CHANGES, minzoom: tilejson.minzoom },
        "plan-line",
      );
    }
  }

  function removeChanges() {
    if (!map.getSource(CHANGES)) return;
    for (const layer of map.getStyle().layers) {
      if (layer.source === CHANGES) map.removeLayer(layer.id);
    }
    map.removeSource(CHANGES);
  }

  // ------------------------------------------------------------------ the list and design

  async function refreshList() {
    const plans = await api("/api/territory-plans");
    list.replaceChildren(
      ...(plans.length
        ? plans.map((p) =>
            el(
              "li",
              { "data-plan-id": p.plan_id },
              el("button", { onclick: () => open(p.plan_id) }, p.name),
              el(
                "span",
                { class: "hint" },
                `v${p.version ?? 1} · ${p.status}${p.active ? " (active)" : ""} · balance ${p.balance?.toFixed(3) ?? "–"}`,
              ),
            ),
          )
        : [el("li", { class: "empty" }, "No plans yet: design one.")]),
    );
  }

  document.getElementById("plan-design").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      const designed = await api("/api/territory-plans", {
        method: "POST",
        body: {
          k: Number(form.get("k")),
          measure: form.get("measure"),
          res: Number(form.get("res")),
          name: form.get("name") || undefined,
          zone: form.get("zone") ? Number(form.get("zone")) : undefined,
        },
      });
      await refreshList();
      await open(designed.plan_id);
    } catch (error) {
      showError(error);
    }
  });

  // the plan is drawn instead of the heatmap's hexagons while this view is open
  const visible = (on) => {
    for (const layer of map.getStyle().layers) {
      if (["plan-fill", "plan-line", "plan-area"].includes(layer.id)) {
        map.setLayoutProperty(layer.id, "visibility", on ? "visible" : "none");
      } else if (layer.source === "hexes") {
        map.setLayoutProperty(layer.id, "visibility", on ? "none" : "visible");
      }
    }
  };
  window.geocrm = { ...(window.geocrm || {}), territories: { open, get plan() { return plan; } } };
  return {
    onShow: () => {
      shown = true;
      visible(true);
      label();
      refreshCompare();
      refreshList().catch(showError);
      if (mayEdit) refreshAreas().catch(showError);
    },
    onHide: () => {
      shown = false;
      visible(false);
      label();
      removeChanges();
      if (lasso) setLasso(false);
    },
  };
}
