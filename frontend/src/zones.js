// Target zones for marketers: draw a polygon, rectangle or circle (Terra Draw), or pick an
// isochrone around a point; a live count of the customers and prospects inside under the
// current filters (computed in PostGIS); save, list, rename, delete, export the audience.

import { api, debounce, el, formatValue, showError } from "./api.js";
import { followArea, hideAudience, showAreaAudience, showZoneAudience } from "./audience.js";
import { can } from "./auth.js";
import { setDrawMode, ZONE_MODES } from "./drawing.js";
import { onFiltersChange, placeFilters, setFilters } from "./filters.js";
import { seriesDetails } from "./series.js";
import { saveState, state } from "./state.js";
import { label, valueLabel, zoneFilterNames } from "./vocabulary.js";

/** `draw`: the map's Terra Draw instance (drawing.js), shared with the territory lasso. */
export function initZones(map, draw) {
  // the zone being drawn; `counted` is the geometry the count on screen is for
  const zone = { geometry: null, kind: null, source: {}, counted: null };
  const countBox = document.getElementById("zone-count");
  const buttons = document.getElementById("draw-modes");
  const isoOptions = document.getElementById("isochrone-options");
  const listButton = document.getElementById("zone-audience");
  listButton.addEventListener("click", () => zone.geometry && showAreaAudience(zone.geometry, filters()));
  let mode = null;
  let counting;
  // anyone counts a drawn zone; saving, renaming and deleting is for marketers and admins
  document.getElementById("zone-save").hidden = !can("zones.save");
  document.getElementById("zone-readonly").hidden = can("zones.save");

  function filters() {
    return Object.fromEntries(
      zoneFilterNames()
        .filter((f) => state.filters[f])
        .map((f) => [f, state.filters[f]]),
    );
  }

  async function count() {
    listButton.hidden = !zone.geometry;
    if (!zone.geometry) {
      followArea(null);
      countBox.textContent = "Nothing drawn yet.";
      return;
    }
    counting?.abort();
    counting = new AbortController();
    const geometry = zone.geometry;
    try {
      const n = await api("/api/zones/count", {
        method: "POST",
        body: { geometry, filters: filters() },
        signal: counting.signal,
      });
      if (zone.geometry !== geometry) return; // drawn on since: a newer count follows
      zone.counted = geometry;
      countBox.textContent = `${n.customers} customers · ${n.prospects} prospects inside (${n.total} in all, revenue ${formatValue("revenue", n.revenue)})`;
      countBox.dataset.total = n.total;
      followArea(geometry, filters());
    } catch (error) {
      showError(error);
    }
  }
  const liveCount = debounce(count, 150);

  function setMode(next) {
    mode = next;
    for (const b of buttons.querySelectorAll("button")) {
      b.setAttribute("aria-pressed", String(b.dataset.mode === next));
    }
    isoOptions.hidden = next !== "isochrone";
    if (ZONE_MODES.includes(next)) {
      clearDrawing();
      setDrawMode(draw, next);
    } else {
      setDrawMode(draw, next === "select" ? "select" : "static");
    }
  }

  function clearDrawing() {
    if (draw.enabled) draw.clear();
    if (map.getSource("isochrone")) map.getSource("isochrone").setData(emptyCollection());
    zone.geometry = null;
    zone.kind = null;
    zone.source = {};
    zone.counted = null;
    delete countBox.dataset.total;
    count();
  }

  buttons.addEventListener("click", (event) => {
    const next = event.target.dataset?.mode;
    if (!next) return;
    if (next === "clear") {
      clearDrawing();
      setMode(null);
    } else {
      setMode(next);
    }
  });

  // the drawn feature follows every change, while drawing and while editing (a lasso of the
  // territory view is not a zone)
  const follow = () => {
    if (state.view !== "zones") return;
    const features = draw
      .getSnapshot()
      .filter((f) => f.geometry.type === "Polygon" && ZONE_MODES.includes(f.properties.mode));
    const feature = features[features.length - 1];
    // a shape still collapsed to a point or a line (the first moves of a drawing) has no inside
    if (!feature || Math.abs(ringArea(feature.geometry.coordinates[0])) < 1e-12) return;
    zone.geometry = feature.geometry;
    zone.kind = feature.properties.mode;
    zone.source = zone.kind === "circle" ? circleSource(feature.geometry) : {};
    liveCount();
  };
  draw.on("change", follow);
  draw.on("finish", () => {
    if (state.view !== "zones") return;
    follow();
    count();
  });

  // isochrone around a clicked point
  map.on("click", async (event) => {
    if (state.view !== "zones" || mode !== "isochrone") return;
    const { lng, lat } = event.lngLat;
    const q = new URLSearchParams({
      lon: lng.toFixed(6),
      lat: lat.toFixed(6),
      mode: document.getElementById("iso-mode").value,
      minutes: document.getElementById("iso-minutes").value,
    });
    try {
      const feature = await api(`/api/isochrone?${q}`);
      if (draw.enabled) draw.clear();
      ensureLayer(map, "isochrone", "#7570b3");
      map.getSource("isochrone").setData(feature);
      zone.geometry = feature.geometry;
      zone.kind = "isochrone";
      zone.source = {
        center: [Number(q.get("lon")), Number(q.get("lat"))],
        mode: q.get("mode"),
        minutes: Number(q.get("minutes")),
      };
      count();
    } catch (error) {
      showError(error);
    }
  });

  // save and the list of saved zones
  document.getElementById("zone-save").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = document.getElementById("zone-name");
    if (!zone.geometry) {
      showError(new Error("Draw a zone first."));
      return;
    }
    try {
      await api("/api/zones", {
        method: "POST",
        body: {
          name: name.value,
          kind: zone.kind,
          geometry: zone.geometry,
          filters: filters(),
          source: zone.source,
        },
      });
      name.value = "";
      clearDrawing();
      setMode(null);
      await listZones(map);
    } catch (error) {
      showError(error);
    }
  });

  // the same filter controls as the heatmap's, here too: a change recounts the zone
  onFiltersChange(() => {
    if (state.view === "zones") count();
  });

  window.geocrm = { ...(window.geocrm || {}), draw, zone };
  return {
    onShow: () => {
      placeFilters(document.getElementById("zone-filters"));
      listZones(map);
      count(); // the filters may have changed in the heatmap view
    },
    onHide: () => {
      setMode(null);
      hideAudience();
    },
    refresh: count,
  };
}

