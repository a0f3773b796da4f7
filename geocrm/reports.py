"""Shareable map reports: one self-contained HTML file (folium / Leaflet) per question.

Two reports, both ``geocrm report ...`` commands:

* ``heatmap_report`` — a hex choropleth of one cube measure (``geocrm.cube.query_cube`` at
  one H3 resolution, any cube filters), the matching customers as clustered markers, and a
  summary panel;
* ``zone_report`` — a saved target zone (``crm.target_zones``, read by id or name): its
  outline, its audience (the customers inside it under the zone's filters) as markers, and
  the hexes that intersect it.

Every report has a legend whose classes are exactly the colours drawn, a layer control and
a summary table (totals, filters, when generated, the cube build the data comes from).

**Classes.** The hexes are coloured in at most ``CLASSES`` classes by *natural breaks*
(Fisher's exact optimisation of Jenks' criterion: the split of the sorted values into k
groups with the least within-group sum of squared deviations), computed on the values
drawn (on ``JENKS_SAMPLE`` evenly spaced order statistics when there are more hexes, which
keeps the minimum and maximum). A value ``v`` is in class ``i`` when
``breaks[i] < v <= breaks[i + 1]`` (the first class includes ``breaks[0]``, the minimum);
hexes with no value (a ratio over nothing, e.g. the mean satisfaction of a cell without
customers) are drawn grey as *no data*. The legend lists each class with its colour, its
bounds and its number of hexes.

**Markers.** At most ``MARKER_CAP`` customers are drawn (those with the highest revenue);
the summary says so when there are more.

**Offline.** By default the file loads Leaflet and its friends from the usual CDNs and
draws OpenStreetMap raster tiles. With ``offline=True`` there is no tile layer (a plain
background and the city's drive network from ``ref.streets`` as light lines instead) and
every script and stylesheet is inlined from the project's npm packages in
``frontend/node_modules`` (installed with ``npm ci --prefix frontend``, which is run when
they are missing; icon stylesheets only when a page draws icons, see ``inline_assets``);
the file is then checked to reference nothing on the internet.
"""

from __future__ import annotations

import base64
import html
import json
import mimetypes
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import folium
import numpy as np
import shapely
from folium.plugins import FastMarkerCluster
from shapely.geometry import shape
from sqlalchemy import Engine

from geocrm import cube, vocabulary, zones
from geocrm.db import query
from geocrm.errors import InvalidInput, NotFound, SetupError
from geocrm.settings import PROJECT_ROOT

#: Default H3 resolution of the hexes (~0.1 km² each).
DEFAULT_RES = 9
#: Most customers drawn as markers in one report.
MARKER_CAP = 5000
#: Deepest zoom of a report's map (OpenStreetMap's tiles go to 19).
MAX_ZOOM = 19
#: Most classes of the choropleth.
CLASSES = 5
#: Most values the natural breaks are computed on (evenly spaced order statistics).
JENKS_SAMPLE = 2000
#: Sequential colours (ColorBrewer YlOrRd) per number of classes.
PALETTES: dict[int, tuple[str, ...]] = {
    1: ("#fd8d3c",),
    2: ("#fecc5c", "#e31a1c"),
    3: ("#ffeda0", "#feb24c", "#f03b20"),
    4: ("#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"),
    5: ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"),
}
NO_DATA_COLOR = "#bdbdbd"
#: Marker colours by ladder stage.
STAGE_COLORS: dict[str, str] = {
    "prospect": "#9e9e9e",
    "customer": "#4292c6",
    "client": "#2171b5",
    "supporter": "#6a51a3",
    "advocate": "#238b45",
    "partner": "#08306b",
}
FRONTEND_DIR = PROJECT_ROOT / "frontend"
NODE_MODULES = FRONTEND_DIR / "node_modules"

