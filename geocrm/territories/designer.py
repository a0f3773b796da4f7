"""Design with the reps: seeds at their home bases, the partition, the optimal matching of
reps to territories, and the polish by travel time and strong bonds.

Pure (an :class:`~geocrm.territories.Area` and the reps in, labels and owners out): no
database. ``design`` runs the partition (:mod:`geocrm.territories.partitioning`) twice,
growing by travel time and bonds and by distance from the seeds alone, and keeps the plan
within the target balance (else the more balanced) with the lower objective cost: the
objectives never do worse than distance alone on the same cells (tested; measured in
``bench_territories``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np

from geocrm import hexgrid
from geocrm.territories.area import Area, Travel, travel_cost
from geocrm.territories.grid import balance, farthest_points, planar_km
from geocrm.territories.partitioning import (
    BOND_MINUTES,
    TARGET_BALANCE,
    Partition,
    best_partition,
    partition,
)

Rep = dict[str, Any]


def _base_xy(area: Area, reps: list[Rep]) -> np.ndarray:
    """The reps' home bases as planar km, via their cells at the area's resolution."""
    base_cells = hexgrid.latlng_to_cells(
        [r["lat"] for r in reps], [r["lon"] for r in reps], hexgrid.get_resolution(area.cells[0])
    )
    return planar_km(base_cells)


def rep_seeds(area: Area, reps: list[Rep], k: int) -> tuple[list[int], list[Rep | None]]:
    """Seed cell indices near the reps' home bases (step 1 of the partition), and the rep
    each seed is meant for (None for seeds spread out beyond the reps)."""
    xy = planar_km(area.cells)
    if not reps:
        return farthest_points(xy, k, []), [None] * k
    base_xy = _base_xy(area, reps)
    picked = farthest_points(base_xy, k, []) if len(reps) > k else list(range(len(reps)))
    seeds: list[int] = []
    for r in picked:
        d = ((xy - base_xy[r]) ** 2).sum(axis=1)
        d[seeds] = np.inf
        seeds.append(int(np.argmin(d)))
    meant = [reps[r] for r in picked] + [None] * (k - len(picked))
    return farthest_points(xy, k, seeds), meant


def match_reps(
    area: Area,
    labels: np.ndarray,
    reps: list[Rep],
    k: int,
    fixed: Mapping[int, Rep | None] | None = None,
) -> list[Rep | None]:
    """A rep per territory, each rep once: the assignment that keeps the most strong
    rep-customer bonds (the rep already owns those customers) and, among those, has the
    shortest total distance between territory centres and home bases (an optimal
    matching with networkx ``max_weight_matching``, not a greedy one). Territories in
    ``fixed`` keep their rep (locked territories); with fewer reps than territories the
    rest get their nearest rep."""
    fixed = dict(fixed or {})
    owners: list[Rep | None] = [fixed.get(t) for t in range(k)]
    taken = {r["rep_id"] for r in fixed.values() if r is not None}
    pool = [r for r in reps if r["rep_id"] not in taken]
    open_ = [t for t in range(k) if t not in fixed]
    if not pool or not open_:
        return owners
    xy = planar_km(area.cells)
    centres = np.array([xy[labels == t].mean(axis=0) for t in open_])
    base = _base_xy(area, pool)
    d = np.sqrt(((centres[:, None, :] - base[None, :, :]) ** 2).sum(axis=2))
    kept = np.zeros((len(open_), len(pool)))
    for r, rep in enumerate(pool):
        kept[:, r] = area.kept_bonds(labels, [rep["rep_id"]] * k)[open_]
    # lexicographic weights: one bond kept outweighs any saving of distance
    slack = float(d.max()) + 1.0
    graph = nx.Graph()
    for i in range(len(open_)):
        for r in range(len(pool)):
            weight = kept[i, r] * slack * (len(open_) + 1) + (slack - d[i, r])
            graph.add_edge(("t", i), ("r", r), weight=float(weight))
    for a, b in nx.max_weight_matching(graph, maxcardinality=True):
        (_, i), (_, r) = (a, b) if a[0] == "t" else (b, a)
        owners[open_[i]] = pool[r]
    for i, t in enumerate(open_):
        if owners[t] is None:
            owners[t] = pool[int(np.argmin(d[i]))]
    return owners


def _seeds_for(
    area: Area, reps: list[Rep], k: int, fixed: Mapping[int, Rep | None]
) -> tuple[list[int], list[Rep | None]]:
    """A seed cell per territory and the rep it is meant for: the locked territories'
    reps, the other reps near their home bases for the free territories."""
    free = [t for t in range(k) if t not in fixed]
    taken = {f["rep_id"] for f in fixed.values() if f is not None}
    free_seeds, free_meant = rep_seeds(
        area, [r for r in reps if r["rep_id"] not in taken], len(free)
    )
    seeds, meant = [0] * k, [fixed.get(t) for t in range(k)]
    for t, seed, rep in zip(free, free_seeds, free_meant, strict=True):
        seeds[t], meant[t] = seed, rep
    return seeds, meant


def design(
    area: Area,
    measure: str,
    k: int,
    reps: list[Rep],
    *,
    locked: Mapping[int, int] | None = None,
    fixed: Mapping[int, Rep | None] | None = None,
    travel: Travel | None = None,
    objectives: bool = True,
) -> tuple[Partition, list[Rep | None]]:
    """Partition ``area`` into ``k`` territories and give each a rep (nothing is saved).

    ``locked``: cell index -> territory; ``fixed``: territory -> rep of the locked
    territories (they keep exactly their locked cells). With ``objectives`` (the default)
    two designs are made and the better one kept: territories grown from their reps' home
    bases by travel time (``travel``, else the straight-line estimate) taking the cells
    of their reps' strong bonds first, and territories grown by distance from their seeds;
    each gets its reps (:func:`match_reps`), then boundary cells move where that lowers
    the workload-weighted travel time from the rep's base plus ``BOND_MINUTES`` per strong
    bond broken, within the balance reached. The better is the one within the target
    balance (else the more balanced) with the lower such cost. Without ``objectives``:
    the design grown by distance alone, no polishing (the baseline of
    ``benchmarks/bench_territories.py``).
    """
    fixed = dict(fixed or {})
    free = [t for t in range(k) if t not in fixed]
    seeds, meant = _seeds_for(area, reps, k, fixed)
    cells, work = area.cells.tolist(), area.workload(measure)
    best: tuple[tuple[float, float], Partition, list[Rep | None]] | None = None
    for by_objectives in (True, False) if objectives else (False,):
        result = best_partition(
            cells,
            work,
            k,
            seeds,
            locked,
            frozen=list(fixed),
            cost=travel_cost(area, seeds, meant, travel) if by_objectives else None,
            bonds=area.bond_matrix(meant) if by_objectives else None,
        )
        owners = match_reps(area, result.labels, reps, k, fixed)
        if not objectives:
            return result, owners
        cost, held = travel_cost(area, seeds, owners, travel), area.bond_matrix(owners)
        result = partition(
            cells,
            work,
            k,
            locked=locked,
            frozen=list(fixed),
            cost=cost,
            bonds=held,
            start=result.labels,
        )
        rows = np.arange(len(cells))
        loads = np.bincount(result.labels, weights=work, minlength=k)[free]
        score = (
            max(balance(loads) or math.inf, TARGET_BALANCE),
            float((work * cost[rows, result.labels]).sum())
            - BOND_MINUTES * float(held[rows, result.labels].sum()),
        )
        if best is None or score < best[0]:
            best = (score, result, owners)
    assert best is not None
    return best[1], best[2]