export async function listZones(map) {
  const list = document.getElementById("zone-list");
  let zones;
  try {
    zones = await api("/api/zones");
  } catch (error) {
    showError(error);
    return;
  }
  ensureLayer(map, "saved-zones", "#e7298a");
  map.getSource("saved-zones").setData(zones);
  if (!zones.features.length) {
    const empty = can("zones.save") ? "No saved zones yet: draw one." : "No saved zones yet.";
    list.replaceChildren(el("li", { class: "empty" }, empty));
    return;
  }
  list.replaceChildren(
    ...zones.features.map((feature) => {
      const p = feature.properties;
      const name = el("span", { class: "name" }, p.name);
      const saved = savedFilters(p.filters);
      const filtersLine = el("span", { class: "zone-filters hint" }, `Filters: ${saved || "none (every customer)"}`);
      const show = el("button", { "aria-expanded": "false" }, "Show");
      const opened = el("div", { class: "zone-open", hidden: true });
      show.addEventListener("click", () => {
        map.fitBounds(bounds(feature.geometry), { padding: 40 });
        openZone(opened, p, saved);
        show.setAttribute("aria-expanded", "true");
      });
      const inside = el("span", { class: "hint" }, `${p.total} inside`);
      // the export is the zone's audience under its saved filters, the ones shown above
      const csv = el(
        "a",
        { href: `/api/zones/${p.zone_id}/audience.csv`, download: "", title: `Filters: ${saved || "none"}` },
        "Export CSV",
      );
      const trend = seriesDetails(`/api/zones/${p.zone_id}/series?measure=total`, p.name); // series.js
      const table = el("button", { class: "audience-table" }, "Table");
      table.addEventListener("click", () => showZoneAudience(p));
      if (!can("zones.save")) {
        return el("li", { "data-zone-id": p.zone_id }, name, inside, show, table, csv, filtersLine, opened, trend);
      }
      const rename = el("button", {}, "Rename");
      rename.addEventListener("click", () => {
        const input = el("input", { value: p.name, "aria-label": "New name", maxlength: "200" });
        const ok = el("button", {}, "OK");
        ok.addEventListener("click", async () => {
          try {
            await api(`/api/zones/${p.zone_id}`, { method: "PUT", body: { name: input.value } });
            await listZones(map);
          } catch (error) {
            showError(error);
          }
        });
        name.replaceChildren(input, ok);
      });
      const remove = el("button", {}, "Delete");
      remove.addEventListener("click", async () => {
        if (remove.dataset.armed !== "yes") {
          remove.dataset.armed = "yes";
          remove.textContent = "Confirm delete";
          return;
        }
        try {
          await api(`/api/zones/${p.zone_id}`, { method: "DELETE" });
          await listZones(map);
        } catch (error) {
          showError(error);
        }
      });
      return el(
        "li",
        { "data-zone-id": p.zone_id },
        name, inside, show, table, rename, csv, remove, filtersLine, opened, trend,
      );
    }),
  );
}