#: Every CDN asset folium and its plugins reference -> the file of the project's npm
#: packages that replaces it offline (``None``: dropped, the reports use no such icons).
CDN_ASSETS: dict[str, str | None] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet/dist/leaflet.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": (
        "bootstrap/dist/js/bootstrap.bundle.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/"
    "leaflet.awesome-markers.js": "leaflet.awesome-markers/dist/leaflet.awesome-markers.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet/dist/leaflet.css",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": (
        "bootstrap/dist/css/bootstrap.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/"
    "leaflet.markercluster.js": "leaflet.markercluster/dist/leaflet.markercluster.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css": (
        "leaflet.markercluster/dist/MarkerCluster.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/"
    "MarkerCluster.Default.css": "leaflet.markercluster/dist/MarkerCluster.Default.css",
    # icons: inlined (sprites and webfonts as data: URIs, ~700 kB) only when a page draws
    # awesome-markers or Font Awesome icons; the reports draw circle markers
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/"
    "leaflet.awesome-markers.css": "leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": (
        "@fortawesome/fontawesome-free/css/all.min.css"
    ),
    # Bootstrap 3 glyphicons and folium's rotated-marker CSS: no npm package, never used
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": None,
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/"
    "leaflet.awesome.rotate.min.css": None,
}
_ICON_ASSETS = frozenset(
    {
        "leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
        "@fortawesome/fontawesome-free/css/all.min.css",
    }
)


# --------------------------------------------------------------------------- results


@dataclass
class Legend:
    """The classes of a choropleth: ``breaks`` (k + 1 ascending bounds) and k colours."""

    measure: str
    breaks: list[float]
    colors: list[str]
    counts: list[int] = field(default_factory=list)
    no_data: int = 0
    scheme: str = "natural breaks (Fisher-Jenks)"

    def color_of(self, value: float | None) -> str:
        """The colour a value is drawn in."""
        index = class_index(self.breaks, value)
        return NO_DATA_COLOR if index is None else self.colors[index]

    def as_dict(self) -> dict[str, Any]:
        """Machine-readable legend, as embedded in the report."""
        return {
            "measure": self.measure,
            "scheme": self.scheme,
            "breaks": self.breaks,
            "colors": self.colors,
            "counts": self.counts,
            "no_data": self.no_data,
            "no_data_color": NO_DATA_COLOR,
        }


@dataclass
class Report:
    """What a written report holds."""

    kind: str
    path: Path
    offline: bool
    measure: str
    res: int
    hexes: int
    markers_shown: int
    markers_total: int
    summary: dict[str, Any]
    legend: Legend

    @property
    def size_bytes(self) -> int:
        return self.path.stat().st_size

    @property
    def capped(self) -> bool:
        return self.markers_shown < self.markers_total

    def render(self) -> str:
        """One line for the command line."""
        mode = "offline, no external references" if self.offline else "online: CDN assets, OSM"
        capped = f" (capped at {self.summary['marker_cap']:,})" if self.capped else ""
        return (
            f"{self.kind} report written to {self.path} ({self.size_bytes / 1e6:.2f} MB, "
            f"{mode}): {self.hexes} hexagons of {self.measure} at res {self.res}, "
            f"{self.markers_shown:,} of {self.markers_total:,} customers as markers{capped}"
        )


# --------------------------------------------------------------------------- reports


def heatmap_report(
    engine: Engine,
    *,
    measure: str,
    out: Path,
    filters: Mapping[str, Any] | None = None,
    res: int = DEFAULT_RES,
    offline: bool = False,
    marker_cap: int = MARKER_CAP,
) -> Report:
    """Write a hex heatmap of ``measure`` for the customers matching ``filters``.

    The hexes are exactly the cells ``query_cube(engine, res=res, filters=filters)``
    returns; customers, prospects and revenue in the summary are their sums.
    """
    measure = _check_measure(measure)
    _check_out(out)
    cells = cube.query_cube(engine, res=res, filters=filters)
    with engine.connect() as conn:
        params = cube.validate_filters(conn, filters)
    built = cube.last_build(engine) or {}
    markers = _customers(engine, params, zone_id=None, cap=marker_cap)
    hexes = _hex_features(engine, cells, measure)
    legend = build_legend(measure, [f["properties"]["value"] for f in hexes])
    summary = {
        "report": f"{_label(measure)} by hexagon",
        "measure": measure,
        "measure_total": _measure_total(measure, cells),
        "hexagons": len(hexes),
        "resolution": res,
        "customers": sum(c["customers"] for c in cells),
        "prospects": sum(c["prospects"] for c in cells),
        "revenue": round(sum(c["revenue"] for c in cells), 2),
        "filters": _shown_filters(params),
        "markers_shown": len(markers["rows"]),
        "markers_total": markers["matched"],
        "marker_cap": marker_cap,
        "generated_at": _now(),
        "data_as_of": built.get("built_at"),
    }
    fmap = _base_map(engine, offline, _bounds(hexes))
    _add_hexes(fmap, hexes, legend, measure)
    _add_markers(fmap, markers["rows"])
    folium.LayerControl(collapsed=False).add_to(fmap)
    _add_panels(fmap, summary, legend)
    return _write(fmap, "heatmap", out, offline, summary, legend, res)


