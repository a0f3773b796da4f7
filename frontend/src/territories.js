// Territory plans for field-sales managers: design K balanced territories, read the balance
// table, move cells between territories of a draft by clicking them or drawing a lasso
// around them (with undo), each territory labelled on the map with its workload, publish.

import { latLngToCell, polygonToCells } from "h3-js";
import { api, el, formatValue, showError, showMessage } from "./api.js";
import { setDrawMode } from "./drawing.js";
import maplibregl from "./maplibre.js";

const PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"];

/** A territory's workload as the table and the map labels show it. */
export function workloadText(territory) {
  return formatValue("workload", territory.workload);
}

/** `terraDraw`: the map's Terra Draw instance (drawing.js); its freehand mode is the lasso. */
export function initTerritories(map, terraDraw) {
  const list = document.getElementById("plan-list");
  const detail = document.getElementById("plan");
  let plan = null;
  let paint = null; // the territory a click or a lasso moves cells to
  let lasso = false; // the lasso tool is on: the map draws instead of moving a clicked cell
  let shown = false; // the view is open
  let labels = []; // one HTML marker per territory
  // each entry undoes one edit: [{cells, territory_id}], the cells' territories before it
  const undo = [];

  function colour(territoryId) {
    const index = plan.territories.findIndex((t) => t.territory_id === territoryId);
    return PALETTE[index % PALETTE.length];
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
        el("strong", {}, t.name),
        el("span", { class: "rep" }, t.rep_name || "no rep"),
        el("span", {}, el("span", { class: "workload" }, workloadText(t)), ` ${plan.measure}`),
      );
      labels.push(new maplibregl.Marker({ element }).setLngLat(t.centroid).addTo(map));
    }
  }

  function render() {
    if (!plan) {
      detail.replaceChildren();
      return;
    }
    const draft = plan.status === "draft";
    const pieces = broken();
    const rows = plan.territories.map((t) => {
      const pick = el("input", {
        type: "radio",
        name: "paint",
        value: t.territory_id,
        "aria-label": `move clicked cells to ${t.name}`,
        disabled: draft ? undefined : "disabled",
      });
      pick.checked = paint === t.territory_id;
      pick.addEventListener("change", () => (paint = t.territory_id));
      return el(
        "tr",
        { "data-territory-id": t.territory_id, class: pieces.has(t.territory_id) ? "broken" : null },
        el("td", {}, pick, el("span", { class: "swatch", style: `background:${colour(t.territory_id)}` })),
        el("td", {}, t.name, pieces.has(t.territory_id) ? el("span", { class: "pieces" }, " in pieces") : null),
        el("td", {}, t.rep_name || "–"),
        el("td", { class: "num workload" }, workloadText(t)),
        el("td", { class: "num" }, String(t.customers)),
      );
    });
    const edit = plan.edit
      ? el(
          "p",
          { class: "edit" },
          `Last edit (${plan.edit.cells.length} cell${plan.edit.cells.length === 1 ? "" : "s"}): balance `,
          el("span", { class: "before" }, plan.edit.balance_before?.toFixed(3) ?? "–"),
          " → ",
          el("strong", { class: "after" }, plan.edit.balance_after?.toFixed(3) ?? "–"),
        )
      : null;
    const contiguity =
      plan.edit && !plan.edit.contiguous
        ? el(
            "p",
            { class: "warning contiguity", role: "alert" },
            "Contiguity broken: ",
            plan.territories
              .filter((t) => pieces.has(t.territory_id))
              .map((t) => t.name)
              .join(", ") || "a territory",
            " is now in pieces (outlined in red). Undo, or move the cells that join it back.",
          )
        : null;
    const publish = el("button", {}, "Publish");
    publish.addEventListener("click", async () => {
      try {
        await api(`/api/territory-plans/${plan.plan_id}/publish`, { method: "POST" });
        await open(plan.plan_id);
        await refreshList();
      } catch (error) {
        showError(error);
      }
    });
    const undoButton = el("button", { disabled: undo.length ? undefined : "disabled" }, "Undo");
    undoButton.addEventListener("click", undoLast);
    const lassoButton = el("button", { "aria-pressed": String(lasso) }, "Lasso");
    lassoButton.addEventListener("click", () => setLasso(!lasso));
    detail.replaceChildren(
      el("h2", {}, `${plan.name} · ${plan.status}`),
      el(
        "p",
        { class: "balance" },
        `Balance (max/min ${plan.measure}): `,
        el("strong", { id: "plan-balance" }, plan.balance?.toFixed(3) ?? "–"),
        plan.contiguous ? " · every territory in one piece" : " · not contiguous",
      ),
      edit,
      contiguity,
      el(
        "table",
        {},
        el("tr", {}, el("th", {}, ""), el("th", {}, "Territory"), el("th", {}, "Rep"), el("th", {}, "Workload"), el("th", {}, "Customers")),
        rows,
      ),
      draft
        ? el(
            "p",
            { class: "hint" },
            lasso
              ? "Lasso: click on the map, move around the cells, click again (or drag): every cell " +
                  "whose centre is inside moves to the picked territory."
              : "Pick a territory, then click cells on the map to move them to it, or draw a Lasso around several.",
          )
        : null,
      draft ? el("div", { class: "buttons" }, lassoButton, undoButton, publish) : null,
    );
  }

  async function open(planId) {
    try {
      plan = await api(`/api/territory-plans/${planId}`);
      paint = null;
      undo.length = 0;
      if (plan.status !== "draft") setLasso(false, { quiet: true });
      draw();
      render();
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

  /** Move cells to a territory in one edit; `before` ([{cells, territory_id}], where they
   * were) makes it undoable. Returns whether the API took it. */
  async function move(cells, territoryId, before = null) {
    try {
      const edited = await api(`/api/territory-plans/${plan.plan_id}/edits`, {
        method: "POST",
        body: { cells, territory_id: territoryId },
      });
      const back = before?.filter((group) => group.territory_id !== territoryId);
      if (back?.length) undo.push(back);
      plan = edited;
      draw();
      render();
      return true;
    } catch (error) {
      showError(error);
      return false;
    }
  }

  /** Undo the last edit: one request per territory its cells came from; the balance shown
   * runs from before the first to after the last. */
  async function undoLast() {
    const groups = undo.pop();
    if (!groups) return;
    let first = null;
    for (const [i, group] of groups.entries()) {
      if (!(await move(group.cells, group.territory_id))) {
        undo.push(groups.slice(i)); // what is left to undo, for another try
        render();
        return;
      }
      first ??= plan.edit.balance_before;
    }
    plan.edit = { ...plan.edit, balance_before: first };
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
    if (!plan || plan.status !== "draft" || paint === null || lasso) return;
    if (document.querySelector("nav [aria-selected='true']")?.dataset.view !== "territories") return;
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
      showMessage("Pick the territory to move the cells to, then draw the lasso.");
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

  async function refreshList() {
    const plans = await api("/api/territory-plans");
    list.replaceChildren(
      ...(plans.length
        ? plans.map((p) =>
            el(
              "li",
              { "data-plan-id": p.plan_id },
              el("button", { onclick: () => open(p.plan_id) }, p.name),
              el("span", { class: "hint" }, `${p.status}${p.active ? " (active)" : ""} · balance ${p.balance?.toFixed(3) ?? "–"}`),
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
      if (["plan-fill", "plan-line"].includes(layer.id)) {
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
      refreshList().catch(showError);
    },
    onHide: () => {
      shown = false;
      visible(false);
      label();
      if (lasso) setLasso(false);
    },
  };
}
