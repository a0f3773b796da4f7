"""The heatmap report: a hex choropleth of one cube measure under any cube filters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
from sqlalchemy import Engine

from geocrm import cube
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
    features_bounds,
    hex_features,
    matching_customers,
    measure_label,
    measure_total,
    shown_filters,
    utc_now,
)


def heatmap_report(
    engine: Engine,
    *,
    measure: str,
    out: Path,
    filters: Mapping[str, Any] | None = None,
    res: int = DEFAULT_RES,
    offline: bool = False,
    marker_cap: int = MARKER_CAP,
    classes: Sequence[float] | str | None = None,
) -> Report:
    """Write a hex heatmap of ``measure`` for the customers matching ``filters``, its
    classes as the app's (``classes``: None for quantiles, thresholds, or ``"natural"``).

    The hexes are exactly the cells ``query_cube(engine, res=res, filters=filters)``
    returns; customers, prospects and revenue in the summary are their sums.
    """
    measure = check_measure(measure)
    check_out(out)
    cells = cube.query_cube(engine, res=res, filters=filters)
    with engine.connect() as conn:
        params = cube.validate_filters(conn, filters)
    built = cube.last_build(engine) or {}
    markers = matching_customers(engine, params, zone_id=None, cap=marker_cap)
    hexes = hex_features(engine, cells, measure)
    legend = build_legend(measure, [f["properties"]["value"] for f in hexes], classes)
    summary = {
        "report": f"{measure_label(measure)} by hexagon",
        "measure": measure,
        "measure_total": measure_total(measure, cells),
        "hexagons": len(hexes),
        "resolution": res,
        "customers": sum(c["customers"] for c in cells),
        "prospects": sum(c["prospects"] for c in cells),
        "revenue": round(sum(c["revenue"] for c in cells), 2),
        "filters": shown_filters(params),
        "markers_shown": len(markers["rows"]),
        "markers_total": markers["matched"],
        "marker_cap": marker_cap,
        "generated_at": utc_now(),
        "data_as_of": built.get("built_at"),
    }
    fmap = base_map(engine, offline, features_bounds(hexes))
    add_hexes(fmap, hexes, legend, measure)
    add_markers(fmap, markers["rows"])
    folium.LayerControl(collapsed=False).add_to(fmap)
    add_panels(fmap, summary, legend)
    return write_report(fmap, "heatmap", out, offline, summary, legend, res)