def zone_report(
    engine: Engine,
    zone: str | int,
    *,
    out: Path,
    measure: str = "revenue",
    res: int = DEFAULT_RES,
    offline: bool = False,
    marker_cap: int = MARKER_CAP,
) -> Report:
    """Write the report of a target zone (its id or its name).

    The zone's audience — the customers inside its outline matching its filters — is
    counted exactly (customers, prospects, revenue) and drawn as markers; the hexes are the
    cells of ``query_cube(engine, res=res, filters=<zone filters>)`` whose hexagon
    intersects the zone, and ``measure_total`` sums the measure over them.
    """
    measure = _check_measure(measure)
    _check_out(out)
    found = find_zone(engine, zone)
    zone_filters = found["filters"] or {}
    try:
        cells = cube.query_cube(engine, res=res, filters=zone_filters)
        with engine.connect() as conn:
            # the audience as the zones API counts and exports it
            params = zones.audience_filters(conn, zone_filters)
    except InvalidInput as exc:
        raise InvalidInput(f"zone {found['name']!r} has filters the cube refuses: {exc}") from exc
    built = cube.last_build(engine) or {}
    outline = shape(found["geometry"])
    hexes = _hex_features(engine, cells, measure, within=outline)
    inside = {f["properties"]["h3"] for f in hexes}
    audience = _customers(engine, params, zone_id=found["zone_id"], cap=marker_cap)
    legend = build_legend(measure, [f["properties"]["value"] for f in hexes])
    summary = {
        "report": f"Target zone {found['name']}",
        "zone": {
            "zone_id": found["zone_id"],
            "name": found["name"],
            "kind": found["kind"],
            "area_km2": round(found["area_km2"], 3),
        },
        "measure": measure,
        "measure_total": _measure_total(measure, [c for c in cells if c["h3"] in inside]),
        "hexagons": len(hexes),
        "resolution": res,
        "customers": audience["customers"],
        "prospects": audience["prospects"],
        "revenue": audience["revenue"],
        "filters": _shown_filters(params),
        "markers_shown": len(audience["rows"]),
        "markers_total": audience["matched"],
        "marker_cap": marker_cap,
        "generated_at": _now(),
        "data_as_of": built.get("built_at"),
    }
    minx, miny, maxx, maxy = outline.bounds
    fmap = _base_map(engine, offline, [[miny, minx], [maxy, maxx]])
    _add_hexes(fmap, hexes, legend, measure)
    folium.GeoJson(
        {
            "type": "Feature",
            "geometry": found["geometry"],
            "properties": {"name": html.escape(found["name"])},  # tooltips are HTML
        },
        name=f"Zone: {html.escape(found['name'])}",
        style_function=lambda _f: {"color": "#1a237e", "weight": 3, "fill": False},
        tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=["zone"]),
    ).add_to(fmap)
    _add_markers(fmap, audience["rows"])
    folium.LayerControl(collapsed=False).add_to(fmap)
    _add_panels(fmap, summary, legend)
    return _write(fmap, "zone", out, offline, summary, legend, res)


def find_zone(engine: Engine, zone: str | int) -> dict[str, Any]:
    """A target zone by id (when ``zone`` is a number and such an id exists) or by name."""
    key = str(zone).strip()
    if not key:
        raise InvalidInput("give a zone id or a zone name")
    with engine.connect() as conn:
        row = (
            conn.execute(
                query("reports/zone"),
                {"zone_id": int(key) if key.isdigit() else None, "name": key},
            )
            .mappings()
            .first()
        )
        if row is None:
            known = conn.execute(query("reports/zone_names")).all()
    if row is None:
        listed = ", ".join(f"{z.zone_id} {z.name!r}" for z in known) or "none saved yet"
        raise NotFound(f"no target zone has the id or name {key!r} (zones: {listed})")
    return dict(row)


# --------------------------------------------------------------------------- classes


