"""A planned day as a client takes it: GeoJSON (the route, the base, the stops) or CSV."""

from __future__ import annotations

import io
from typing import Any

from geocrm import csvsafe

#: Columns of the CSV export, one row per scheduled stop.
CSV_COLUMNS = (
    "order",
    "customer_id",
    "name",
    "address",
    "lon",
    "lat",
    "arrival",
    "departure",
    "leg_minutes",
    "leg_metres",
)


def plan_geojson(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan as a GeoJSON FeatureCollection: the route line (if any), the base and one
    Point per stop; ``totals``, ``baseline`` and ``unscheduled`` at the top level."""
    features: list[dict] = []
    if plan["geometry"] is not None:
        features.append(
            {
                "type": "Feature",
                "geometry": plan["geometry"],
                "properties": {"kind": "route", "mode": plan["mode"], **plan["totals"]},
            }
        )
    features.append(
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [plan["start"]["lon"], plan["start"]["lat"]],
            },
            "properties": {"kind": "base", "order": 0, "departure": plan["start"]["departure"]},
        }
    )
    for stop in plan["stops"]:
        props = {k: v for k, v in stop.items() if k not in ("lon", "lat")}
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [stop["lon"], stop["lat"]]},
                "properties": {"kind": "stop", **props},
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "rep": plan["rep"],
        "date": plan["date"],
        "mode": plan["mode"],
        "totals": plan["totals"],
        "baseline": plan["baseline"],
        "unscheduled": plan["unscheduled"],
        "return": plan["return"],
        "solver": plan["solver"],
    }


def plan_csv(plan: dict[str, Any]) -> str:
    """The scheduled stops as CSV (:data:`CSV_COLUMNS`), one row a stop, in order."""
    out = io.StringIO()
    writer = csvsafe.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(plan["stops"])
    return out.getvalue()
