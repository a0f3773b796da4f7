"""A plan's area: its cells with their workload inputs and strong bonds, the workload
measures, and travel costs from the reps' home bases.

Pure: the area is loaded from the database by :func:`geocrm.territories.load_area`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from geocrm import hexgrid
from geocrm.territories.grid import straight_km

#: The workload measures.
MEASURES = ("customers", "revenue", "visits", "mix")
#: Weights of the ``mix`` measure (each part a share of the area's total).
MIX_WEIGHTS = {"customers": 0.4, "revenue": 0.3, "visits": 0.3}
#: Default H3 resolution of the territories' building blocks (~0.1 km² a cell).
DEFAULT_RES = 9
#: Resolutions a plan may use (those of the hex cube).
RESOLUTIONS = hexgrid.RESOLUTIONS
#: Assumed travel speed (km/h) and detour factor of the travel-time estimate.
ASSUMED_SPEED_KMH = 25.0
DETOUR_FACTOR = 1.3
NETWORK_TRAVEL_METHOD = (
    "rep_mean_travel_minutes: by car on the loaded city's drive network from the rep's home "
    "base to each cell's centre (Dijkstra), weighted by customers"
)
TRAVEL_METHOD = (
    f"estimate: straight-line distance x {DETOUR_FACTOR} at an assumed {ASSUMED_SPEED_KMH:g} "
    "km/h (not a street-network route)"
)

#: Minutes from a rep's home base (the rep as a dict with ``rep_id``, ``lon``, ``lat``) to
#: points given as lon and lat arrays (``inf`` where the network does not reach).
Travel = Callable[[dict, np.ndarray, np.ndarray], np.ndarray]


@dataclass
class Area:
    """The cells of a plan's area and their workload inputs (parallel arrays)."""

    cells: np.ndarray
    customers: np.ndarray
    revenue: np.ndarray
    visits: np.ndarray
    gap: np.ndarray
    #: strong rep-customer bonds: cell index -> {current rep id: number of strong bonds}
    bonds: dict[int, dict[int, int]] = field(default_factory=dict)

    def kept_bonds(self, labels: np.ndarray, rep_ids: Sequence[int | None]) -> np.ndarray:
        """Strong bonds each territory keeps when territory t goes to ``rep_ids[t]``."""
        kept = np.zeros(len(rep_ids), dtype=int)
        for cell, per_rep in self.bonds.items():
            rep = rep_ids[int(labels[cell])]
            kept[int(labels[cell])] += per_rep.get(rep, 0) if rep is not None else 0
        return kept

    def bond_matrix(self, owners: Sequence[dict | None]) -> np.ndarray:
        """(cells x territories) strong bonds of each cell with territory t's rep."""
        out = np.zeros((len(self.cells), len(owners)))
        for cell, per_rep in self.bonds.items():
            for t, rep in enumerate(owners):
                if rep is not None:
                    out[cell, t] = per_rep.get(rep["rep_id"], 0)
        return out

    def workload(self, measure: str) -> np.ndarray:
        """Workload per cell under ``measure`` (see :mod:`geocrm.territories`)."""
        if measure == "mix":
            mix = np.zeros(len(self.cells))
            for part, weight in MIX_WEIGHTS.items():
                values = getattr(self, part).astype(float)
                total = values.sum()
                if total > 0:
                    mix += weight * 100.0 * values / total
            return mix
        return getattr(self, measure).astype(float)


def estimated_minutes(km: np.ndarray | float) -> np.ndarray | float:
    """The straight-line travel-time estimate: ``km`` x the detour at the assumed speed."""
    return km * DETOUR_FACTOR / ASSUMED_SPEED_KMH * 60


def travel_cost(
    area: Area, seeds: Sequence[int], meant: Sequence[dict | None], travel: Travel | None
) -> np.ndarray:
    """(cells x territories) minutes from each territory's rep's home base to each cell's
    centre: by car on the street network with ``travel``, else (and where the network does
    not reach) the straight-line estimate; a territory without a rep counts from its seed."""
    lons, lats = hexgrid.cell_centroids(area.cells)
    out = np.empty((len(area.cells), len(meant)))
    for t, rep in enumerate(meant):
        if rep is None:
            km = straight_km(lons, lats, float(lons[seeds[t]]), float(lats[seeds[t]]))
        else:
            km = straight_km(lons, lats, rep["lon"], rep["lat"])
        minutes = estimated_minutes(km)
        if travel is not None and rep is not None:
            by_road = travel(rep, lons, lats)
            minutes = np.where(np.isfinite(by_road), by_road, minutes)
        out[:, t] = minutes
    return out