def natural_breaks(
    values: Sequence[float], classes: int = CLASSES, *, sample: int = JENKS_SAMPLE
) -> list[float]:
    """Class bounds by natural breaks: ``[min, max of class 1, ..., max]``.

    Fisher's exact dynamic programme for Jenks' criterion (least total within-class sum of
    squared deviations over contiguous classes of the sorted values), on at most ``sample``
    evenly spaced order statistics. There are at most as many classes as distinct values;
    an empty input has no bounds.
    """
    x = np.sort(np.asarray([v for v in values if v is not None], dtype=float))
    if x.size == 0:
        return []
    if x.size > sample:
        x = x[np.linspace(0, x.size - 1, sample).round().astype(int)]
    k = min(classes, int(np.unique(x).size))
    if k <= 1:
        return [float(x[0]), float(x[-1])]
    n = x.size
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])

    def ssd(starts: np.ndarray, end: int) -> np.ndarray:
        """Sum of squared deviations of x[start:end] for every start."""
        count = end - starts
        total = s1[end] - s1[starts]
        return (s2[end] - s2[starts]) - total * total / count

    # cost[j]: least cost of x[:j] in m classes; cuts[m - 2][j]: where its last class starts
    cost = np.full(n + 1, np.inf)
    cost[1:] = (s2[1:] - s1[1:] ** 2 / np.arange(1, n + 1)).clip(min=0)
    cuts: list[np.ndarray] = []
    for m in range(2, k + 1):
        new = np.full(n + 1, np.inf)
        cut = np.zeros(n + 1, dtype=int)
        for end in range(m, n + 1):
            starts = np.arange(m - 1, end)
            total = cost[starts] + ssd(starts, end)
            best = int(np.argmin(total))
            new[end], cut[end] = total[best], starts[best]
        cost = new
        cuts.append(cut)
    ends = [n]  # the end (exclusive) of each class, last class first
    for cut in reversed(cuts):
        ends.append(int(cut[ends[-1]]))
    # the upper bound of each class is its largest value (a class of the minimum alone has
    # the minimum as its upper bound: breaks [0, 0, ...] is the class "exactly 0")
    return [float(x[0]), *sorted({float(x[end - 1]) for end in ends})]


def class_index(breaks: Sequence[float], value: float | None) -> int | None:
    """The class of ``value``: i with ``breaks[i] < value <= breaks[i + 1]`` (the first class
    includes ``breaks[0]``); None for no value or no classes."""
    if value is None or len(breaks) < 2:
        return None
    for i in range(len(breaks) - 1):
        if value <= breaks[i + 1]:
            return i
    return len(breaks) - 2


def build_legend(measure: str, values: Sequence[float | None]) -> Legend:
    """The legend of a choropleth of these values: natural breaks and their colours."""
    breaks = natural_breaks([v for v in values if v is not None])
    classes = max(len(breaks) - 1, 0)
    colors = list(PALETTES[classes]) if classes else []
    counts = [0] * classes
    no_data = 0
    for v in values:
        index = class_index(breaks, v)
        if index is None:
            no_data += 1
        else:
            counts[index] += 1
    return Legend(measure=measure, breaks=breaks, colors=colors, counts=counts, no_data=no_data)


# --------------------------------------------------------------------------- offline


def inline_assets(page: str, node_modules: Path = NODE_MODULES) -> str:
    """The page with every CDN ``<script src>`` and stylesheet ``<link>`` replaced by the
    content of the matching file of the project's npm packages (``CDN_ASSETS``).

    Images and fonts their CSS refers to become ``data:`` URIs; the icon stylesheets
    (awesome-markers, Font Awesome) are dropped when the page draws no icons, and so are
    glyphicons and folium's rotated-icon CSS, which have no npm package. Source map comments
    go. An external asset not in ``CDN_ASSETS`` is an error.
    """
    _ensure_frontend_packages(node_modules)
    uses_icons = bool(re.search(r"AwesomeMarkers\.icon\(|class=[\"'][^\"']*\bfa-", page))

    def asset(url: str) -> Path | None:
        if url not in CDN_ASSETS:
            raise SetupError(
                f"the report references {url}, which has no local copy among the project's "
                "npm packages (geocrm.reports.CDN_ASSETS)"
            )
        relative = CDN_ASSETS[url]
        if relative is None or (relative in _ICON_ASSETS and not uses_icons):
            return None
        return node_modules / relative

    def script(match: re.Match[str]) -> str:
        path = asset(match.group(1))
        if path is None:
            return ""
        code = _strip_source_map(path.read_text(encoding="utf-8"))
        code = re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)
        return f"<script>/* {path.relative_to(node_modules)} */\n{code}\n</script>"

    def stylesheet(match: re.Match[str]) -> str:
        path = asset(match.group(1))
        if path is None:
            return ""
        css = _inline_css_urls(_strip_source_map(path.read_text(encoding="utf-8")), path.parent)
        return f"<style>/* {path.relative_to(node_modules)} */\n{css}\n</style>"

    page = re.sub(r'<script src="(https?://[^"]+)"></script>', script, page)
    return re.sub(r'<link rel="stylesheet" href="(https?://[^"]+)"\s*/?>', stylesheet, page)


