// "Where is revenue concentrated?": the hexagons of the map's resolution ranked by the
// measure (GET /api/cube/concentration, the same filters as the map), with each one's share
// and the cumulative share, a sentence "The top 20% of hexagons hold 68% of revenue", and a
// click on a row opening that hexagon. Fetched only while the part is open.

import { api, el, formatValue, showError } from "./api.js";
import { openCell } from "./cellpanel.js";
import { filterQuery, state } from "./state.js";
import { label } from "./vocabulary.js";

const PAGE = 50;
const percent = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 0 });
const percent1 = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });

/** The resolution the hex layer draws at the map's zoom. */
function resNow(map, resByZoom) {
  const z = Math.max(0, Math.min(resByZoom.length - 1, Math.floor(map.getZoom())));
  return resByZoom[z];
}

/** The sentence of a concentration's summary for "the top `top`%". */
export function sentence(result, top = 20) {
  const s = result.summary.find((x) => x.percent === top) ?? result.summary[0];
  if (!s || !result.items) return `No hexagon has any ${label(result.measure).toLowerCase()}.`;
  return (
    `The top ${s.percent}% of hexagons (${s.items} of ${result.items}) hold ` +
    `${percent.format(s.share)} of ${label(result.measure).toLowerCase()}.`
  );
}

/** Build the Concentration part into `box` (a <details>); returns {refresh}. */
export function initConcentration(map, resByZoom, box) {
  const body = el("div", { class: "concentration-body" });
  box.append(el("summary", {}, "Concentration: where is it?"), body);
  let shown = null; // the query string of what is on screen
  let ticket = 0;

  async function load({ more = false } = {}) {
    if (!box.open) return;
    const res = resNow(map, resByZoom);
    const filters = filterQuery();
    const query = `res=${res}&measure=${encodeURIComponent(state.measure)}&top=10,20${filters ? `&${filters}` : ""}`;
    if (!more && query === shown) return;
    const rows = more ? body.querySelectorAll("tbody tr").length : 0;
    const mine = ++ticket;
    if (!more) body.replaceChildren(el("p", { class: "hint" }, "Ranking the hexagons…"));
    try {
      const result = await api(`/api/cube/concentration?${query}&offset=${rows}&limit=${PAGE}`);
      if (mine !== ticket) return;
      shown = query;
      if (more) body.querySelector("tbody").append(...result.rows.map(row));
      else render(result);
      const table = body.querySelector("tbody");
      const next = body.querySelector("button.more");
      const count = table ? table.children.length : 0;
      if (next) next.hidden = count >= result.items;
      if (next) next.textContent = `Show ${Math.min(PAGE, result.items - count)} more`;
    } catch (error) {
      if (mine !== ticket) return;
      shown = null;
      // a measure that does not add up (a mean, a ratio) has no shares: said here
      body.replaceChildren(el("p", { class: "empty" }, error.message));
      if (error.status !== 422) showError(error);
    }
  }

  function row(r) {
    const tr = el(
      "tr",
      { tabindex: "0", "data-h3": r.h3, title: "Open this hexagon" },
      el("td", { class: "num" }, String(r.rank)),
      el("td", { class: "num" }, formatValue(state.measure, r.value)),
      el("td", { class: "num" }, percent1.format(r.share)),
      el(
        "td",
        { class: "num cumulative" },
        el("span", { class: "bar", "data-share": r.cumulative_share }),
        percent.format(r.cumulative_share),
      ),
    );
    tr.querySelector(".bar").style.width = `${Math.round(r.cumulative_share * 100)}%`;
    const open = () => openCell(map, r.h3, resByZoom, { fly: true });
    tr.addEventListener("click", open);
    tr.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        open();
      }
    });
    return tr;
  }

  function render(result) {
    const held = result.suppressed_cells
      ? el(
          "p",
          { class: "hint" },
          `Not counted: other reps' customers in ${result.suppressed_cells} small map cells, held back for privacy.`,
        )
      : null;
    if (!result.items) {
      body.replaceChildren(el("p", { class: "empty" }, sentence(result)));
      return;
    }
    const more = el("button", { type: "button", class: "more" }, "Show more");
    more.addEventListener("click", () => load({ more: true }));
    const parts = [
      el("p", { class: "sentence" }, sentence(result)),
      el(
        "p",
        { class: "hint" },
        `${result.items} hexagons with any ${label(result.measure).toLowerCase()} at this zoom, ` +
          `${formatValue(result.measure, result.total)} in all. Click a row to open the hexagon.`,
      ),
      held,
      el(
        "table",
        { class: "concentration" },
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            el("th", { scope: "col" }, "Rank"),
            el("th", { scope: "col" }, label(result.measure)),
            el("th", { scope: "col" }, "Share"),
            el("th", { scope: "col" }, "Cumulative"),
          ),
        ),
        el("tbody", {}, result.rows.map(row)),
      ),
      more,
    ].filter(Boolean);
    body.replaceChildren(...parts);
  }

  box.addEventListener("toggle", () => load());
  map.on("zoomend", () => load()); // the resolution follows the zoom
  return { refresh: () => load() };
}