/** A saved zone's filters as words ("Stage: client, partner · Rep: Anna"), "" if none. */
function savedFilters(filters) {
  return Object.entries(filters || {})
    .filter(([, values]) => values?.length)
    .map(([name, values]) => `${label(name)}: ${values.map((v) => valueLabel(name, v)).join(", ")}`)
    .join(" · ");
}

/** A saved zone opened: its audience and the filters it was saved with, which the user can
 * take as the current filters (the count and the map follow). */
function openZone(box, p, saved) {
  const use = el("button", { type: "button" }, "Use these filters");
  use.addEventListener("click", () => {
    const month = state.filters.month; // a zone takes no month: the map keeps its own
    const next = Object.fromEntries(Object.entries(p.filters || {}).map(([k, v]) => [k, v.join(",")]));
    setFilters(month ? { ...next, month } : next);
    saveState();
  });
  box.replaceChildren(
    el(
      "p",
      {},
      el("strong", {}, p.name),
      `: ${p.customers} customers · ${p.prospects} prospects (${p.total} in all, revenue ${formatValue("revenue", p.revenue)})`,
    ),
    el("p", {}, `Saved with the filters: ${saved || "none (every customer)"}`),
    ...(saved ? [use] : []),
  );
  box.hidden = false;
}

function emptyCollection() {
  return { type: "FeatureCollection", features: [] };
}

function ensureLayer(map, id, colour) {
  if (map.getSource(id)) return;
  map.addSource(id, { type: "geojson", data: emptyCollection() });
  map.addLayer({ id: `${id}-fill`, type: "fill", source: id, paint: { "fill-color": colour, "fill-opacity": 0.12 } });
  map.addLayer({ id: `${id}-line`, type: "line", source: id, paint: { "line-color": colour, "line-width": 2 } });
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

/** Planar area of a ring in square degrees (the shoelace formula); 0 when degenerate. */
function ringArea(ring) {
  let twice = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    twice += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  }
  return ring.length < 4 ? 0 : twice / 2;
}

/** Centre and radius (metres) of a circle drawn as a polygon. */
function circleSource(geometry) {
  const ring = geometry.coordinates[0].slice(0, -1);
  const lon = ring.reduce((s, p) => s + p[0], 0) / ring.length;
  const lat = ring.reduce((s, p) => s + p[1], 0) / ring.length;
  const [x, y] = ring[0];
  const metres =
    6371008.8 *
    Math.hypot(((x - lon) * Math.PI * Math.cos((lat * Math.PI) / 180)) / 180, ((y - lat) * Math.PI) / 180);
  return { center: [lon, lat], radius_m: Math.round(metres) };
}
