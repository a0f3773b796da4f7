// GeoCRM's web map app. It knows only URLs: the tile catalogue (/tiles), TileJSON, the
// MapLibre style of the base map, and the /api routes; never a table name.

import maplibregl from "./maplibre.js";
import { initAccounts } from "./accounts.js";
import { initAccess } from "./a11y.js";
import { api, setMapLoading, showError, unauthorized } from "./api.js";
import { can, onResume, signIn } from "./auth.js";
import { createDrawing } from "./drawing.js";
import { initHeatmap } from "./heatmap.js";
import { Overlays } from "./overlays.js";
import { initPopups } from "./popups.js";
import { initProspecting } from "./prospecting.js";
import { initRoutes } from "./routes.js";
import { initMapSearch } from "./search.js";
import { readFilters, saveState, state } from "./state.js";
import { initTerritories } from "./territories.js";
import { filterNames, loadVocabulary } from "./vocabulary.js";
import { initZones } from "./zones.js";

async function main() {
  await signIn(); // every route and tile needs a signed-in user
  const [catalogue, style, dims] = await Promise.all([
    api("/tiles"),
    api("/tiles/style.json?layers=base"),
    loadVocabulary(),
  ]);
  readFilters(filterNames());
  const base = await api("/tiles/base.json");
  const map = new maplibregl.Map({
    container: "map",
    style,
    hash: true,
    center: base.center.slice(0, 2),
    zoom: 14,
    attributionControl: { compact: true, customAttribution: base.attribution },
  });
  map.addControl(new maplibregl.NavigationControl(), "top-right");
  map.addControl(new maplibregl.ScaleControl(), "bottom-left");
  map.on("dataloading", () => setMapLoading(true));
  map.on("idle", () => setMapLoading(false));
  map.on("error", (event) => {
    // a tile refused with 401: the session expired, sign in again
    if (event.error?.status === 401) unauthorized();
    else showError(event.error || new Error("the map failed to load data"));
  });
  // signed in again after the session expired: the tiles refused meanwhile load now
  onResume(() => {
    for (const [id, source] of Object.entries(map.getStyle().sources)) {
      if (source.type === "vector") map.refreshTiles(id);
    }
  });
  await map.once("load");

  const overlays = new Overlays(map, catalogue);
  const heatmap = await initHeatmap(map, catalogue, overlays);
  const draw = createDrawing(map); // one Terra Draw for the zones and the territory lasso
  const zones = initZones(map, draw);
  const accounts = initAccounts(map);
  const reps = dims.rep_id;
  const routes = initRoutes(map, reps);
  const territories = initTerritories(map, draw, reps);
  // a lead assigned to a rep goes on the rep's route of the day (the Accounts view's planner)
  const addToRoute = routes
    ? async (repId, customerId) => {
        show("accounts");
        await routes.addStop(repId, customerId);
        document.getElementById("route-section").scrollIntoView?.({ block: "start" });
      }
    : null;
  const prospecting = initProspecting(map, draw, {
    overlays,
    reps,
    dims,
    addToRoute,
    layersChanged: () => heatmap.updateLegend(),
  });
  const views = { heatmap, zones, accounts, territories, prospecting };

  function show(view) {
    views[state.view]?.onHide?.();
    state.view = view;
    saveState();
    for (const tab of document.querySelectorAll("nav [data-view]")) {
      tab.setAttribute("aria-selected", String(tab.dataset.view === view));
      if (tab.dataset.view === view) revealTab(tab);
    }
    for (const section of document.querySelectorAll("#panel section")) {
      section.hidden = section.dataset.view !== view;
    }
    heatmap.updateLegend(); // the legend of the layers drawn, in every view
    views[view]?.onShow?.();
  }
  // a view with nothing the role may use is not offered (an analyst opens no account)
  const accountsTab = document.querySelector("nav [data-view=accounts]");
  accountsTab.hidden = !can("customers.read") && !can("routes.plan");
  for (const tab of document.querySelectorAll("nav [data-view]")) {
    tab.addEventListener("click", () => show(tab.dataset.view));
  }
  // a customer dot's popup opens the account's card
  initPopups(map, {
    openAccount: (customer) => {
      show("accounts");
      accounts.open(customer);
    },
  });
  const offered = document.querySelector(`nav [data-view="${CSS.escape(state.view)}"]`);
  show(offered && !offered.hidden ? state.view : "heatmap");
  // the map's search box: a place or address flies the map there, an account opens its card
  initMapSearch(map, {
    openCustomer: (customer) => {
      show("accounts");
      accounts.open(customer);
    },
  });
  heatmap.updateLegend();
  initAccess(map, dims, catalogue); // glossary, keyboard paths, labels (a11y.js)
  // the glossary button narrowed the tabs: the chosen one comes back in sight on a phone
  revealTab(document.querySelector("nav [aria-selected=true]"));
  // for tests and power users: the MapLibre map (window.geocrmMap), the views and the state
  window.geocrmMap = map;
  window.geocrm = { ...(window.geocrm || {}), map, views, state, ready: true };
}

/** On a phone the tabs scroll sideways: the chosen one is scrolled into the tab bar's sight
 * (the bar only: the page itself never scrolls). */
function revealTab(tab) {
  const nav = tab?.parentElement;
  if (!nav) return;
  const left = tab.offsetLeft - nav.offsetLeft;
  if (left < nav.scrollLeft) nav.scrollLeft = left;
  else if (left + tab.offsetWidth > nav.scrollLeft + nav.clientWidth) {
    nav.scrollLeft = left + tab.offsetWidth - nav.clientWidth;
  }
}

main().catch((error) => {
  showError(error);
  window.geocrm = { ...(window.geocrm || {}), failed: String(error) };
});
