// Access for every user: plain words (info buttons next to the measure and the layers, a
// Glossary dialog), keyboard paths (the views as a real tablist; the map focusable with a
// crosshair, arrow keys to pan and Enter to click at the crosshair, which opens the hexagon
// there, picks an isochrone's point or moves a territory cell), and an opened hexagon's
// panel brought into view (first in the phone's bottom sheet, app.css).

import { el } from "./api.js";
import { state } from "./state.js";
import { describe, hexagonSize, label, layerDescription, terms } from "./vocabulary.js";

let infoCount = 0;

/** An info button that shows or hides a plain-words note below `anchor` (keyboard and touch
 * too, not hover only); `text()` is asked each time, so the note follows a changed select. */
export function infoButton(anchor, name, text) {
  const id = `info-${++infoCount}`;
  const note = el("p", { class: "info-note", id, hidden: true });
  const button = el(
    "button",
    {
      type: "button",
      class: "info",
      "aria-label": `What is ${name}?`,
      "aria-expanded": "false",
      "aria-controls": id,
      title: text(),
    },
    "?",
  );
  button.addEventListener("click", (event) => {
    event.preventDefault(); // a button inside a label would also toggle the label's input
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    note.textContent = text();
    note.hidden = !open;
  });
  anchor.after(note);
  return {
    button,
    refresh() {
      button.title = text();
      note.textContent = text();
    },
  };
}

/** A label (with its control) and an info button side by side, the note below both. */
function withInfo(labelled, name, text) {
  const row = el("div", { class: "with-info" });
  labelled.replaceWith(row);
  row.append(labelled);
  const info = infoButton(row, name, text);
  row.append(info.button);
  return info;
}

/** The Glossary dialog: every measure, every map layer and the terms the screens use. */
function glossaryDialog(dims, catalogue) {
  const close = el("button", { type: "button", class: "close" }, "Close");
  const entries = (pairs) =>
    el("dl", {}, pairs.flatMap(([term, meaning]) => [el("dt", {}, term), el("dd", {}, meaning)]));
  const dialog = el(
    "dialog",
    { id: "glossary", "aria-labelledby": "glossary-title" },
    el("h2", { id: "glossary-title" }, "Glossary"),
    el("h3", {}, "Measures"),
    entries(dims.measure_details.map((m) => [`${m.label} (${m.unit})`, m.description])),
    el("h3", {}, "Map layers"),
    entries(catalogue.layers.map((l) => [l.title, layerDescription(l.name)])),
    el("h3", {}, "Words"),
    entries(Object.entries(terms())),
    el("div", { class: "buttons" }, close),
  );
  close.addEventListener("click", () => dialog.close());
  document.body.append(dialog);
  return dialog;
}

/** The views' tabs as a tablist: one tab in the Tab order, arrow keys, Home and End move
 * between the tabs and open the view; each tab controls the panel. */
function tablist() {
  const nav = document.querySelector("header nav[role=tablist]");
  const tabs = () => [...nav.querySelectorAll("[role=tab]")].filter((t) => !t.hidden);
  for (const tab of nav.querySelectorAll("[role=tab]")) {
    tab.id = `tab-${tab.dataset.view}`;
    tab.setAttribute("aria-controls", "panel");
    tab.type = "button";
  }
  const sync = () => {
    for (const tab of nav.querySelectorAll("[role=tab]")) {
      tab.tabIndex = tab.getAttribute("aria-selected") === "true" ? 0 : -1;
    }
    const selected = nav.querySelector("[aria-selected=true]");
    const panel = document.getElementById("panel");
    panel.setAttribute("role", "tabpanel");
    if (selected) panel.setAttribute("aria-labelledby", selected.id);
  };
  new MutationObserver(sync).observe(nav, { attributes: true, subtree: true, attributeFilter: ["aria-selected"] });
  sync();
  nav.addEventListener("keydown", (event) => {
    const list = tabs();
    const at = list.indexOf(document.activeElement);
    if (at < 0) return;
    const next = {
      ArrowRight: (at + 1) % list.length,
      ArrowLeft: (at - 1 + list.length) % list.length,
      Home: 0,
      End: list.length - 1,
    }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    list[next].focus();
    list[next].click();
  });
}

/** The map by keyboard: the canvas says what the keys do, a crosshair shows while it has
 * the focus, and Enter clicks at the crosshair (the views' own click handlers answer). */
function mapKeyboard(map) {
  const canvas = map.getCanvas();
  canvas.setAttribute(
    "aria-label",
    "Map. Arrow keys move the map, plus and minus zoom, Enter opens what is under the crosshair.",
  );
  document.getElementById("map").removeAttribute("aria-label"); // the canvas is labelled
  const cross = el("div", { class: "crosshair", "aria-hidden": "true" });
  map.getContainer().append(cross);
  canvas.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    const { width, height } = canvas.getBoundingClientRect();
    const point = { x: width / 2, y: height / 2 };
    const lngLat = map.unproject([point.x, point.y]);
    map.fire("click", { point: map.project(lngLat), lngLat, originalEvent: event });
  });
  // an opened hexagon: its panel (first in the bottom sheet on a phone) comes into view
  const cell = document.getElementById("cell");
  new MutationObserver(() => {
    if (cell.hidden || state.view !== "heatmap") return;
    document.getElementById("panel").scrollTop = 0;
    cell.scrollIntoView?.({ block: "start" });
  }).observe(cell, { attributes: true, attributeFilter: ["hidden"] });
}

/** Everything above, once the views are built: `dims` is GET /api/cube/dimensions,
 * `catalogue` GET /tiles. */
export function initAccess(map, dims, catalogue) {
  tablist();
  mapKeyboard(map);

  // info next to the measure, following the measure chosen
  const measure = document.getElementById("measure");
  const measureInfo = withInfo(measure.closest("label"), "this measure", () =>
    `${label(measure.value)}: ${describe(measure.value)}`,
  );
  measure.addEventListener("change", () => measureInfo.refresh());

  // info next to each layer of the layers list
  for (const box of document.querySelectorAll("#layers input[type=checkbox]")) {
    const text = layerDescription(box.name);
    const row = box.closest("label");
    if (text) withInfo(row, `the layer ${row.textContent.trim()}`, () => text);
  }

  // the territory designer's hexagon size, in metres rather than an H3 resolution
  for (const option of document.querySelectorAll("#plan-design select[name=res] option")) {
    option.textContent = hexagonSize(option.value);
  }

  // the Glossary: a button in the header opens it
  const dialog = glossaryDialog(dims, catalogue);
  const open = el(
    "button",
    {
      type: "button",
      id: "glossary-button",
      "aria-haspopup": "dialog",
      "aria-label": "Glossary",
      title: "What the measures, layers and words mean",
    },
    el("span", { "aria-hidden": "true", class: "short" }, "?"),
    el("span", { class: "long" }, "Glossary"),
  );
  open.addEventListener("click", () => dialog.showModal());
  const user = document.getElementById("user");
  user.before(open);
}