#: How a page would fetch something from the internet: a script, stylesheet, image, font,
#: frame or media source, a CSS url() or @import, or a tile URL template.
_EXTERNAL = (
    re.compile(
        r"<(?!a\s)[a-z][a-z0-9-]*\s[^<>]*?\b(?:src|href|srcset|poster|data)\s*=\s*[\"']?\s*"
        r"(?:https?:)?//",
        re.IGNORECASE,
    ),
    re.compile(r"url\(\s*[\"']?\s*(?:https?:)?//", re.IGNORECASE),
    re.compile(r"@import\s+(?:url\(\s*)?[\"']?\s*(?:https?:)?//", re.IGNORECASE),
    re.compile(r"https?://[^\s\"'<>]*\{z\}", re.IGNORECASE),
)


def external_references(page: str) -> list[str]:
    """Every place the page would load a script, stylesheet, image, font or tile from the
    internet (links in text, ``<a href>``, are not loads)."""
    found = []
    for pattern in _EXTERNAL:
        for match in pattern.finditer(page):
            found.append(page[match.start() : match.end() + 60])
    return found


# --------------------------------------------------------------------------- private


def _check_measure(measure: str) -> str:
    return str(vocabulary.measure(str(measure)))


def _label(measure: str) -> str:
    return measure.replace("_", " ").capitalize()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _measure_total(measure: str, cells: Sequence[Mapping[str, Any]]) -> float | None:
    """The measure summed over cells; None for ratio measures (they do not add up)."""
    if measure not in vocabulary.ADDITIVE:
        return None
    return round(sum(c[measure] for c in cells), 2)


def _shown_filters(params: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {name: list(values) for name, values in params.items() if values is not None}


def _customers(
    engine: Engine, params: Mapping[str, Any], *, zone_id: int | None, cap: int
) -> dict[str, Any]:
    """The customers to draw (at most ``cap``) and the totals of all that match."""
    with engine.connect() as conn:
        # at least one row, to read the totals from
        rows = (
            conn.execute(
                query("reports/customers"),
                {
                    "filter": vocabulary.filter_document(params),
                    "zone_id": zone_id,
                    "cap": max(cap, 1),
                },
            )
            .mappings()
            .all()
        )
    first = rows[0] if rows else None
    return {
        "rows": [r for r in rows[: max(cap, 0)] if r["lat"] is not None],
        "matched": int(first["matched"]) if first else 0,
        "customers": int(first["customers"]) if first else 0,
        "prospects": int(first["prospects"]) if first else 0,
        "revenue": float(first["revenue"]) if first else 0.0,
    }


def _hex_features(
    engine: Engine,
    cells: list[dict[str, Any]],
    measure: str,
    *,
    within: shapely.Geometry | None = None,
) -> list[dict[str, Any]]:
    """Hexagon features with the properties a report shows (coordinates to ~0.1 m); with
    ``within``, only the hexagons that intersect it."""
    collection = cube.cells_geojson(engine, cells)
    if within is not None:
        shapely.prepare(within)
    features = []
    for cell, feature in zip(cells, collection["features"], strict=True):
        if within is not None and not within.intersects(shape(feature["geometry"])):
            continue
        value = cell[measure]
        features.append(
            {
                "type": "Feature",
                "id": cell["h3"],
                "geometry": _round_geometry(feature["geometry"]),
                "properties": {
                    "h3": cell["h3"],
                    "value": value,
                    "label": _format(value, measure),
                    "customers": cell["customers"],
                    "prospects": cell["prospects"],
                    "revenue": _format(cell["revenue"], "revenue"),
                },
            }
        )
    return features


def _round_geometry(geometry: dict[str, Any], digits: int = 6) -> dict[str, Any]:
    def rounded(coords: Any) -> Any:
        if coords and isinstance(coords[0], int | float):
            return [round(c, digits) for c in coords]
        return [rounded(c) for c in coords]

    return {"type": geometry["type"], "coordinates": rounded(geometry["coordinates"])}


def _format(value: float | None, measure: str) -> str:
    """A value as the report shows it."""
    if value is None:
        return "no data"
    if measure in vocabulary.INTEGER_MEASURES:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.3g}" if abs(value) < 1 else f"{value:,.2f}"


