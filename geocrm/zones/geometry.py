"""A target zone's area: a GeoJSON Polygon or MultiPolygon in WGS84, checked and repaired."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon

from geocrm.errors import InvalidInput

#: Most vertices (positions, over all rings) of a zone.
MAX_VERTICES = 10_000


def check_position(value: Any, where: str) -> tuple[float, float]:
    """A GeoJSON position checked: 2 or 3 finite numbers, lon/lat within range."""
    if not isinstance(value, list | tuple) or not 2 <= len(value) <= 3:
        raise InvalidInput(f"{where} must be a position [lon, lat], got {value!r}")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        raise InvalidInput(f"{where} must hold numbers, got {value!r}")
    try:
        lon, lat = float(value[0]), float(value[1])
    except OverflowError:
        raise InvalidInput(f"{where} holds a number too large for a coordinate") from None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidInput(f"{where} must hold finite numbers, got {value!r}")
    if not -180 <= lon <= 180:
        raise InvalidInput(f"{where}: longitude {lon} is outside -180..180")
    if not -90 <= lat <= 90:
        hint = " (did you swap longitude and latitude?)" if -90 <= lon <= 90 else ""
        raise InvalidInput(f"{where}: latitude {lat} is outside -90..90{hint}")
    return lon, lat


def _ring(value: Any, where: str) -> list[tuple[float, float]]:
    if not isinstance(value, list | tuple):
        raise InvalidInput(f"{where} must be a list of positions")
    if len(value) < 4:
        raise InvalidInput(
            f"{where} has {len(value)} position(s): a linear ring needs at least 4 "
            "(the first repeated as the last)"
        )
    ring = [check_position(p, f"{where}, position {i}") for i, p in enumerate(value)]
    if ring[0] != ring[-1]:
        raise InvalidInput(
            f"{where} is not closed: its last position {list(ring[-1])} must repeat its "
            f"first {list(ring[0])}"
        )
    return ring


def _polygon(value: Any, where: str) -> list[list[tuple[float, float]]]:
    if not isinstance(value, list | tuple) or not value:
        raise InvalidInput(f"{where} must be a non-empty list of linear rings")
    return [_ring(r, f"{where}, ring {i}") for i, r in enumerate(value)]


def parse_geometry(geometry: Mapping[str, Any] | None) -> MultiPolygon:
    """A zone's area from a GeoJSON geometry, checked and repaired.

    Accepts a ``Polygon`` or ``MultiPolygon`` in WGS84: positions within -180..180 /
    -90..90, rings closed with at least 4 positions, at most :data:`MAX_VERTICES`
    positions in all. An invalid polygon (e.g. self-intersecting, or overlapping parts) is
    repaired with GEOS MakeValid (the algorithm of PostGIS's ``ST_MakeValid``) when that
    yields an area; otherwise, and for an area of zero, ``InvalidInput`` says why.
    """
    if not isinstance(geometry, Mapping):
        raise InvalidInput("geometry must be a GeoJSON object: a Polygon or a MultiPolygon")
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise InvalidInput(f"geometry type must be Polygon or MultiPolygon, not {kind!r}")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list | tuple) or not coordinates:
        raise InvalidInput(f"a {kind} needs non-empty coordinates")
    count = _count_positions(coordinates, 3 if kind == "MultiPolygon" else 2)
    if count > MAX_VERTICES:
        raise InvalidInput(
            f"geometry has {count} vertices, more than the {MAX_VERTICES} a zone may have: "
            "simplify it"
        )
    if kind == "Polygon":
        parts = [_polygon(coordinates, "polygon")]
    else:
        parts = [_polygon(p, f"polygon {i}") for i, p in enumerate(coordinates)]
    geom = MultiPolygon([Polygon(rings[0], rings[1:]) for rings in parts])
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        geom = _polygonal(shapely.make_valid(geom))
        if geom is None:
            raise InvalidInput(
                f"geometry is not a valid polygon ({reason}) and repairing it leaves zero area: "
                "draw an area, not a line or a point"
            )
    if geom.area <= 0:
        raise InvalidInput("geometry has zero area: draw an area, not a line or a point")
    return geom


def _count_positions(coordinates: Any, depth: int) -> int:
    """Positions in nested coordinate lists (depth 2: a polygon, 3: a multipolygon)."""
    if not isinstance(coordinates, list | tuple):
        return 0
    if depth == 1:
        return len(coordinates)
    return sum(_count_positions(c, depth - 1) for c in coordinates)


def _polygonal(geom: Any) -> MultiPolygon | None:
    """The polygons of a geometry (of a collection, too) as one MultiPolygon; None if none."""
    polygons: list[Polygon] = []
    for part in shapely.get_parts(geom):
        if isinstance(part, Polygon):
            polygons.append(part)
        elif isinstance(part, MultiPolygon) or part.geom_type == "GeometryCollection":
            inner = _polygonal(part)
            polygons += list(inner.geoms) if inner is not None else []
    polygons = [p for p in polygons if not p.is_empty and p.area > 0]
    if not polygons:
        return None
    merged = MultiPolygon(polygons)
    return merged if merged.is_valid else _polygonal(shapely.make_valid(merged))


def geometry_geojson(geom: Any) -> dict[str, Any]:
    """A shapely geometry as a GeoJSON geometry object (7 decimals, about 1 cm)."""
    return json.loads(shapely.to_geojson(shapely.set_precision(geom, 1e-7)))
