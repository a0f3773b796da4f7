"""The partition core, without a database: synthetic areas of real H3 cells around central
Helsinki, cut into balanced, contiguous territories."""

from __future__ import annotations

import ast
import itertools
import subprocess
import sys
from pathlib import Path

import h3
import numpy as np
import pytest

from geocrm import territories
from geocrm.errors import InvalidInput
from tests.territories.facts import connected


def test_the_partition_balances_a_large_synthetic_grid():
    centre = h3.latlng_to_cell(60.17, 24.94, 9)
    cells = sorted(h3.str_to_int(c) for c in h3.grid_disk(centre, 30))  # 2,791 cells
    rng = np.random.default_rng(1)
    weights = rng.integers(0, 4, len(cells)).astype(float)
    result = territories.partition(cells, weights, 5)
    loads = np.bincount(result.labels, weights=weights, minlength=5)
    assert territories.is_contiguous(cells, result.labels)
    assert loads.max() / loads.min() <= territories.TARGET_BALANCE


def test_rep_matching_is_optimal_on_bonds_kept():
    """Every assignment of 4 reps to 3 territories tried: the matching keeps the most."""
    cells = np.arange(6)
    area = territories.Area(
        cells=np.array(
            [h3.str_to_int(c) for c in h3.grid_disk(h3.latlng_to_cell(60.17, 24.94, 9), 1)][:6]
        ),
        customers=np.ones(6),
        revenue=np.ones(6),
        visits=np.ones(6),
        gap=np.zeros(6, dtype=bool),
        # greedy "biggest first" gives territory 0 to rep 1 (5 bonds) and keeps 5 + 1;
        # the best keeps 4 (rep 2) + 4 (rep 1) + 1 (rep 3)
        bonds={0: {1: 5, 2: 4}, 2: {1: 4}, 4: {3: 1}},
    )
    labels = cells // 2
    reps = [{"rep_id": r, "lat": 60.17, "lon": 24.94, "name": f"r{r}"} for r in (1, 2, 3, 4)]
    owners = territories.match_reps(area, labels, reps, 3)
    kept = area.kept_bonds(labels, [o["rep_id"] for o in owners]).sum()
    best = max(
        area.kept_bonds(labels, [r["rep_id"] for r in chosen]).sum()
        for chosen in itertools.permutations(reps, 3)
    )
    assert kept == best == 9


def test_frozen_territories_keep_exactly_their_cells():
    centre = h3.latlng_to_cell(60.17, 24.94, 9)
    cells = sorted(h3.str_to_int(c) for c in h3.grid_disk(centre, 8))
    weights = np.random.default_rng(2).integers(1, 4, len(cells)).astype(float)
    mine = [i for i, c in enumerate(cells) if h3.grid_distance(h3.int_to_str(c), centre) <= 1]
    result = territories.partition(cells, weights, 4, locked=dict.fromkeys(mine, 2), frozen={2})
    assert sorted(np.flatnonzero(result.labels == 2).tolist()) == sorted(mine)
    assert territories.is_contiguous(cells, result.labels)
    free = np.bincount(result.labels, weights=weights, minlength=4)[[0, 1, 3]]
    assert free.max() / free.min() <= territories.TARGET_BALANCE


HELSINKI = h3.latlng_to_cell(60.17, 24.94, 9)
PURE_MODULES = ("grid", "area", "partitioning", "designer", "evaluation")


def _disk(radius: int) -> list[int]:
    """The res-9 cells within ``radius`` steps of a central Helsinki cell, as sorted ints."""
    return sorted(h3.str_to_int(c) for c in h3.grid_disk(HELSINKI, radius))


def _workloads(cells: list[int], seed: int) -> np.ndarray:
    """Synthetic workload: 1..3 a cell (every cell has customers)."""
    return np.random.default_rng(seed).integers(1, 4, len(cells)).astype(float)


def _area(cells: list[int], weights: np.ndarray, bonds: dict | None = None) -> territories.Area:
    return territories.Area(
        cells=np.array(cells, dtype=np.int64),
        customers=weights,
        revenue=weights * 1000,
        visits=weights / 2,
        gap=np.zeros(len(cells), dtype=bool),
        bonds=bonds or {},
    )