def _bounds(features: Sequence[Mapping[str, Any]]) -> list[list[float]] | None:
    if not features:
        return None
    minx, miny, maxx, maxy = shapely.total_bounds([shape(f["geometry"]) for f in features])
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def _base_map(engine: Engine, offline: bool, bounds: list[list[float]] | None) -> folium.Map:
    """The map: OpenStreetMap tiles online; offline no tiles, a plain background and the
    drive network of the loaded city as light lines."""
    fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=False)
    # Leaflet.markercluster needs the map's own maxZoom when no tile layer gives one
    fmap.options["max_zoom"] = MAX_ZOOM
    if bounds is None:
        with engine.connect() as conn:
            bounds = _city_bounds(conn)
    if offline:
        fmap.get_root().header.add_child(
            folium.Element("<style>.folium-map.leaflet-container { background: #f2f1ed; }</style>")
        )
        _add_roads(engine, fmap, bounds)
    else:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(fmap)
    fmap.fit_bounds(bounds)
    return fmap


def _city_bounds(conn: Any) -> list[list[float]]:
    from geocrm.db import loaded_city

    extent = shapely.from_wkb(bytes(loaded_city(conn).extent))
    minx, miny, maxx, maxy = extent.bounds
    return [[miny, minx], [maxy, maxx]]


_ROAD_WEIGHTS = {"motorway": 3, "trunk": 3, "primary": 2.5, "secondary": 2, "tertiary": 1.5}


def _add_roads(engine: Engine, fmap: folium.Map, bounds: list[list[float]]) -> None:
    (south, west), (north, east) = bounds
    pad = 0.01
    with engine.connect() as conn:
        rows = conn.execute(
            query("reports/roads"),
            {"west": west - pad, "south": south - pad, "east": east + pad, "north": north + pad},
        ).mappings()
        features = [
            {
                "type": "Feature",
                "geometry": r["geometry"],
                "properties": {"highway": r["highway"], "edges": r["edges"]},
            }
            for r in rows
        ]
    if not features:
        return
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="Streets (drive network)",
        style_function=lambda f: {
            "color": "#9e9a92",
            "weight": _ROAD_WEIGHTS.get(f["properties"]["highway"].removesuffix("_link"), 1),
            "opacity": 0.8,
        },
        interactive=False,
    ).add_to(fmap)


def _add_hexes(fmap: folium.Map, hexes: list[dict[str, Any]], legend: Legend, measure: str) -> None:
    if not hexes:
        return
    folium.GeoJson(
        {"type": "FeatureCollection", "features": hexes},
        name=f"Hexagons: {_label(measure)}",
        style_function=lambda f: {
            "fillColor": legend.color_of(f["properties"]["value"]),
            "fillOpacity": 0.7 if f["properties"]["value"] is not None else 0.35,
            "color": "#636363",
            "weight": 0.5,
        },
        highlight_function=lambda _f: {"weight": 2, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["h3", "label", "customers", "prospects", "revenue"],
            aliases=["hexagon", _label(measure), "customers", "prospects", "revenue"],
        ),
    ).add_to(fmap)


_MARKER_CALLBACK = """function (row) {
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {
        radius: 6, color: '#263238', weight: 1, fillColor: row[3], fillOpacity: 0.9
    });
    marker.bindPopup(row[2]);
    return marker;
}"""


def _add_markers(fmap: folium.Map, rows: Sequence[Mapping[str, Any]]) -> None:
    """Customers as circle markers in a marker cluster, each with a popup."""
    data = [
        [
            round(float(r["lat"]), 6),
            round(float(r["lon"]), 6),
            f"<b>{html.escape(r['name'])}</b><br>stage: {html.escape(r['stage'])}"
            f"<br>revenue: {_format(float(r['annual_revenue']), 'revenue')}",
            STAGE_COLORS.get(r["stage"], "#9e9e9e"),
        ]
        for r in rows
    ]
    FastMarkerCluster(data, callback=_MARKER_CALLBACK, name=f"Customers ({len(data):,})").add_to(
        fmap
    )


