"""A saved zone's audience month by month: for each month of activity, the customers in
the zone active that month (each month its own question, never added up), under the
zone's saved filters (query-string filters override them, as for its count and export)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine

from geocrm.cube.compare import series_months
from geocrm.errors import InvalidInput
from geocrm.vocabulary import MONTH
from geocrm.zones.audience import count, saved_filters, zone_params
from geocrm.zones.saved import zone_row

#: What a zone's series can show: its audience counts.
ZONE_MEASURES = ("customers", "prospects", "total", "revenue")


def zone_series(
    engine: Engine,
    zone: int | str,
    *,
    measure: str | None = None,
    first: str | None = None,
    last: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``zone_id``, ``name``, the ``filters`` applied, ``measure`` and ``points``: one
    ``{month, value}`` per month ``first``..``last`` (default: the cube's months, at most
    the last 24), each the zone's audience count of the customers active that month
    (``crm.audience_counts``: the k-rule applies as to the zone's count)."""
    measure = measure or "customers"
    if measure not in ZONE_MEASURES:
        raise InvalidInput(
            f"unknown measure {measure!r} for a zone; measures: {', '.join(ZONE_MEASURES)}"
        )
    with engine.connect() as conn:
        row = zone_row(conn, zone)
        params = zone_params(conn, row, overrides)
        months = series_months(conn, first, last)
        points = []
        for month in months:
            counts = count(conn, bytes(row["wkb"]), {**params, MONTH: f"{month}-01"})
            point: dict[str, Any] = {"month": month, "value": counts[measure]}
            if "suppressed_cells" in counts:
                point["suppressed_cells"] = counts["suppressed_cells"]
            points.append(point)
    return {
        "zone_id": row["zone_id"],
        "name": row["name"],
        "filters": saved_filters(params),
        "measure": measure,
        "points": points,
    }
