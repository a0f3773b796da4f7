"""Distances measured independently of the geocoder's own arithmetic."""

from __future__ import annotations

import math

from geocrm.geocode import GeocodeResult


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Haversine distance (independent of the geocoder's own arithmetic)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def off_by(result: GeocodeResult, row) -> float:
    assert result.lat is not None, f"no point for {row.street} {row.housenumber}: {result}"
    return metres(result.lon, result.lat, row.lon, row.lat)