def _add_panels(fmap: folium.Map, summary: Mapping[str, Any], legend: Legend) -> None:
    """The summary table (bottom left), the legend (bottom right) and the report's data as
    JSON (``<script type="application/json" id="geocrm-report">``)."""
    fmap.get_root().header.add_child(folium.Element(_PANEL_CSS))
    fmap.get_root().html.add_child(folium.Element(_summary_html(summary)))
    fmap.get_root().html.add_child(folium.Element(_legend_html(legend, summary)))
    payload = json.dumps({"summary": summary, "legend": legend.as_dict()}, default=str)
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    fmap.get_root().html.add_child(
        folium.Element(f'<script type="application/json" id="geocrm-report">{payload}</script>')
    )


_PANEL_CSS = """<style>
.geocrm-panel { position: fixed; z-index: 1000; background: rgba(255,255,255,0.94);
  padding: 8px 10px; border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,0.4);
  font: 12px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.geocrm-panel h2 { font-size: 14px; margin: 0 0 6px; font-weight: 600; }
.geocrm-panel table { border-collapse: collapse; }
.geocrm-panel th { text-align: left; font-weight: 600; padding: 1px 8px 1px 0;
  vertical-align: top; white-space: nowrap; }
.geocrm-panel td { padding: 1px 0; }
.geocrm-panel td.num { text-align: right; font-variant-numeric: tabular-nums; }
#geocrm-summary { left: 10px; bottom: 60px; max-width: 360px; max-height: 55vh;
  overflow: auto; }
#geocrm-legend { right: 10px; bottom: 30px; }
#geocrm-legend i { display: inline-block; width: 18px; height: 12px; margin-right: 6px;
  vertical-align: middle; border: 1px solid #777; }
.geocrm-note { color: #b71c1c; }
</style>"""


def _summary_html(summary: Mapping[str, Any]) -> str:
    esc = html.escape
    rows: list[tuple[str, str]] = []
    zone = summary.get("zone")
    if zone:
        rows.append(("zone", f"{esc(zone['name'])} (#{zone['zone_id']}, {esc(zone['kind'])})"))
        rows.append(("zone area", f"{zone['area_km2']:,.3f} km²"))
    measure = summary["measure"]
    if summary["measure_total"] is not None:
        where = "hexagons intersecting the zone" if zone else "all hexagons"
        rows.append(
            (f"{_label(measure)} total", f"{_format(summary['measure_total'], measure)} ({where})")
        )
    rows.append(("hexagons", f"{summary['hexagons']:,} at H3 resolution {summary['resolution']}"))
    who = " in the zone" if zone else ""
    rows.append((f"customers{who}", f"{summary['customers']:,}"))
    rows.append((f"prospects{who}", f"{summary['prospects']:,}"))
    rows.append((f"revenue{who}", _format(summary["revenue"], "revenue")))
    shown = summary["filters"]
    filters = "; ".join(f"{k} = {', '.join(map(str, v))}" for k, v in shown.items()) or "none"
    rows.append(("filters", esc(filters)))
    markers = f"{summary['markers_shown']:,} of {summary['markers_total']:,}"
    if summary["markers_shown"] < summary["markers_total"]:
        markers += (
            f' <span class="geocrm-note">capped: only the {summary["marker_cap"]:,} with the '
            "highest revenue are drawn</span>"
        )
    rows.append(("markers", markers))
    rows.append(("generated", esc(summary["generated_at"])))
    rows.append(("data as of", esc(str(summary["data_as_of"] or "unknown")) + " (cube build)"))
    body = "".join(f'<tr data-key="{esc(k)}"><th>{esc(k)}</th><td>{v}</td></tr>' for k, v in rows)
    return (
        f'<div id="geocrm-summary" class="geocrm-panel"><h2>{esc(summary["report"])}</h2>'
        f"<table>{body}</table></div>"
    )