def _rep(rep_id: int, cell: int) -> dict:
    lat, lng = h3.cell_to_latlng(h3.int_to_str(cell))
    return {"rep_id": rep_id, "name": f"rep {rep_id}", "lat": lat, "lon": lng}


@pytest.mark.parametrize("k", [2, 3, 4, 6])
def test_every_territory_is_one_piece_and_the_balance_reaches_the_target(k):
    cells = _disk(10)  # 331 cells of 1..3: fine enough for 1.05
    weights = _workloads(cells, seed=k)
    result = territories.partition(cells, weights, k)
    assert sorted(set(result.labels.tolist())) == list(range(k))
    for t in range(k):
        mine = {cells[i] for i in np.flatnonzero(result.labels == t)}
        assert connected(mine), t
    assert territories.is_contiguous(cells, result.labels)
    loads = np.bincount(result.labels, weights=weights, minlength=k)
    assert loads.max() / loads.min() <= territories.TARGET_BALANCE


def test_locked_cells_stay_in_their_territory_and_the_rest_balances():
    cells = _disk(9)
    weights = _workloads(cells, seed=5)
    ring = [h3.str_to_int(c) for c in h3.grid_ring(HELSINKI, 7)]
    index = {c: i for i, c in enumerate(cells)}
    # three cells far apart on the ring, each locked into another territory
    locked = {index[ring[0]]: 2, index[ring[len(ring) // 3]]: 0, index[ring[2 * len(ring) // 3]]: 1}
    result = territories.partition(cells, weights, 3, locked=locked)
    assert {i: int(result.labels[i]) for i in locked} == locked
    assert territories.is_contiguous(cells, result.labels)
    loads = np.bincount(result.labels, weights=weights, minlength=3)
    assert loads.max() / loads.min() <= territories.TARGET_BALANCE
    # a locked cell is never moved, even by a refinement that starts elsewhere
    moved = result.labels.copy()
    again = territories.partition(cells, weights, 3, locked=locked, start=moved)
    assert {i: int(again.labels[i]) for i in locked} == locked


def test_the_same_input_gives_the_same_territories():
    cells = _disk(8)
    weights = _workloads(cells, seed=11)
    cost = np.random.default_rng(3).random((len(cells), 4)) * 20
    runs = [territories.best_partition(cells, weights, 4, cost=cost, restarts=3) for _ in range(2)]
    assert np.array_equal(runs[0].labels, runs[1].labels)
    assert (runs[0].seeds, runs[0].moves, runs[0].restarts) == (
        runs[1].seeds,
        runs[1].moves,
        runs[1].restarts,
    )
    # the input is not changed by a run
    assert np.array_equal(weights, _workloads(cells, seed=11))


def test_a_territory_too_many_is_refused():
    cells = _disk(1)
    with pytest.raises(InvalidInput, match="k must be between 2 and the number of cells"):
        territories.partition(cells, np.ones(len(cells)), len(cells) + 1)
    with pytest.raises(InvalidInput, match="at least one territory must be free"):
        territories.partition(cells, np.ones(len(cells)), 2, locked={0: 0, 1: 1}, frozen={0, 1})


def test_each_rep_gets_the_territory_around_its_home_base():
    """Without bonds, the matching gives every territory the rep based inside it, whatever
    order the reps come in; a locked territory keeps its rep."""
    cells = _disk(9)
    weights = _workloads(cells, seed=2)
    result = territories.partition(cells, weights, 4)
    area = _area(cells, weights)
    # each rep lives at the cell of its territory nearest the territory's centre
    xy = territories.planar_km(cells)
    homes = []
    for t in range(4):
        mine = np.flatnonzero(result.labels == t)
        centre = xy[mine].mean(axis=0)
        homes.append(cells[mine[np.argmin(((xy[mine] - centre) ** 2).sum(axis=1))]])
    reps = [_rep(10 + t, homes[t]) for t in (2, 0, 3, 1)]
    owners = territories.match_reps(area, result.labels, reps, 4)
    assert [o["rep_id"] for o in owners] == [10, 11, 12, 13]
    fixed = {1: reps[0]}  # territory 1 locked with rep 12
    owners = territories.match_reps(area, result.labels, reps, 4, fixed)
    assert owners[1]["rep_id"] == 12
    assert len({o["rep_id"] for o in owners}) == 4
    # fewer reps than territories: every territory still gets one, the nearest
    owners = territories.match_reps(area, result.labels, reps[:2], 4)
    assert all(o is not None for o in owners)
    assert {o["rep_id"] for o in owners} == {10, 12}


def test_a_rep_keeps_the_territory_of_its_bonded_customers():
    """A strong bond outweighs distance: the rep whose customers lie in a territory gets it
    even when another rep lives nearer."""
    cells = _disk(6)
    weights = _workloads(cells, seed=4)
    result = territories.partition(cells, weights, 2)
    in_0 = int(np.flatnonzero(result.labels == 0)[0])
    in_1 = int(np.flatnonzero(result.labels == 1)[0])
    # rep 1 lives in territory 0 but its customers are in territory 1, and vice versa
    area = _area(cells, weights, bonds={in_1: {1: 3}, in_0: {2: 1}})
    reps = [_rep(1, cells[in_0]), _rep(2, cells[in_1])]
    owners = territories.match_reps(area, result.labels, reps, 2)
    assert [o["rep_id"] for o in owners] == [2, 1]
    assert area.kept_bonds(result.labels, [2, 1]).tolist() == [1, 3]


def test_design_without_a_database_gives_every_rep_one_contiguous_territory():
    cells = _disk(8)
    weights = _workloads(cells, seed=8)
    ring = [h3.str_to_int(c) for c in h3.grid_ring(HELSINKI, 5)]
    reps = [_rep(r, ring[r * len(ring) // 3]) for r in range(3)]
    area = _area(cells, weights, bonds={0: {1: 2}, 5: {2: 1}})
    first, owners = territories.design(area, "customers", 3, reps)
    again, owners_again = territories.design(area, "customers", 3, reps)
    assert np.array_equal(first.labels, again.labels) and owners == owners_again
    assert sorted(o["rep_id"] for o in owners) == [0, 1, 2]
    assert territories.is_contiguous(cells, first.labels)
    plan, per_territory = territories.evaluate(area, first.labels, "customers", owners)
    assert plan["contiguous"] is True and plan["balance"] <= territories.TARGET_BALANCE
    assert plan["strong_bonds"] == 3 == plan["bonds_kept"] + plan["bonds_broken"]
    assert sum(t["customers"] for t in per_territory) == weights.sum()
    assert all(0 < t["compactness"] <= 1 for t in per_territory)


def test_the_pure_core_imports_no_database():
    """The partition core (grid, area, partitioning, designer, evaluation) runs without
    the database layer: imported on their own (without the package's __init__, which
    re-exports the database-backed plans too), they load neither SQLAlchemy nor
    geocrm.db."""
    modules = ", ".join(f"geocrm.territories.{m}" for m in PURE_MODULES)
    code = (
        "import pathlib, sys, types\n"
        "import geocrm\n"
        "package = types.ModuleType('geocrm.territories')\n"
        "package.__path__ = [str(pathlib.Path(geocrm.__file__).parent / 'territories')]\n"
        "sys.modules['geocrm.territories'] = package\n"
        f"import {modules}\n"
        "print(sorted(m for m in sys.modules if m == 'sqlalchemy' or m.startswith("
        "('sqlalchemy.', 'geocrm.db', 'psycopg'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


@pytest.mark.parametrize("module", PURE_MODULES)
def test_the_pure_core_names_no_database_module(module):
    """And none of them names one: no import of geocrm.db, sqlalchemy or a module of the
    package that reads the database."""
    path = Path(territories.__file__).parent / f"{module}.py"
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
            imported |= {f"{node.module}.{a.name}" for a in node.names}
    database = ("sqlalchemy", "geocrm.db", "psycopg")
    impure = tuple(
        f"geocrm.territories.{m}" for m in ("loading", "plans", "drafting", "edits", "comparison")
    )
    assert not [m for m in imported if m.startswith(database) or m.startswith(impure)]
