// The map's search box: "go to an address, street, place or account". A combobox over the
// map (ARIA 1.2 pattern: the input owns a listbox of results; arrow keys move through them,
// Enter chooses, Escape closes then clears; a click chooses too). Choosing flies the map
// there (fits a street's or place's extent), drops a marker, and opens an account's card.
// Answers come from GET /api/search (offline: the city's own data and the accounts the
// user may see).

import maplibregl from "./maplibre.js";
import { api, debounce, el, showError } from "./api.js";

const KIND_NAMES = { address: "Address", street: "Street", place: "Place", customer: "Account" };
const LIMIT = 8;

/** The search box as a MapLibre control at the map's top left. ``openCustomer(c)`` shows
 * the account card of ``{customer_id, lon, lat}`` (the accounts view's). */
export function initMapSearch(map, { openCustomer }) {
  const input = el("input", {
    id: "map-search-input",
    type: "search",
    role: "combobox",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "Go to an address, street, place or account",
    maxlength: "200",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": "map-search-results",
  });
  const label = el(
    "label",
    { for: "map-search-input", class: "visually-hidden" },
    "Go to an address, street, place or account",
  );
  const list = el("ul", {
    id: "map-search-results",
    role: "listbox",
    "aria-label": "Search results",
  });
  list.hidden = true;
  const status = el("span", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  const box = el("div", { id: "map-search", class: "maplibregl-ctrl" }, label, input, list, status);

  let results = [];
  let active = -1;
  let marker = null;
  let searching = null;
  let asked = 0; // the latest query sent: an older answer arriving later is dropped

  function setOpen(open) {
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    if (!open) setActive(-1);
  }

  function setActive(index) {
    active = index;
    for (const [i, option] of [...list.children].entries()) {
      option.setAttribute("aria-selected", String(i === index));
    }
    if (index >= 0 && list.children[index]) {
      input.setAttribute("aria-activedescendant", list.children[index].id);
      list.children[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function render(q) {
    if (!results.length) {
      list.replaceChildren(el("li", { class: "empty", role: "presentation" }, `Nothing found for “${q}”.`));
      status.textContent = "No results.";
    } else {
      list.replaceChildren(
        ...results.map((r, i) =>
          el(
            "li",
            {
              id: `map-search-option-${i}`,
              role: "option",
              "aria-selected": "false",
              "data-kind": r.kind,
              "data-customer-id": r.customer_id,
              // mousedown, not click: the input keeps its focus (and the list stays)
              onmousedown: (event) => {
                event.preventDefault();
                choose(i);
              },
            },
            el("span", { class: "kind" }, KIND_NAMES[r.kind] || r.kind),
            el("strong", {}, r.label),
            el("span", { class: "hint" }, r.detail),
          ),
        ),
      );
      status.textContent = `${results.length} result${results.length === 1 ? "" : "s"}; arrow keys to choose.`;
    }
    setOpen(true);
  }

  const search = debounce(async () => {
    const q = input.value.trim();
    const ticket = ++asked;
    searching?.abort();
    if ([...q].filter((ch) => /[\p{L}\p{N}]/u.test(ch)).length < 2) {
      results = [];
      setOpen(false);
      return;
    }
    searching = new AbortController();
    try {
      const found = await api(`/api/search?${new URLSearchParams({ q, limit: LIMIT })}`, {
        signal: searching.signal,
      });
      if (ticket !== asked) return;
      results = found;
      render(q);
    } catch (error) {
      if (error.name !== "AbortError") showError(error);
    }
  }, 200);

  function choose(index) {
    const r = results[index];
    if (!r) return;
    input.value = r.label;
    setOpen(false);
    const [lon, lat] = r.center;
    marker?.remove();
    marker = null;
    if (r.kind === "customer") {
      // the account's card flies there and marks it itself
      openCustomer({ customer_id: r.customer_id, lon, lat, name: r.label });
      return;
    }
    if (r.bbox) {
      const [w, s, e, n] = r.bbox;
      map.fitBounds(
        [
          [w, s],
          [e, n],
        ],
        { padding: 60, maxZoom: r.kind === "street" ? 17 : 16 },
      );
    } else {
      map.flyTo({ center: [lon, lat], zoom: r.kind === "address" ? 17 : 16 });
    }
    marker = new maplibregl.Marker({ color: "#d95f02" }).setLngLat([lon, lat]).addTo(map);
    marker.getElement().setAttribute("aria-label", r.label);
  }

  input.addEventListener("input", () => {
    // the results listed were for what was typed before: gone until the new answer
    results = [];
    setOpen(false);
    search();
  });
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden && results.length > 0;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!results.length) return;
      if (!open) setOpen(true);
      const step = event.key === "ArrowDown" ? 1 : -1;
      const next = active < 0 ? (step > 0 ? 0 : results.length - 1) : active + step;
      setActive((next + results.length) % results.length);
    } else if (event.key === "Enter") {
      if (open) {
        event.preventDefault();
        choose(active >= 0 ? active : 0);
      }
    } else if (event.key === "Escape") {
      if (!list.hidden) setOpen(false);
      else input.value = "";
    }
  });
  input.addEventListener("blur", () => setOpen(false));
  input.addEventListener("focus", () => {
    if (results.length && input.value.trim()) render(input.value.trim());
  });

  map.addControl(
    {
      onAdd: () => box,
      onRemove: () => box.remove(),
    },
    "top-left",
  );
  return { input, choose };
}