def _legend_html(legend: Legend, summary: Mapping[str, Any]) -> str:
    measure = legend.measure
    rows = []
    for i, color in enumerate(legend.colors):
        lower, upper = legend.breaks[i], legend.breaks[i + 1]
        if i == 0 and lower == upper:
            bounds = _format(lower, measure)
        else:
            prefix = "" if i == 0 else "&gt; "
            bounds = f"{prefix}{_format(lower, measure)} &ndash; {_format(upper, measure)}"
        rows.append(
            f'<div class="geocrm-class" data-lower="{lower!r}" data-upper="{upper!r}" '
            f'data-color="{color}"><i style="background:{color}"></i>{bounds}'
            f" <small>({legend.counts[i]})</small></div>"
        )
    if legend.no_data:
        rows.append(
            f'<div class="geocrm-no-data" data-color="{NO_DATA_COLOR}">'
            f'<i style="background:{NO_DATA_COLOR}"></i>no data '
            f"<small>({legend.no_data})</small></div>"
        )
    if not rows:
        rows.append("<div>no hexagons</div>")
    stages = "".join(
        f'<div><i style="background:{c};border-radius:50%;width:12px"></i>{s}</div>'
        for s, c in STAGE_COLORS.items()
    )
    return (
        f'<div id="geocrm-legend" class="geocrm-panel"><h2>{html.escape(_label(measure))}</h2>'
        f"{''.join(rows)}<div><small>{html.escape(legend.scheme)}</small></div>"
        f'<h2 style="margin-top:6px">Customers by stage</h2>{stages}</div>'
    )


def _write(
    fmap: folium.Map,
    kind: str,
    out: Path,
    offline: bool,
    summary: dict[str, Any],
    legend: Legend,
    res: int,
) -> Report:
    page = fmap.get_root().render()
    if offline:
        page = inline_assets(page)
        leaks = external_references(page)
        if leaks:
            raise SetupError(
                "the offline report still references the internet: " + "; ".join(leaks[:5])
            )
    out = _check_out(out)
    out.write_text(page, encoding="utf-8")
    return Report(
        kind=kind,
        path=out,
        offline=offline,
        measure=summary["measure"],
        res=res,
        hexes=summary["hexagons"],
        markers_shown=summary["markers_shown"],
        markers_total=summary["markers_total"],
        summary=summary,
        legend=legend,
    )


def _check_out(out: Path | str) -> Path:
    out = Path(out)
    if not out.parent.is_dir():
        raise InvalidInput(f"cannot write {out}: directory {out.parent} does not exist")
    return out


def _strip_source_map(text: str) -> str:
    return re.sub(r"(?://[#@]|/\*[#@])\s*sourceMappingURL=[^\s*]+(?:\s*\*/)?", "", text)


def _inline_css_urls(css: str, base: Path) -> str:
    """Relative ``url(...)`` of a stylesheet as ``data:`` URIs of the files they name."""

    def replace(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if target.startswith(("data:", "#")) or re.match(r"^[a-z]+:", target):
            return match.group(0)
        path = (base / target.split("?")[0].split("#")[0]).resolve()
        if not path.is_file():
            raise SetupError(f"{base}: the stylesheet needs {target}, which is missing")
        mime = mimetypes.guess_type(path.name)[0] or _FONT_TYPES.get(path.suffix, "")
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'url("data:{mime};base64,{encoded}")'

    return re.sub(r"url\(\s*([\"']?)([^\"')]+)\1\s*\)", replace, css)


_FONT_TYPES = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf"}


def _ensure_frontend_packages(node_modules: Path) -> None:
    """The npm packages the offline reports inline; ``npm ci`` them when missing."""
    needed = [node_modules / p for p in CDN_ASSETS.values() if p is not None]
    if all(p.is_file() for p in needed):
        return
    frontend = node_modules.parent
    npm = shutil.which("npm")
    if npm is not None and (frontend / "package-lock.json").is_file():
        print(
            f"geocrm: installing the frontend's npm packages (npm ci --prefix {frontend})",
            file=sys.stderr,
        )
        try:
            done = subprocess.run(
                [npm, "ci", "--prefix", str(frontend), "--no-audit", "--no-fund"],
                capture_output=True,
                text=True,
                check=False,
                timeout=600,  # an unreachable registry must not hang the report
            )
        except subprocess.TimeoutExpired:
            done = None
        if done is not None and done.returncode == 0 and all(p.is_file() for p in needed):
            return
    missing = ", ".join(str(p.relative_to(node_modules)) for p in needed if not p.is_file())
    raise SetupError(
        f"offline reports inline the frontend's npm packages, and {missing} is missing from "
        f"{node_modules}: run the frontend install, `npm ci --prefix {frontend}`"
    )
