"""The H3 grid of a plan: neighbours, joining pieces, contiguity, balance, planar km.

Pure functions of H3 cell ids (ints) and numbers: no database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import h3
import networkx as nx
import numpy as np

from geocrm import hexgrid

_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON_EQ = 111.320


def _h3(cell: int) -> str:
    return h3.int_to_str(int(cell))


def neighbours(cells: Sequence[int]) -> list[list[int]]:
    """For each cell, the indices (into ``cells``) of its H3 neighbours within ``cells``."""
    index = {int(c): i for i, c in enumerate(cells)}
    out: list[list[int]] = []
    for cell in cells:
        ring = h3.grid_disk(_h3(cell), 1)
        out.append([index[n] for n in (h3.str_to_int(s) for s in ring) if n != cell and n in index])
    return out


def planar_km(cells: Sequence[int]) -> np.ndarray:
    """Cell centres as (x, y) km on a local equirectangular plane (fine within a city)."""
    lons, lats = hexgrid.cell_centroids(cells)
    if not len(lons):
        return np.zeros((0, 2))
    cos = math.cos(math.radians(float(np.mean(lats))))
    return np.column_stack([lons * _KM_PER_DEG_LON_EQ * cos, lats * _KM_PER_DEG_LAT])


def straight_km(lons: np.ndarray, lats: np.ndarray, lon: float, lat: float) -> np.ndarray:
    """Straight-line km from (lon, lat) to each point (local plane; fine within a city)."""
    cos = math.cos(math.radians(lat))
    return np.hypot((lons - lon) * _KM_PER_DEG_LON_EQ * cos, (lats - lat) * _KM_PER_DEG_LAT)


def km_per_degree(lat: float) -> list[float]:
    """Km per degree of longitude and of latitude at ``lat`` (a local plane)."""
    return [_KM_PER_DEG_LON_EQ * math.cos(math.radians(lat)), _KM_PER_DEG_LAT]


def farthest_points(xy: np.ndarray, k: int, chosen: list[int]) -> list[int]:
    """Extend ``chosen`` (indices into ``xy``) to ``k`` points by farthest-point sampling."""
    chosen = list(chosen)
    if not chosen:
        centre = xy.mean(axis=0)
        chosen.append(int(np.argmin(((xy - centre) ** 2).sum(axis=1))))
    while len(chosen) < k:
        d = ((xy[:, None, :] - xy[chosen][None, :, :]) ** 2).sum(axis=2).min(axis=1)
        d[chosen] = -1
        chosen.append(int(np.argmax(d)))
    return chosen[:k]


def connect_area(cells: Sequence[int]) -> list[int]:
    """The gap cells that join ``cells`` into one connected piece on the H3 grid.

    While there are several pieces, the largest is joined to the nearest other piece
    along the H3 grid path between their two nearest cells.
    """
    area = {int(c) for c in cells}
    added: list[int] = []
    while True:
        ordered = sorted(area)
        graph = nx.Graph()
        graph.add_nodes_from(range(len(ordered)))
        for i, nbrs in enumerate(neighbours(ordered)):
            graph.add_edges_from((i, j) for j in nbrs)
        pieces = sorted(nx.connected_components(graph), key=len, reverse=True)
        if len(pieces) <= 1:
            return sorted(added)
        xy = planar_km(ordered)
        main = np.fromiter(pieces[0], dtype=int)
        rest = np.fromiter(set().union(*pieces[1:]), dtype=int)
        d = ((xy[main][:, None, :] - xy[rest][None, :, :]) ** 2).sum(axis=2)
        a, b = np.unravel_index(int(np.argmin(d)), d.shape)
        path = h3.grid_path_cells(_h3(ordered[main[a]]), _h3(ordered[rest[b]]))
        new = [h3.str_to_int(p) for p in path if h3.str_to_int(p) not in area]
        area.update(new)
        added.extend(new)


def is_contiguous(cells: Sequence[int], labels: Sequence[int]) -> bool:
    """Whether every territory (cells sharing a label) is one connected piece."""
    nbrs = neighbours(cells)
    labels = np.asarray(labels)
    for label in np.unique(labels):
        members = set(np.flatnonzero(labels == label).tolist())
        start = next(iter(members))
        seen, stack = {start}, [start]
        while stack:
            for j in nbrs[stack.pop()]:
                if j in members and j not in seen:
                    seen.add(j)
                    stack.append(j)
        if seen != members:
            return False
    return True


def balance(loads: Sequence[float]) -> float | None:
    """max/min of the territories' workloads; ``None`` when one has none."""
    loads = np.asarray(loads, dtype=float)
    low = float(loads.min()) if loads.size else 0.0
    return round(float(loads.max()) / low, 4) if low > 0 else None
