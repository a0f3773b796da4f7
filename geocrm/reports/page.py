"""The folium map of a report: base map, hexes, markers, panels, and the written file."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import shapely
from folium.plugins import FastMarkerCluster
from sqlalchemy import Connection, Engine

from geocrm.db import loaded_city, query
from geocrm.errors import InvalidInput, SetupError
from geocrm.formats import format_number
from geocrm.reports.assets import external_references, inline_assets
from geocrm.reports.legend import FILL_OPACITY, Legend
from geocrm.reports.panels import PANEL_CSS, STAGE_COLORS, legend_html, summary_html
from geocrm.reports.summary import format_value, measure_heading, measure_label

#: Deepest zoom of a report's map (OpenStreetMap's tiles go to 19).
MAX_ZOOM = 19


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
        """The written file's size."""
        return self.path.stat().st_size

    @property
    def capped(self) -> bool:
        """Whether fewer customers are drawn than match."""
        return self.markers_shown < self.markers_total


def base_map(engine: Engine, offline: bool, bounds: list[list[float]] | None) -> folium.Map:
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


def _city_bounds(conn: Connection) -> list[list[float]]:
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


def add_hexes(fmap: folium.Map, hexes: list[dict[str, Any]], legend: Legend, measure: str) -> None:
    """The hexes as a choropleth layer in the legend's colours, with tooltips."""
    if not hexes:
        return
    folium.GeoJson(
        {"type": "FeatureCollection", "features": hexes},
        name=f"Hexagons: {measure_heading(measure)}",
        style_function=lambda f: {
            "fillColor": legend.color_of(f["properties"]["value"]),
            "fillOpacity": FILL_OPACITY,
            "color": "#636363",
            "weight": 0.5,
        },
        highlight_function=lambda _f: {"weight": 2, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["h3", "label", "customers", "prospects", "revenue"],
            aliases=["hexagon", measure_label(measure), "customers", "prospects", "revenue"],
        ),
    ).add_to(fmap)


_MARKER_CALLBACK = """function (row) {
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {
        radius: 6, color: '#263238', weight: 1, fillColor: row[3], fillOpacity: 0.9
    });
    marker.bindPopup(row[2]);
    return marker;
}"""


def add_markers(fmap: folium.Map, rows: Sequence[Mapping[str, Any]]) -> None:
    """Customers as circle markers in a marker cluster, each with a popup."""
    data = [
        [
            round(float(r["lat"]), 6),
            round(float(r["lon"]), 6),
            f"<b>{html.escape(r['name'])}</b><br>stage: {html.escape(r['stage'])}"
            f"<br>revenue: {format_value(float(r['annual_revenue']), 'revenue')}",
            STAGE_COLORS.get(r["stage"], "#9e9e9e"),
        ]
        for r in rows
    ]
    name = f"Customers ({format_number(len(data))})"
    FastMarkerCluster(data, callback=_MARKER_CALLBACK, name=name).add_to(fmap)


def add_panels(fmap: folium.Map, summary: Mapping[str, Any], legend: Legend) -> None:
    """The summary table (bottom left), the legend (bottom right) and the report's data as
    JSON (``<script type="application/json" id="geocrm-report">``)."""
    fmap.get_root().header.add_child(folium.Element(PANEL_CSS))
    fmap.get_root().html.add_child(folium.Element(summary_html(summary)))
    fmap.get_root().html.add_child(folium.Element(legend_html(legend, summary)))
    payload = json.dumps({"summary": summary, "legend": legend.as_dict()}, default=str)
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    fmap.get_root().html.add_child(
        folium.Element(f'<script type="application/json" id="geocrm-report">{payload}</script>')
    )


def write_report(
    fmap: folium.Map,
    kind: str,
    out: Path,
    offline: bool,
    summary: dict[str, Any],
    legend: Legend,
    res: int,
) -> Report:
    """Render the map to ``out`` (inlined and checked when ``offline``) and describe it."""
    page = fmap.get_root().render()
    if offline:
        page = inline_assets(page)
        leaks = external_references(page)
        if leaks:
            raise SetupError(
                "the offline report still references the internet: " + "; ".join(leaks[:5])
            )
    out = check_out(out)
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


def check_out(out: Path | str) -> Path:
    """``out`` as a path whose directory exists."""
    out = Path(out)
    if not out.parent.is_dir():
        raise InvalidInput(f"cannot write {out}: directory {out.parent} does not exist")
    return out
