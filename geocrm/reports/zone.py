"""The zone report: a saved target zone, its audience and the hexes it touches."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
from shapely.geometry import shape
from sqlalchemy import Engine

from geocrm import cube, zones
from geocrm.db import query
from geocrm.errors import InvalidInput, NotFound
from geocrm.identifiers import INT32_MAX, is_id_text
from geocrm.reports.legend import build_legend
from geocrm.reports.page import (
    Report,
    add_hexes,
    add_markers,
    add_panels,
    base_map,
    check_out,
    write_report,
)
from geocrm.reports.summary import (
    DEFAULT_RES,
    MARKER_CAP,
    check_measure,
    hex_features,
    matching_customers,
    measure_total,
    shown_filters,
    utc_now,
)


def zone_report(
    engine: Engine,
    zone: str | int,
    *,
    out: Path,
    measure: str = "revenue",
    res: int = DEFAULT_RES,
    offline: bool = False,
    marker_cap: int = MARKER_CAP,
    filters: Mapping[str, Any] | None = None,
    classes: Sequence[float] | str | None = None,
) -> Report:
    """Write the report of a target zone (its id or its name); ``classes`` as for
    :func:`~geocrm.reports.heatmap_report`.

    ``filters`` override the zone's saved filters, each the same dimension (as the query
    string of ``GET /api/zones/{id}/audience.csv`` does); a zone takes no month.
    The zone's audience — the customers inside its outline matching its filters — is
    counted exactly (customers, prospects, revenue) and drawn as markers; the hexes are the
    cells of ``query_cube(engine, res=res, filters=<zone filters>)`` whose hexagon
    intersects the zone, and ``measure_total`` sums the measure over them.
    """
    measure = check_measure(measure)
    check_out(out)
    found = find_zone(engine, zone)
    zone_filters = {**(found["filters"] or {}), **(filters or {})}
    try:
        cells = cube.query_cube(engine, res=res, filters=zone_filters)
        with engine.connect() as conn:
            # the audience as the zones API counts and exports it
            params = zones.audience_filters(conn, zone_filters)
    except InvalidInput as exc:
        raise InvalidInput(f"zone {found['name']!r} has filters the cube refuses: {exc}") from exc
    built = cube.last_build(engine) or {}
    outline = shape(found["geometry"])
    hexes = hex_features(engine, cells, measure, within=outline)
    inside = {f["properties"]["h3"] for f in hexes}
    audience = matching_customers(engine, params, zone_id=found["zone_id"], cap=marker_cap)
    legend = build_legend(measure, [f["properties"]["value"] for f in hexes], classes)
    summary = {
        "report": f"Target zone {found['name']}",
        "zone": {
            "zone_id": found["zone_id"],
            "name": found["name"],
            "kind": found["kind"],
            "area_km2": round(found["area_km2"], 3),
        },
        "measure": measure,
        "measure_total": measure_total(measure, [c for c in cells if c["h3"] in inside]),
        "hexagons": len(hexes),
        "resolution": res,
        "customers": audience["customers"],
        "prospects": audience["prospects"],
        "revenue": audience["revenue"],
        "filters": shown_filters(params),
        "markers_shown": len(audience["rows"]),
        "markers_total": audience["matched"],
        "marker_cap": marker_cap,
        "generated_at": utc_now(),
        "data_as_of": built.get("built_at"),
    }
    minx, miny, maxx, maxy = outline.bounds
    fmap = base_map(engine, offline, [[miny, minx], [maxy, maxx]])
    add_hexes(fmap, hexes, legend, measure)
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
    add_markers(fmap, audience["rows"])
    folium.LayerControl(collapsed=False).add_to(fmap)
    add_panels(fmap, summary, legend)
    return write_report(fmap, "zone", out, offline, summary, legend, res)


def find_zone(engine: Engine, zone: str | int) -> dict[str, Any]:
    """A target zone by id (when ``zone`` is a number and such an id exists) or by name."""
    key = str(zone).strip()
    if not key:
        raise InvalidInput("give a zone id or a zone name")
    with engine.connect() as conn:
        row = (
            conn.execute(
                query("reports/zone"),
                {
                    "zone_id": int(key) if is_id_text(key) and int(key) <= INT32_MAX else None,
                    "name": key,
                },
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
