"""Areas as a shopper sees them: the holes an outline encloses filled, the water taken out.

An isochrone is reachable streets buffered by a street-side margin, so the building blocks
and courtyards between them are holes; a customer there is as near as the street in front.
:func:`fill_holes` closes every hole of an outline; :func:`without_water` then takes out the
city's lakes, rivers and sea (:func:`city_water`, from the loaded land cover), so that a
bay that the streets go round is not counted as reached. :func:`solid` does both. Everything
works on shapely 2 arrays of areas at once.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Polygon
from sqlalchemy import Engine

from geocrm.db import loaded_city, query


def city_water(engine: Engine, dataset: str | None = None) -> np.ndarray:
    """The water of a loaded city that nobody lives on (lakes, rivers, docks, the sea; not
    wetland), as an array of lon/lat polygons of at most 512 vertices each."""
    with engine.begin() as conn:
        city = loaded_city(conn, dataset)
        conn.execute(query("network/water_settings"))
        rows = conn.execute(query("network/water"), {"dataset_id": city.dataset_id}).scalars()
        return np.asarray(shapely.from_wkb([bytes(r) for r in rows]), dtype=object)


def union_by(index: np.ndarray, geoms: np.ndarray, size: int) -> np.ndarray:
    """One geometry per group ``0..size-1``: the union of ``geoms`` whose ``index`` is the
    group (``None`` for a group with none). A group of one takes its geometry as it is."""
    out = np.full(size, None, dtype=object)
    if len(index) == 0:
        return out
    counts = np.bincount(index, minlength=size)
    single = counts[index] == 1
    out[index[single]] = geoms[single]
    several = ~single
    if several.any():
        order = np.argsort(index[several], kind="stable")
        groups, starts = np.unique(index[several][order], return_index=True)
        for group, members in zip(groups, np.split(geoms[several][order], starts[1:]), strict=True):
            out[group] = shapely.union_all(members)
    return out


def fill_holes(areas: np.ndarray) -> np.ndarray:
    """Each area (Polygon or MultiPolygon) with every interior ring filled: the union of
    its parts' outer rings (a part lying in another's hole is inside the filled whole)."""
    areas = np.asarray(areas, dtype=object)
    parts, index = shapely.get_parts(areas, return_index=True)
    shells = shapely.polygons(shapely.get_exterior_ring(parts))
    filled = union_by(index, shells, len(areas))
    filled[shapely.is_missing(filled)] = Polygon()
    return filled


def without_water(areas: np.ndarray, water: np.ndarray | None) -> np.ndarray:
    """Each area less the water that overlaps it (in the areas' coordinates)."""
    areas = np.asarray(areas, dtype=object)
    if water is None or len(water) == 0 or len(areas) == 0:
        return areas
    water = np.asarray(water, dtype=object)
    area_i, water_i = shapely.STRtree(water).query(areas, predicate="intersects")
    if len(area_i) == 0:
        return areas
    # only the water within each area's box: the sea is large, an area is not
    x0, y0, x1, y1 = shapely.bounds(areas[area_i]).T
    near = shapely.intersection(water[water_i], shapely.box(x0, y0, x1, y1))
    wet = union_by(area_i, near, len(areas))
    out = areas.copy()
    hit = ~shapely.is_missing(wet)
    out[hit] = shapely.difference(areas[hit], wet[hit])
    return out


def solid(areas: np.ndarray, water: np.ndarray | None) -> np.ndarray:
    """:func:`fill_holes`, then :func:`without_water`: what lies within each outline on land."""
    return without_water(fill_holes(areas), water)
