"""The figures of a report: the hexes, the customers drawn, totals and how values read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import shapely
from shapely.geometry import shape
from sqlalchemy import Engine

from geocrm import cube, formats, vocabulary
from geocrm.db import query

#: Default H3 resolution of the hexes (~0.1 km² each).
DEFAULT_RES = 9
#: Most customers drawn as markers in one report.
MARKER_CAP = 5000


def check_measure(measure: str) -> str:
    """``measure`` when it is a cube measure; InvalidInput otherwise."""
    return str(vocabulary.measure(str(measure)))


def measure_label(measure: str) -> str:
    """A measure's label as the app shows it (``revenue`` -> ``Annual revenue``)."""
    known = {m.name: m.label for m in vocabulary.MEASURE_LIST}
    return known.get(measure, measure.replace("_", " ").capitalize())


def measure_heading(measure: str) -> str:
    """A measure's label with its unit, as the app's legend heads it: ``Annual revenue (€)``;
    a unit that only repeats the label is the label (``Customers``)."""
    name, unit = measure_label(measure), formats.unit_text(measure)
    if not unit:
        return name
    if unit.lower().startswith(name.lower()):  # "Customers", "Households (estimated)"
        return name + unit[len(name) :]
    return f"{name} ({unit})"


def utc_now() -> str:
    """Now, in UTC, to the second (ISO 8601)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def measure_total(measure: str, cells: Sequence[Mapping[str, Any]]) -> float | None:
    """The measure summed over cells; None for ratio measures (they do not add up)."""
    if measure not in vocabulary.ADDITIVE:
        return None
    return round(sum(c[measure] for c in cells), 2)


def shown_filters(params: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The filters that restrict something, as lists (for the summary)."""
    return {
        # the month is one value (YYYY-MM-01), the dimensions lists
        name: [values] if isinstance(values, str) else list(values)
        for name, values in params.items()
        if values is not None
    }


def matching_customers(
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


def hex_features(
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
                    "label": format_value(value, measure),
                    "customers": cell["customers"],
                    "prospects": cell["prospects"],
                    "revenue": format_value(cell["revenue"], "revenue"),
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


def format_value(value: float | None, measure: str) -> str:
    """A value as the report shows it: as the app does (GEOCRM_LOCALE, GEOCRM_CURRENCY)."""
    if value is None:
        return "no data"
    return formats.format_value(measure, value)


def features_bounds(features: Sequence[Mapping[str, Any]]) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` of GeoJSON features; None when there are none."""
    if not features:
        return None
    minx, miny, maxx, maxy = shapely.total_bounds([shape(f["geometry"]) for f in features])
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]
