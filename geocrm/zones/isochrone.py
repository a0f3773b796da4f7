"""Isochrone zones: the area reachable from a point within some minutes on the streets."""

from __future__ import annotations

from typing import Any

from pyproj import Geod
from shapely.geometry import MultiPolygon
from sqlalchemy import Engine

from geocrm.network import point_isochrone
from geocrm.zones.audience import count_audience
from geocrm.zones.geometry import geometry_geojson


def isochrone_feature(
    engine: Engine, lon: float, lat: float, *, mode: str, minutes: float
) -> dict[str, Any]:
    """The area reachable from a point within ``minutes`` (walk or drive) on the loaded
    city's streets, as a GeoJSON Feature ready to be saved as a zone of kind
    ``isochrone``: properties ``mode``, ``minutes``, ``center``, ``snap_distance_m``,
    ``area_km2``, ``source`` (what to save with it) and ``counts`` (its audience without
    filters)."""
    geom, access_m = point_isochrone(engine, lon, lat, mode=mode, minutes=minutes)
    counts = count_audience(engine, geom, None) if not geom.is_empty else _zero_counts()
    source = {"center": [lon, lat], "mode": mode, "minutes": minutes}
    return {
        "type": "Feature",
        "geometry": geometry_geojson(geom),
        "properties": {
            "mode": mode,
            "minutes": minutes,
            "center": [lon, lat],
            "snap_distance_m": round(access_m, 1),
            "area_km2": round(_area_km2(geom), 4),
            "source": source,
            "counts": counts,
        },
    }


def _zero_counts() -> dict[str, Any]:
    return {"customers": 0, "prospects": 0, "total": 0, "revenue": 0.0}


def _area_km2(geom: MultiPolygon) -> float:
    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(geom)
    return abs(area) / 1e6
