// The map's legend (#legend): one section per layer drawn, in every view. Each colour is
// read from the layer's paint on the map (the catalogue's style, tiles/catalog.toml, or the
// app's own route, zone and plan layers), named by the style layer's `metadata.legend` in
// the catalogue with its unit, so the legend and the paint cannot drift. The hex layer's classes are quantiles of
// the hexagons drawn, or fixed ("Keep these classes", `classes=` in the URL) so that two
// months or two filters read alike; they are painted with the catalogue's palette.

import { el, formatNumber, formatValue, showMessage, unitText } from "./api.js";
import { parseClasses, saveState, state } from "./state.js";
import { describe, hexagonSize, label } from "./vocabulary.js";

/** The hex classes' colours, lowest first, and the colour of no data: the catalogue's
 * (metadata.legend of hexes-fill; the reports use the same), set by createLegend. */
export const palette = { colours: [], noData: "#969696" };

/** Quantile class breaks (up to one fewer than the palette's colours) of the values drawn. */
export function classBreaks(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const classes = palette.colours.length;
  if (!sorted.length || classes < 2) return [];
  const breaks = [];
  for (let i = 1; i < classes; i++) {
    const b = sorted[Math.floor((i * sorted.length) / classes)];
    if (b > sorted[0] && !breaks.includes(b)) breaks.push(b);
  }
  return breaks;
}

/** The text of each class of these breaks: "< 5", "5 – < 20", ..., "≥ 150". */
export function classLabels(breaks, format) {
  if (!breaks.length) return ["all values"];
  return [
    `< ${format(breaks[0])}`,
    ...breaks.slice(1).map((b, i) => `${format(breaks[i])} – < ${format(b)}`),
    `≥ ${format(breaks[breaks.length - 1])}`,
  ];
}

// the mean area of an H3 hexagon per resolution (km²), for "hexagons of ~0.1 km²"
const HEX_KM2 = { 5: 252.9, 6: 36.13, 7: 5.161, 8: 0.7373, 9: 0.1053, 10: 0.01505, 11: 0.002150 };

// the app's own layers (not in the catalogue): what their colours mean
const APP_LAYERS = {
  route: {
    "route-line": { label: "Planned route" },
    "route-stops": { label: "Route stops", labels: { base: "start and end", other: "visit" } },
  },
  "saved-zones": { "saved-zones-fill": { label: "Saved target zone" } },
  isochrone: { "isochrone-fill": { label: "Reach from the point (isochrone)" } },
  plan: {
    "plan-fill": { label: "Territories of the plan", note: "one colour per territory" },
    "plan-line": { label: "Territory boundary", labels: { true: "split (broken) territory", false: "boundary" } },
  },
  "plan-area": { "plan-area": { label: "Area the plan was designed in" } },
  "prospect-area": { "prospect-area-fill": { label: "Area of the lead list" } },
};

/** A hexagon's area in plain words: "0,74 km²", "2 200 m²". */
function hexArea(res) {
  const km2 = HEX_KM2[res];
  if (km2 === undefined) return "–";
  if (km2 >= 0.1) return `${formatNumber(Number(km2.toPrecision(2)), 2)} km²`;
  return `${formatNumber(Number((km2 * 1e6).toPrecision(2)))} m²`;
}

/** A measure's label with its unit: "Annual revenue (€)", "Foot traffic (index 0-100)";
 * a unit that only repeats the label is the label ("Customers", "Households (estimated)"). */
export function measureHeading(measure) {
  const name = label(measure);
  const unitName = unitText(measure);
  if (!unitName || name.toLowerCase().includes(unitName.toLowerCase())) return name;
  if (unitName.toLowerCase().startsWith(name.toLowerCase())) {
    return name + unitName.slice(name.length);
  }
  return `${name} (${unitName})`;
}

const COLOUR_OF = { fill: "fill-color", line: "line-color", circle: "circle-color" };
const MAX_ENTRIES = 12;

/** The value of a (small) style expression for a feature's properties: literals, get,
 * coalesce, %, match, case on a boolean get; enough to name a colour of a legend. */
