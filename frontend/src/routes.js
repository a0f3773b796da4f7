// Visit routes for reps: the due customers of a rep for a day, ordered into a route on the
// street network from the rep's base and back (POST /api/routes), drawn on the map with
// its stops, listed with arrival times, and exportable as CSV. `addStop` puts one more
// customer (a lead just assigned, prospecting.js) on a rep's route of the day.

import { api, apiFetch, el, errorOf, showError } from "./api.js";
import { can, currentUser } from "./auth.js";

const EMPTY = { type: "FeatureCollection", features: [] };

/** The route planner of the Accounts view; returns `{plan(body), addStop(repId, customerId)}`
 * (null for a role that plans no route). */
export function initRoutes(map, reps) {
  // routes are for reps, their managers and admins; a rep or a manager picks among their reps
  document.getElementById("route-section").hidden = !can("routes.plan");
  if (!can("routes.plan")) return null;
  const form = document.getElementById("route-form");
  const select = form.querySelector("select[name=rep_id]");
  const own = currentUser().reps;
  const mine = own.length ? reps.filter((r) => own.includes(r.id)) : reps;
  for (const rep of mine) select.append(el("option", { value: rep.id }, rep.name));
  const out = document.getElementById("route");

  function ensureLayers() {
    if (map.getSource("route")) return;
    map.addSource("route", { type: "geojson", data: EMPTY });
    map.addLayer({
      id: "route-line",
      type: "line",
      source: "route",
      filter: ["==", ["get", "kind"], "route"],
      paint: { "line-color": "#e7298a", "line-width": 4, "line-opacity": 0.85 },
    });
    map.addLayer({
      id: "route-stops",
      type: "circle",
      source: "route",
      filter: ["in", ["get", "kind"], ["literal", ["stop", "base"]]],
      paint: {
        "circle-radius": ["match", ["get", "kind"], "base", 8, 9],
        "circle-color": ["match", ["get", "kind"], "base", "#253494", "#ffffff"],
        "circle-stroke-color": "#e7298a",
        "circle-stroke-width": 3,
      },
    });
    // each stop's number in its circle, in the order of the visits
    map.addLayer({
      id: "route-stop-numbers",
      type: "symbol",
      source: "route",
      filter: ["==", ["get", "kind"], "stop"],
      layout: {
        "text-field": ["to-string", ["get", "order"]],
        "text-font": ["Noto Sans Bold"],
        "text-size": 11,
        "text-allow-overlap": true,
        "text-ignore-placement": true,
      },
      paint: { "text-color": "#222222" },
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    plan(formBody()).catch(showError);
  });

  function formBody() {
    const data = new FormData(form);
    const body = { rep_id: Number(data.get("rep_id")), mode: data.get("mode") };
    if (data.get("date")) body.date = data.get("date");
    return body;
  }

  /** A rep's day with one more customer: the rep's due customers and this one (first
   * when the day is full), planned on the form's day and mode. */
  async function addStop(repId, customerId) {
    if ([...select.options].some((o) => Number(o.value) === repId)) select.value = String(repId);
    const body = { ...formBody(), rep_id: repId };
    const due = await api("/api/routes", { method: "POST", body });
    const ids = due.features
      .filter((f) => f.properties.kind === "stop")
      .map((f) => f.properties.customer_id)
      .filter((id) => id !== customerId);
    const route = await plan({ ...body, customer_ids: [customerId, ...ids].slice(0, 40) });
    const stop = route.features.find((f) => f.properties.kind === "stop" && f.properties.customer_id === customerId);
    out.querySelector(`tr[data-customer-id="${customerId}"]`)?.classList.add("new-stop");
    out.prepend(
      el(
        "p",
        { class: "route-added" },
        stop
          ? `The new prospect, ${stop.properties.name}, is visit ${stop.properties.order} of this route.`
          : "The new prospect does not fit this day's route.",
      ),
    );
    return route;
  }

  async function plan(body) {
    const route = await api("/api/routes", { method: "POST", body });
    ensureLayers();
    map.getSource("route").setData(route);
    const stops = route.features.filter((f) => f.properties.kind === "stop");
    const line = route.features.find((f) => f.properties.kind === "route");
    if (line) {
      const points = line.geometry.coordinates.flat(Infinity);
      const xs = points.filter((_, i) => i % 2 === 0);
      const ys = points.filter((_, i) => i % 2 === 1);
      map.fitBounds(
        [
          [Math.min(...xs), Math.min(...ys)],
          [Math.max(...xs), Math.max(...ys)],
        ],
        { padding: 40 },
      );
    }
    const t = route.totals;
    const csv = `/api/routes?format=csv`;
    out.replaceChildren(
      el(
        "p",
        { class: "route-totals" },
        `${t.stops} visits · ${Math.round(t.travel_minutes)} min driving/walking · ${t.km} km · back at ${t.end.slice(11)}`,
      ),
      el(
        "p",
        { class: "hint" },
        `Nearest-neighbour tour: ${Math.round(route.baseline.travel_minutes)} min travel.` +
          (route.unscheduled.length ? ` ${route.unscheduled.length} due visits do not fit the day.` : ""),
      ),
      el(
        "table",
        { class: "stops" },
        stops.map((s) =>
          el(
            "tr",
            { "data-customer-id": s.properties.customer_id },
            el("td", {}, String(s.properties.order)),
            el("td", {}, s.properties.arrival.slice(11)),
            el("td", {}, s.properties.name),
          ),
        ),
      ),
      exportButton(csv, body),
    );
    return route;
  }
  return { plan, addStop };
}

function exportButton(url, body) {
  const button = el("button", {}, "Export CSV");
  button.addEventListener("click", async () => {
    try {
      const response = await apiFetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw await errorOf(response);
      const link = el("a", { href: URL.createObjectURL(await response.blob()), download: "route.csv" });
      link.click();
    } catch (error) {
      showError(error);
    }
  });
  return button;
}
