"""Display addresses for customers that come with coordinates: the nearest known address."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from sqlalchemy import Connection

from geocrm.db import query


class NearestAddress:
    """Nearest known address of many points at once (vectorised shapely STRtree).

    Distances use an equirectangular projection around the city's mean latitude: exact
    enough at city scale, and it keeps the nearest address the metric nearest.
    """

    METRES_PER_DEGREE = 111_320.0

    def __init__(self, conn: Connection, max_distance_m: float = 200.0):
        rows = conn.execute(query("ingest/address_points")).all()
        self.labels = np.array([r.label for r in rows], dtype=object)
        lons = np.array([r.lon for r in rows], dtype=float)
        lats = np.array([r.lat for r in rows], dtype=float)
        self.scale = float(np.cos(np.radians(lats.mean()))) if rows else 1.0
        self.tree = shapely.STRtree(shapely.points(lons * self.scale, lats)) if rows else None
        self.max_distance = max_distance_m / self.METRES_PER_DEGREE

    def lookup(self, lons: Sequence[str | None], lats: Sequence[str | None]) -> list[str | None]:
        """Labels of the nearest addresses within the distance limit (None elsewhere)."""
        out: list[str | None] = [None] * len(lons)
        if self.tree is None:
            return out
        x = np.array([_to_float(v) for v in lons])
        y = np.array([_to_float(v) for v in lats])
        valid = np.flatnonzero(np.isfinite(x) & np.isfinite(y) & (np.abs(y) <= 90))
        if valid.size == 0:
            return out
        points = shapely.points(x[valid] * self.scale, y[valid])
        which, nearest = self.tree.query_nearest(
            points, max_distance=self.max_distance, all_matches=False
        )
        for i, j in zip(valid[which], nearest, strict=True):
            out[i] = self.labels[j]
        return out


def _to_float(value: str | None) -> float:
    try:
        return float(value.replace(",", ".")) if value else np.nan
    except ValueError:
        return np.nan