function evaluate(expr, props) {
  if (!Array.isArray(expr)) return expr;
  const [op, ...args] = expr;
  if (op === "literal") return args[0];
  if (op === "get") return props[args[0]];
  if (op === "coalesce") return args.map((a) => evaluate(a, props)).find((v) => v !== null && v !== undefined);
  if (op === "%") return evaluate(args[0], props) % evaluate(args[1], props);
  if (op === "match") {
    const input = evaluate(args[0], props);
    for (let i = 1; i + 1 < args.length; i += 2) {
      const keys = Array.isArray(args[i]) ? args[i] : [args[i]];
      if (keys.includes(input)) return evaluate(args[i + 1], props);
    }
    return evaluate(args[args.length - 1], props);
  }
  return undefined;
}

/** The property a match or interpolation reads (["get", name] somewhere in its input). */
function propertyOf(expr) {
  if (!Array.isArray(expr)) return null;
  if (expr[0] === "get") return expr[1];
  for (const part of expr.slice(1)) {
    const found = propertyOf(part);
    if (found) return found;
  }
  return null;
}

/** The entries ({colour, text}) of a colour paint: one per value of a match, one per stop
 * of an interpolation or step, the colours of a ["get", ...] as the features carry them. */
function entriesOf(paint, meta, context) {
  if (typeof paint === "string") return [{ colour: paint, text: "" }];
  if (!Array.isArray(paint)) return [];
  const [op] = paint;
  const named = (value) => meta.labels?.[String(value)] ?? String(value).replaceAll("_", " ");
  if (op === "match" && meta.values_from) {
    const prop = propertyOf(paint[1]);
    const values = context.filterValues(meta.values_from);
    return values.map((v) => ({ colour: evaluate(paint, { [prop]: v.value }), text: v.label }));
  }
  if (op === "match") {
    const entries = [];
    for (let i = 2; i + 1 < paint.length - 1; i += 2) {
      const keys = Array.isArray(paint[i]) ? paint[i] : [paint[i]];
      entries.push({ colour: paint[i + 1], text: keys.map(named).join(", ") });
    }
    entries.push({ colour: paint[paint.length - 1], text: meta.labels?.other ?? "other" });
    return entries;
  }
  if (op === "interpolate") {
    const entries = [];
    for (let i = 3; i + 1 < paint.length; i += 2) {
      entries.push({ colour: paint[i + 1], text: formatNumber(paint[i], 2) });
    }
    return entries;
  }
  if (op === "step") {
    // ["step", input, c0, s1, c1, ...]: "< s1", "s1 – < s2", ..., "≥ sn"
    const stops = paint.slice(3).filter((_, i) => i % 2 === 0);
    const colours = [paint[2], ...paint.slice(4).filter((_, i) => i % 2 === 0)];
    const texts = classLabels(stops, (v) => formatNumber(v, 2));
    return colours.map((colour, i) => ({ colour, text: meta.labels?.[String(i)] ?? texts[i] }));
  }
  if (op === "case") {
    const entries = [];
    for (let i = 1; i + 1 < paint.length; i += 2) {
      const prop = propertyOf(paint[i]);
      entries.push({ colour: paint[i + 1], text: named(prop && paint[i][0] === "get" ? true : "") });
    }
    entries.push({ colour: paint[paint.length - 1], text: named(false) });
    return entries.filter((e) => typeof e.colour === "string");
  }
  if (op === "get") {
    return context.featureColours(paint[1]).map((colour) => ({ colour, text: "" }));
  }
  return [];
}

/** A swatch drawn as the layer draws: a square (fill), a bar (line) or a dot (circle). */
function swatch(type, colour, paintOf) {
  const stroke = type === "circle" ? paintOf("circle-stroke-color") : null;
  const css = [`background:${colour}`];
  if (typeof stroke === "string") css.push(`border-color:${stroke}`);
  return el("span", { class: `swatch ${type}`, "data-colour": colour, style: css.join(";") });
}

