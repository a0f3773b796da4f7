// Territory plans for field-sales managers: design K balanced territories, read the balance
// table, move cells between territories of a draft by clicking them (with undo), publish.

import { latLngToCell } from "h3-js";
import { api, el, formatValue, showError } from "./api.js";

const PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"];

export function initTerritories(map) {
  const list = document.getElementById("plan-list");
  const detail = document.getElementById("plan");
  let plan = null;
  let paint = null; // the territory a click moves cells to
  const undo = []; // [{cell, territory_id}] to move back

  function colour(territoryId) {
    const index = plan.territories.findIndex((t) => t.territory_id === territoryId);
    return PALETTE[index % PALETTE.length];
  }

  function draw() {
    const data = plan
      ? {
          type: "FeatureCollection",
          features: plan.geojson.features.map((f) => ({
            ...f,
            properties: { territory_id: f.id, colour: colour(f.id) },
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
        paint: { "line-color": "#222", "line-width": 2 },
      });
    } else {
      map.getSource("plan").setData(data);
    }
  }

  function render() {
    if (!plan) {
      detail.replaceChildren();
      return;
    }
    const draft = plan.status === "draft";
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
        { "data-territory-id": t.territory_id },
        el("td", {}, pick, el("span", { class: "swatch", style: `background:${colour(t.territory_id)}` })),
        el("td", {}, t.name),
        el("td", {}, t.rep_name || "–"),
        el("td", { class: "num workload" }, formatValue("workload", t.workload)),
        el("td", { class: "num" }, String(t.customers)),
      );
    });
    const edit = plan.edit
      ? el(
          "p",
          { class: "hint edit" },
          `Last edit: balance ${plan.edit.balance_before?.toFixed(3)} → ${plan.edit.balance_after?.toFixed(3)}` +
            (plan.edit.contiguous ? "" : " (a territory is now in pieces)"),
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
    undoButton.addEventListener("click", async () => {
      const last = undo.pop();
      if (last) await move(last.cell, last.territory_id);
    });
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
      el(
        "table",
        {},
        el("tr", {}, el("th", {}, ""), el("th", {}, "Territory"), el("th", {}, "Rep"), el("th", {}, "Workload"), el("th", {}, "Customers")),
        rows,
      ),
      draft
        ? el("p", { class: "hint" }, "Pick a territory, then click cells on the map to move them to it.")
        : null,
      draft ? el("div", { class: "buttons" }, undoButton, publish) : null,
    );
  }

  async function open(planId) {
    try {
      plan = await api(`/api/territory-plans/${planId}`);
      paint = null;
      undo.length = 0;
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

  /** Move a cell to a territory; `from` (its territory before) makes it undoable. */
  async function move(cell, territoryId, from = null) {
    try {
      const edited = await api(`/api/territory-plans/${plan.plan_id}/edits`, {
        method: "POST",
        body: { cells: [cell], territory_id: territoryId },
      });
      if (from !== null && from !== territoryId) undo.push({ cell, territory_id: from });
      plan = edited;
      draw();
      render();
    } catch (error) {
      showError(error);
    }
  }

  map.on("click", (event) => {
    if (!plan || plan.status !== "draft" || paint === null) return;
    if (document.querySelector("nav [aria-selected='true']")?.dataset.view !== "territories") return;
    const [hit] = map.queryRenderedFeatures(event.point, { layers: ["plan-fill"] });
    if (!hit) return; // outside the plan's area
    const cell = latLngToCell(event.lngLat.lat, event.lngLat.lng, plan.res);
    move(cell, paint, hit.properties.territory_id);
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
      visible(true);
      refreshList().catch(showError);
    },
    onHide: () => visible(false),
  };
}
