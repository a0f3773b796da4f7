"""A partition's figures: per territory workload, customers, area, compactness and the
rep's travel; per plan balance, contiguity and the strong bonds kept and broken.

Pure (an area, labels and owners in, dicts with GeoJSON polygons out): no database.
Compactness is Polsby-Popper (4πA/P² of the union of a territory's cells, 1 for a disc).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import h3
import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from geocrm import hexgrid
from geocrm.territories.area import (
    NETWORK_TRAVEL_METHOD,
    TRAVEL_METHOD,
    Area,
    Travel,
    estimated_minutes,
)
from geocrm.territories.grid import balance, is_contiguous, km_per_degree, straight_km
from geocrm.territories.partitioning import TARGET_BALANCE


def territory_polygon(cells: Sequence[int]) -> BaseGeometry:
    """The union of the cells' hexagons (lon/lat)."""
    return shapely.union_all(hexgrid.cell_boundaries(cells))


def polsby_popper(polygon: BaseGeometry) -> float:
    """4πA/P² of a lon/lat polygon, measured on a local plane (1 for a disc)."""
    if polygon.is_empty:
        return 0.0
    scale = km_per_degree(polygon.centroid.y)
    planar = shapely.transform(polygon, lambda c: c * scale)
    return round(4 * math.pi * planar.area / planar.length**2, 4) if planar.length else 0.0


def _rep_travel(
    rep: dict | None,
    lons: np.ndarray,
    lats: np.ndarray,
    customers: np.ndarray,
    travel: Travel | None,
) -> tuple[float | None, float | None]:
    """The customers' mean straight-line km from the rep's base, and their mean minutes on
    the street network (``None`` without a rep, customers or a reachable one)."""
    if rep is None or customers.sum() <= 0:
        return None, None
    d = straight_km(lons, lats, rep["lon"], rep["lat"])
    distance = float((d * customers).sum() / customers.sum())
    if travel is None:
        return distance, None
    mins = travel(rep, lons, lats)
    reached = np.isfinite(mins) & (customers > 0)
    if not reached.any():
        return distance, None
    return distance, float((mins[reached] * customers[reached]).sum() / customers[reached].sum())


def _territory(
    area: Area,
    t: int,
    members: np.ndarray,
    load: float,
    rep: dict | None,
    travel: Travel | None,
) -> dict[str, Any]:
    """One territory's stats and polygon (the cells ``members``, indices into the area)."""
    lons, lats = hexgrid.cell_centroids(area.cells[members])
    cells = area.cells[members]
    polygon = territory_polygon(cells.tolist())
    customers = area.customers[members]
    distance, network_minutes = _rep_travel(rep, lons, lats, customers, travel)
    centroid = polygon.centroid
    return {
        "index": t,
        "rep_id": rep["rep_id"] if rep else None,
        "rep_name": rep["name"] if rep else None,
        "workload": round(float(load), 3),
        "customers": int(customers.sum()),
        "revenue": round(float(area.revenue[members].sum()), 2),
        "visits_per_month": round(float(area.visits[members].sum()), 2),
        "cells": int(members.size),
        "gap_cells": int(area.gap[members].sum()),
        "area_km2": round(sum(h3.cell_area(h3.int_to_str(int(c)), "km^2") for c in cells), 4),
        "centroid": None if polygon.is_empty else [round(centroid.x, 6), round(centroid.y, 6)],
        "compactness": polsby_popper(polygon),
        "rep_mean_distance_km": None if distance is None else round(distance, 3),
        "rep_mean_travel_minutes_est": None
        if distance is None
        else round(estimated_minutes(distance), 1),
        "rep_mean_travel_minutes": None if network_minutes is None else round(network_minutes, 1),
        "geometry": mapping(polygon),
    }


def evaluate(
    area: Area,
    labels: Sequence[int],
    measure: str,
    owners: Sequence[dict | None],
    travel: Travel | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Plan-level figures and per-territory stats (with GeoJSON polygons) of a partition.

    Parameters
    ----------
    area
        The plan's area.
    labels
        A territory index per cell of the area.
    measure
        The workload measure.
    owners
        Each territory's rep (with ``rep_id``, ``name``, ``lon``, ``lat``) or None.
    travel
        With :func:`geocrm.territories.network_travel`, the customers' mean travel time
        from their rep's base on the street network.
    """
    labels = np.asarray(labels)
    k = len(owners)
    loads = np.bincount(labels, weights=area.workload(measure), minlength=k)
    territories = [
        _territory(area, t, np.flatnonzero(labels == t), loads[t], owners[t], travel)
        for t in range(k)
    ]
    strong = sum(sum(per_rep.values()) for per_rep in area.bonds.values())
    kept = int(area.kept_bonds(labels, [o["rep_id"] if o else None for o in owners]).sum())
    plan = {
        "balance": balance(loads),
        "contiguous": is_contiguous(area.cells.tolist(), labels),
        # strong rep-customer bonds (strong_bonds.sql) and how many this plan breaks: the
        # customer's territory goes to another rep than the one it has now
        "strong_bonds": strong,
        "bonds_kept": kept,
        "bonds_broken": strong - kept,
        "compactness": round(float(np.mean([t["compactness"] for t in territories])), 4),
        "workload_total": round(float(loads.sum()), 3),
        "cells": len(area.cells),
        "gap_cells": int(area.gap.sum()),
        "target_balance": TARGET_BALANCE,
        "travel_time": NETWORK_TRAVEL_METHOD if travel is not None else TRAVEL_METHOD,
    }
    return plan, territories