/** The legend of `map`: `update()` (on idle, moves, layer toggles, view changes) recomputes
 * the hex classes of the hexagons drawn, repaints the hex fill with them, and writes one
 * section per layer drawn. `hexJson` is the hexes' TileJSON, `overlays` the catalogue
 * layers (with their TileJSON), `dims` the vocabulary. */
export function createLegend(map, { resByZoom, hexJson, overlays, dims }) {
  const hexFill = hexJson.geocrm.style.find((s) => s.type === "fill");
  const hexLegend = hexFill?.metadata?.legend || {};
  palette.colours = hexLegend.palette || [];
  palette.noData = hexLegend.no_data || palette.noData;
  if (parseClasses.refused !== undefined) {
    showMessage(
      `classes=${parseClasses.refused} ignored: give 1 to 4 ascending numbers, e.g. classes=10,20,50,100`,
    );
  }
  const box = document.getElementById("legend");
  const phone = window.matchMedia("(max-width: 700px)").matches;
  const hexPart = el("div", { class: "legend-hexes" });
  const layerPart = el("div", { class: "legend-layers" });
  const details = el("details", { open: !phone }, el("summary", {}, "Legend"), hexPart, layerPart);
  box.replaceChildren(details);
  let lastHexKey = "";
  let lastLayersKey = "";
  let breaksShown = [];

  const context = {
    filterValues: (name) => dims.filters.find((f) => f.name === name)?.values ?? [],
    featureColours: () => [],
  };

  function keep() {
    state.classes = breaksShown.slice();
    saveState();
    update();
  }
  function release() {
    state.classes = null;
    saveState();
    update();
  }

  function updateHexes() {
    if (!map.getSource("hexes")) {
      hexPart.replaceChildren();
      lastHexKey = "";
      return false;
    }
    const res = resByZoom[Math.min(Math.floor(map.getZoom()), resByZoom.length - 1)];
    const features = map
      .querySourceFeatures("hexes", { sourceLayer: "hexes" })
      .filter((f) => f.properties.res === res);
    const values = features.map((f) => f.properties.value);
    const fixed = state.classes?.slice(0, palette.colours.length - 1);
    const breaks = fixed ?? classBreaks(values);
    const key = JSON.stringify([state.measure, state.filters, res, breaks, !!fixed, !features.length]);
    if (key === lastHexKey) return true;
    lastHexKey = key;
    breaksShown = breaks;
    const colours = palette.colours;
    const step = ["step", ["get", "value"], colours[0]];
    breaks.forEach((b, i) => step.push(b, colours[i + 1]));
    const fill = ["case", ["has", "value"], breaks.length ? step : colours[0], palette.noData];
    const fillLayer = map.getStyle().layers.find((l) => l.source === "hexes" && l.type === "fill");
    map.setPaintProperty(fillLayer.id, "fill-color", fill);

    hexPart.replaceChildren(
      el("strong", { class: "legend-title", title: describe(state.measure) }, measureHeading(state.measure)),
      el("div", { class: "legend-note" }, `${hexagonSize(res)} (~${hexArea(res)} each)`),
    );
    if (!features.length && !fixed) {
      hexPart.append(el("div", { class: "empty" }, "No hexagons here for these filters."));
      return true;
    }
    const texts = classLabels(breaks, (v) => formatValue(state.measure, v));
    texts.forEach((text, i) => {
      hexPart.append(
        el("div", { class: "legend-entry", "data-layer": "hexes", "data-class": String(i) }, swatch("fill", colours[i], () => null), text),
      );
    });
    if (values.some((v) => !Number.isFinite(v))) {
      hexPart.append(
        el("div", { class: "legend-entry", "data-layer": "hexes", "data-class": "no-data" }, swatch("fill", palette.noData, () => null), "no data"),
      );
    }
    hexPart.append(
      fixed
        ? el(
            "div",
            { class: "legend-classes" },
            el("span", { class: "legend-note" }, "Classes kept (in the link) "),
            el("button", { type: "button", class: "link", id: "release-classes", onclick: release }, "Release classes"),
          )
        : el(
            "div",
            { class: "legend-classes" },
            el(
              "button",
              {
                type: "button",
                class: "link",
                id: "keep-classes",
                title: "Keep these classes while the month, filters or place change, so that colours compare",
                disabled: breaks.length ? undefined : "",
                onclick: keep,
              },
              "Keep these classes",
            ),
          ),
    );
    return true;
  }

  /** The sections of every other layer drawn, as [{source, title, note, entries}] */
  function layerSections() {
    const zoom = Math.floor(map.getZoom());
    const sections = [];
    const seen = new Set();
    for (const styleLayer of map.getStyle().layers) {
      const source = styleLayer.source;
      const prop = COLOUR_OF[styleLayer.type];
      if (!source || !prop || source === "base" || source === "hexes") continue;
      const tilejson = overlays.tilejson[source];
      const fromCatalogue = tilejson && overlays.layers.some((l) => l.name === source);
      const appMeta = APP_LAYERS[source];
      if (!fromCatalogue && !appMeta) continue;
      if (!fromCatalogue && !map.querySourceFeatures(source).length) continue; // nothing drawn
      if (fromCatalogue) {
        const vector = tilejson.vector_layers.find((v) => v.id === styleLayer["source-layer"]);
        if (vector && (zoom < vector.minzoom || zoom > vector.maxzoom)) continue;
      }
      const meta = (fromCatalogue ? styleLayer.metadata?.legend : appMeta[styleLayer.id]) ?? null;
      const paint = map.getPaintProperty(styleLayer.id, prop);
      if (!meta && typeof paint === "string" && seen.has(`${source}:${paint}`)) continue; // an outline in the fill's colour
      seen.add(`${source}:${typeof paint === "string" ? paint : styleLayer.id}`);
      const title = meta?.label ?? tilejson?.name ?? source;
      const paintOf = (name) => map.getPaintProperty(styleLayer.id, name);
      const ctx = {
        ...context,
        featureColours: (name) => [
          ...new Set(map.querySourceFeatures(source).map((f) => f.properties[name]).filter(Boolean)),
        ].slice(0, MAX_ENTRIES),
      };
      const entries = entriesOf(paint, meta ?? {}, ctx).filter((e) => typeof e.colour === "string");
      if (!entries.length) continue;
      sections.push({ source, id: styleLayer.id, type: styleLayer.type, title, meta: meta ?? {}, entries, paintOf });
    }
    return sections;
  }

  function updateLayers() {
    const sections = layerSections();
    const key = JSON.stringify(sections.map((s) => [s.id, s.entries]));
    if (key === lastLayersKey) return sections.length > 0;
    lastLayersKey = key;
    layerPart.replaceChildren(
      ...sections.map((s) => {
        // a unit the title already names is not repeated ("… actual customers", not "(customers)")
        const repeated = s.meta.unit && s.title.toLowerCase().includes(String(s.meta.unit).toLowerCase());
        const unitName = s.meta.unit && !repeated ? ` (${s.meta.unit})` : "";
        const section = el(
          "section",
          { class: "legend-layer", "data-source": s.source, "data-style-layer": s.id },
          el("strong", { class: "legend-title" }, `${s.title}${unitName}`),
        );
        if (s.meta.note) section.append(el("div", { class: "legend-note" }, s.meta.note));
        const inline = s.entries.every((e) => !e.text);
        const row = inline ? el("div", { class: "legend-row" }) : section;
        for (const entry of s.entries.slice(0, MAX_ENTRIES)) {
          const item = el("span", { class: "legend-entry", "data-layer": s.source }, swatch(s.type, entry.colour, s.paintOf), entry.text);
          row.append(inline ? item : el("div", {}, item));
        }
        if (s.entries.length > MAX_ENTRIES) row.append(el("span", { class: "legend-note" }, ` … ${s.entries.length - MAX_ENTRIES} more`));
        if (inline) section.append(row);
        return section;
      }),
    );
    return sections.length > 0;
  }

  function update() {
    const hexes = updateHexes();
    const layers = updateLayers();
    box.hidden = !hexes && !layers;
  }

  return update;
}
