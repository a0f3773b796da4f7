// Accounts for reps: search a customer by name or address, fly to it, and read its card:
// the enrichment (building, trade areas, foot traffic, store distance) and its history.

import maplibregl from "./maplibre.js";
import { api, debounce, el, formatValue, showError } from "./api.js";

export function initAccounts(map) {
  const input = document.getElementById("search");
  const results = document.getElementById("search-results");
  let marker = null;
  let searching;

  const search = debounce(async () => {
    const q = input.value.trim();
    if (q.length < 2) {
      results.replaceChildren();
      shown = [];
      input.setAttribute("aria-expanded", "false");
      return;
    }
    searching?.abort();
    searching = new AbortController();
    try {
      const found = await api(`/api/customers/search?${new URLSearchParams({ q, limit: 10 })}`, {
        signal: searching.signal,
      });
      shown = found;
      active = -1;
      results.replaceChildren(
        ...(found.length
          ? found.map((c, i) =>
              el(
                "li",
                {
                  onclick: () => open(c),
                  "data-customer-id": c.customer_id,
                  id: `search-result-${i}`,
                  role: "option",
                  "aria-selected": "false",
                },
                el("strong", {}, c.name),
                el("div", { class: "hint" }, `${c.address || "no address"} · ${c.stage}`),
              ),
            )
          : [el("li", { class: "empty", role: "option", "aria-disabled": "true" }, `No customer matches “${q}”.`)]),
      );
      input.setAttribute("aria-expanded", "true");
      input.removeAttribute("aria-activedescendant");
    } catch (error) {
      showError(error);
    }
  }, 200);
  input.addEventListener("input", search);

  // the results as a listbox: ↓ and ↑ move the active result, Enter opens it, Escape closes
  let shown = [];
  let active = -1;
  function activate(i) {
    const items = results.querySelectorAll("[role=option]");
    items.forEach((item, j) => item.setAttribute("aria-selected", String(j === i)));
    active = i;
    if (i < 0) input.removeAttribute("aria-activedescendant");
    else {
      input.setAttribute("aria-activedescendant", items[i].id);
      items[i].scrollIntoView({ block: "nearest" });
    }
  }
  input.addEventListener("keydown", (event) => {
    if (!shown.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      activate((active + step + shown.length) % shown.length);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      // the card opened from the keyboard takes the focus (its heading)
      open(shown[active]).then(() => document.querySelector("#card h2")?.focus());
    } else if (event.key === "Escape") {
      activate(-1);
    }
  });

  let opened = 0; // the latest card asked for: an older answer arriving later is dropped

  async function open(customer) {
    const ticket = ++opened;
    if (customer.lon !== null && customer.lon !== undefined) {
      map.flyTo({ center: [customer.lon, customer.lat], zoom: 17 });
      marker?.remove();
      marker = new maplibregl.Marker({ color: "#e7298a" })
        .setLngLat([customer.lon, customer.lat])
        .addTo(map);
    }
    const card = document.getElementById("card");
    card.hidden = false;
    card.replaceChildren(el("p", { class: "hint" }, "Loading…"));
    try {
      const [feature, history] = await Promise.all([
        api(`/api/customers/${customer.customer_id}`),
        api(`/api/customers/${customer.customer_id}/interactions?limit=20`),
      ]);
      if (ticket !== opened) return;
      card.replaceChildren(...renderCard(feature, history));
    } catch (error) {
      if (ticket !== opened) return;
      card.replaceChildren(el("p", { class: "empty" }, error.message));
      showError(error);
    }
  }
  return { open };
}

function row(label, value) {
  return el("tr", {}, el("th", {}, label), el("td", {}, value ?? "–"));
}

function renderCard(feature, history) {
  const p = feature.properties;
  const e = p.enrichment || {};
  const minutes = e.nearest_store_minutes;
  return [
    el("h2", { tabindex: "-1" }, p.name),
    el(
      "table",
      {},
      row("Address", p.address),
      row("Stage", p.stage),
      row("Segment", p.segment),
      row("Annual revenue", formatValue("revenue", p.annual_revenue)),
      row("Lifetime value", formatValue("ltv", p.lifetime_value)),
      row("Satisfaction", p.satisfaction == null ? "–" : `${p.satisfaction} / 10`),
      row("Churn risk", p.churn_risk == null ? "–" : `${Math.round(p.churn_risk * 100)} % chance of leaving`),
      row("Rep", p.rep_name),
    ),
    el("h3", {}, "Where"),
    el(
      "table",
      {},
      row("Building", e.building_class),
      row("Foot traffic", e.footfall_index == null ? "–" : `${Math.round(e.footfall_index)} / 100`),
      row(
        "Nearest store",
        e.nearest_store
          ? `${e.nearest_store}${minutes == null ? "" : ` (${Math.round(minutes)} min ${e.nearest_store_mode})`}`
          : "–",
      ),
      row("Trade areas", e.trade_area_ids ? String(e.trade_area_ids.length) : "–"),
      row("Chance of shopping at the nearest store (Huff)", e.huff_probability == null ? "–" : `${Math.round(e.huff_probability * 100)} %`),
    ),
    el("h3", {}, "History"),
    history.length
      ? el(
          "table",
          { class: "history" },
          history.map((i) =>
            el(
              "tr",
              {},
              el("td", {}, (i.occurred_at || "").slice(0, 10)),
              el("td", {}, i.type.replaceAll("_", " ")),
              el("td", {}, i.channel || ""),
            ),
          ),
        )
      : el("p", { class: "empty" }, "No interactions."),
  ];
}
