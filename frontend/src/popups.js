// Customer popups on the map's dots: a click on a customer dot (customers layer,
// `customer-points`) opens a popup with the name, stage, segment, revenue, address and an
// "Open account" button; a click on a cluster (customer counts per hexagon, below zoom 15)
// zooms in. The popup's buttons take the focus; Escape closes it.

import maplibregl from "./maplibre.js";
import { api, el, formatValue } from "./api.js";
import { can } from "./auth.js";
import { state } from "./state.js";

const POINTS = "customer-points";
const CLUSTERS = "customer-clusters";
/** The zoom from which the customers layer draws one dot per customer. */
const POINTS_FROM = 15;

/** The customer dot or cluster under a point of the map, if any (heatmap.js leaves such a
 * click to this module instead of opening the hexagon under it). */
export function customerAt(map, point) {
  const layers = [POINTS, CLUSTERS].filter((id) => map.getLayer(id));
  if (!layers.length) return null;
  // a few pixels around the click: the dots are small
  const box = [
    [point.x - 3, point.y - 3],
    [point.x + 3, point.y + 3],
  ];
  return map.queryRenderedFeatures(box, { layers })[0] ?? null;
}

function row(label, value) {
  return el("tr", {}, el("th", { scope: "row" }, label), el("td", {}, value ?? "–"));
}

/** Wire the popups; `openAccount({customer_id, lon, lat})` shows the customer's card. */
export function initPopups(map, { openAccount }) {
  let popup = null;

  function close() {
    popup?.remove();
    popup = null;
  }

  async function open(feature, lngLat) {
    close();
    const p = feature.properties;
    const id = feature.id ?? p.customer_id; // the tile's feature id is the customer id
    const [lon, lat] = feature.geometry.coordinates;
    const address = el("td", {}, "…");
    const content = el(
      "div",
      { class: "customer-popup", "data-customer-id": id },
      el("h3", {}, p.name),
      el(
        "table",
        {},
        row("Stage", p.stage),
        row("Segment", p.segment),
        row("Annual revenue", formatValue("revenue", p.revenue)),
        el("tr", {}, el("th", { scope: "row" }, "Address"), address),
      ),
    );
    if (can("customers.read")) {
      const button = el("button", { type: "button", class: "open-account" }, "Open account");
      button.addEventListener("click", () => {
        close();
        openAccount({ customer_id: id, lon, lat });
      });
      content.append(button);
    }
    content.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        close();
        map.getCanvas().focus();
      }
    });
    popup = new maplibregl.Popup({ closeButton: true, maxWidth: "280px", focusAfterOpen: true })
      .setLngLat(lngLat)
      .setDOMContent(content)
      .addTo(map);
    content.querySelector("button")?.focus();
    if (!can("customers.read")) {
      address.textContent = "–";
      return;
    }
    try {
      const detail = await api(`/api/customers/${id}`);
      address.textContent = detail.properties.address || "no address";
    } catch (error) {
      address.textContent = error.message;
    }
  }

  map.on("click", (event) => {
    // the zones and territory views draw with clicks: no popup there
    if (state.view !== "heatmap" && state.view !== "accounts") return;
    const hit = customerAt(map, event.point);
    if (!hit) return;
    if (hit.layer.id === POINTS) {
      open(hit, hit.geometry.coordinates);
    } else {
      // a cluster: closer, towards the dots
      map.easeTo({
        center: hit.geometry.coordinates,
        zoom: Math.min(POINTS_FROM, Math.floor(map.getZoom()) + 2),
      });
    }
  });
  // Escape anywhere closes an open popup
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && popup) close();
  });
  for (const id of [POINTS, CLUSTERS]) {
    map.on("mouseenter", id, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", id, () => (map.getCanvas().style.cursor = ""));
  }
  return { close };
}
