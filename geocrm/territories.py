"""Territory plans: cut the city's H3 cells into K balanced, contiguous sales territories.

Workload
    Per H3 cell at resolution ``res`` (default 9, ~0.1 km² a cell), computed set-based in
    SQL (``spatial_sql/queries/territories/cell_workload.sql``) from the enriched customers
    (their res-11 cell's parent at ``res``) and their interactions. ``measure`` is one of

    - ``customers``: the number of customers (all ladder stages, prospects included);
    - ``revenue``: their annual revenue;
    - ``visits``: field visits needed per month, per customer
      ``base(stage) + min(1, 0.25 x contacts in the last 90 days / 3)`` with
      ``base`` = prospect 0.25, customer 0.5, client 1, supporter 1, advocate 1.5,
      partner 2 (deeper relationships get more care; an account in active contact
      gets up to one extra visit a month). "The last 90 days" end at the latest
      recorded interaction, so demo data of any date behaves the same;
    - ``mix``: ``0.4 x customers + 0.3 x revenue + 0.3 x visits``, each as a share of the
      area's total (so the units cancel; the area's total mix workload is 100).

Rep-customer bonds
    A customer's bond with its current rep (``assigned_rep_id``) has strength
    ``0.5 x min(1, years since relationship_start / 5) + 0.5 x min(1, contacts with that rep
    in the last 12 months / 12)`` and is *strong* from 0.5 (``crm.customer_bonds()`` in
    ``spatial_sql/functions/territory_assignment.sql``). Design keeps bonds where it can
    (steps 2, 3, 4, 6 and 7 below), and a plan reports
    ``strong_bonds``, ``bonds_kept`` and ``bonds_broken`` (its customers that would change
    rep), also after every edit.

The area
    The cells at ``res`` that hold at least one enriched customer, plus the fewest *gap
    cells* needed to make them one connected piece on the H3 adjacency graph (cells on
    the H3 grid path between the nearest cells of two pieces, e.g. across a park or a
    bay). Gap cells carry no workload; they exist so that every territory can be one
    connected piece. The city's empty cells (``ref.h3_cells.in_city``) are left out: a
    territory is where the accounts are.

Design (``design``, ``partition``, ``best_partition``), a region-growing heuristic
    1. *Seeds*: one per territory, the area cell nearest a rep's home base
       (``crm.reps.home_base``; with more reps than K, K reps spread out by farthest-point
       sampling; with fewer, the remaining seeds are the area cells farthest from the
       others). A territory with locked cells grows from the locked cell nearest its seed.
    2. *Growth*: multi-source growth by workload: the lightest territory that still has
       an unassigned neighbouring cell takes one: a cell where its rep has strong bonds
       first, then the one fewest minutes from its rep's home base by car on the street
       network (``travel_cost``; the straight-line estimate below where the network does
       not reach or no city is loaded); until every cell is taken. Locked cells start in
       their territory; locked territories take nothing.
    3. *Refinement*: boundary-cell moves from heavy to light territories. Territories
       are visited heaviest first; a cell of territory A that touches a lighter
       neighbour B moves there when its workload ``w`` satisfies ``0 < w < load(A) -
       load(B)`` (so the sum of squared loads strictly drops: the loop ends), it is not
       locked, and it is not an articulation point of A (A stays one piece; B gains a
       cell adjacent to it, so it stays one piece too). Among the candidates the lightest
       B is preferred, then the move that breaks the fewest strong bonds, then the cell
       closest to B's centroid relative to A's (compactness). Stop when max/min workload
       <= ``target`` (1.05) or no move helps.
    4. *Compaction*: up to 4 sweeps of boundary smoothing: a cell moves to a
       neighbouring territory where it has more H3 neighbours than in its own (the
       shared boundary strictly shrinks, so the sweeps end), if it is not locked, not an
       articulation point, breaks no strong bond, and the balance stays within
       max(target, the balance reached).
    5. *Restarts*: when the rep-seeded run misses the target and the area is small
       (<= 2,000 cells), up to 24 runs from random seeds (a fixed generator: the same
       input gives the same plan); the best balance wins.
    6. *Reps*: an optimal matching of reps to territories (networkx
       ``max_weight_matching``): the most strong bonds kept, then the shortest total
       distance from territory centres to home bases; each rep once; with fewer reps than
       K a rep owns several. Locked territories keep their rep.
    7. *Objectives*: with its reps known, boundary cells move to a neighbouring territory
       where ``workload x minutes from the rep's base + BOND_MINUTES (10) x strong bonds
       broken`` drops (strictly, so the sweeps end), keeping contiguity, locks and the
       balance reached.
    ``design`` runs this twice, growing by travel time and bonds (step 2 as written) and
    by distance from the seeds alone, and keeps the plan within the target balance (else
    the more balanced) with the lower step-7 cost: the objectives never do worse than
    distance alone on the same cells (tested; measured in ``bench_territories``).

    Balance cannot beat the granularity of the cells: one cell of 37 customers is never
    split. The result is a local optimum, not a proven one.

Redesign and versions
    ``design_plan(based_on=P)`` designs the next version of plan P (same name, version + 1,
    ``based_on``): P's locked territories keep exactly their cells, name and rep, P's
    locked cells stay in (the successor of) their territory; the rest is designed anew on
    today's customers.

Reported per territory: workload, customers, revenue, visits, cells, area km², centroid,
Polsby-Popper compactness (4πA/P² of the union of its cells), the rep's mean distance to
its customers and their mean travel time by car from the rep's base on the drive network
(``rep_mean_travel_minutes``; ``rep_mean_travel_minutes_est`` is the straight-line
estimate: distance x 1.3 detour at an assumed 25 km/h). Per plan: ``balance`` (max/min
workload, ``None`` when a territory has none), ``contiguous``, the mean compactness and
the strong bonds kept and broken.

Plans are saved as drafts; ``publish_plan`` writes the territory and its rep onto the
customers (one set-based UPDATE), makes the plan the active one (archiving the previous)
and lets ``geocrm.freshness`` refresh the cube. Published plans are read-only (here and
by a trigger of migration ``0015_territories.sql``).

Versions, edits, comparison
    ``copy_plan`` makes a new version of any plan: a draft with ``version`` + 1 and
    ``based_on`` the plan, whose territories are each ``based_on`` the one they copy
    (migration ``0018``). That is how a published plan is changed. A draft is edited with
    ``move_cells`` (move or (un)lock cells) and ``edit_territory`` (another rep or none,
    lock, name); both re-evaluate the plan and store its stats the same way. A locked
    territory keeps exactly its cells: no cell moves into or out of it.
    ``compare_plan`` says what publishing a plan would change against the current
    assignment or another plan. A customer's territory and rep under a plan is one SQL
    function, ``crm.plan_customers(plan_id)``, used by publishing, the comparison and the
    ``plan_changes`` map layer.

The API is ``geocrm.api.territories``, the CLI ``geocrm territories``.
"""

from __future__ import annotations

import enum
import heapq
import json
import math
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import h3
import networkx as nx
import numpy as np
import shapely
from shapely.geometry import mapping, shape
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from geocrm import hexgrid
from geocrm.db import bulk_transaction, loaded_city, query
from geocrm.errors import Conflict, InvalidInput, NotFound

#: The workload measures.
MEASURES = ("customers", "revenue", "visits", "mix")
#: Weights of the ``mix`` measure (each part a share of the area's total).
MIX_WEIGHTS = {"customers": 0.4, "revenue": 0.3, "visits": 0.3}
#: Default H3 resolution of the territories' building blocks (~0.1 km² a cell).
DEFAULT_RES = 9
#: Resolutions a plan may use (those of the hex cube).
RESOLUTIONS = hexgrid.RESOLUTIONS
#: Balance (max/min workload) at which refinement stops.
TARGET_BALANCE = 1.05
#: Sweeps of the compaction phase of :func:`partition`.
COMPACTION_SWEEPS = 4
#: Sweeps of the objective phase of :func:`partition` (travel time and bonds).
OBJECTIVE_SWEEPS = 8
#: What one broken strong rep-customer bond costs in the objective phase, in minutes of
#: travel of one unit of workload (e.g. one customer): a bond outweighs a short detour.
BOND_MINUTES = 10.0
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
_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON_EQ = 111.320


# --------------------------------------------------------------------------- the grid


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


def _planar_km(cells: Sequence[int]) -> np.ndarray:
    """Cell centres as (x, y) km on a local equirectangular plane (fine within a city)."""
    lons, lats = hexgrid.cell_centroids(cells)
    if not len(lons):
        return np.zeros((0, 2))
    cos = math.cos(math.radians(float(np.mean(lats))))
    return np.column_stack([lons * _KM_PER_DEG_LON_EQ * cos, lats * _KM_PER_DEG_LAT])


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
        xy = _planar_km(ordered)
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


# --------------------------------------------------------------------------- design


@dataclass
class Partition:
    """The result of :func:`partition`: a territory index per cell, and how it went."""

    labels: np.ndarray
    seeds: list[int]
    moves: int
    seconds: float
    restarts: int = 0


def _farthest_points(xy: np.ndarray, k: int, chosen: list[int]) -> list[int]:
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


def partition(
    cells: Sequence[int],
    weights: Sequence[float],
    k: int,
    *,
    seeds: Sequence[int] | None = None,
    locked: Mapping[int, int] | None = None,
    frozen: Collection[int] = (),
    cost: np.ndarray | None = None,
    bonds: np.ndarray | None = None,
    start: np.ndarray | None = None,
    target: float = TARGET_BALANCE,
    max_moves: int | None = None,
) -> Partition:
    """Partition connected H3 ``cells`` into ``k`` contiguous territories of balanced weight.

    Parameters
    ----------
    cells
        H3 ids (int) of one resolution, one connected piece (see :func:`connect_area`).
    weights
        Workload of each cell (>= 0).
    k
        Number of territories, 2 <= k <= len(cells).
    seeds
        Optional seed cell index per territory (e.g. nearest a rep's base); missing ones
        are chosen by farthest-point sampling.
    locked
        Cell index -> territory index: these cells start and stay there.
    frozen
        Territories that keep exactly their locked cells: they take no other cell (the
        balance is then that of the other territories).
    cost
        (cells x k) cost of a cell for a territory, e.g. minutes by road from the
        territory's rep's home base: growth takes the cheapest neighbouring cell (default:
        the squared distance from the territory's seed).
    bonds
        (cells x k) strong rep-customer bonds of a cell with the rep meant for each
        territory: growth takes bonded cells first, refinement prefers moves that break
        fewer bonds, smoothing never breaks one. With ``cost`` or ``bonds`` a last phase
        moves boundary cells where that lowers the travel cost plus the bonds broken.
    start
        A territory index per cell to refine (skips seeding and growth), e.g. a partition
        whose reps are now known.
    target
        Stop refining once max/min workload is at most this.
    max_moves
        Cap on refinement moves (default 50 x the number of cells).

    The algorithm is described in the module docstring.
    """
    started = time.perf_counter()
    n = len(cells)
    w = np.asarray(weights, dtype=float)
    if not 2 <= k <= n:
        raise InvalidInput(f"k must be between 2 and the number of cells ({n}), not {k}")
    locked = dict(locked or {})
    frozen = {int(t) for t in frozen}
    free = np.array([t not in frozen for t in range(k)])
    nbrs = neighbours(cells)
    xy = _planar_km(cells)
    labels = np.full(n, -1, dtype=int)
    is_locked = np.zeros(n, dtype=bool)
    for i, t in locked.items():
        labels[i] = t
        is_locked[i] = True
    if len(frozen) >= k:
        raise InvalidInput("at least one territory must be free to design (not locked)")
    if start is not None:  # refine a given partition: no seeds, no growth
        labels = np.asarray(start, dtype=int).copy()
        seeds = [int(np.flatnonzero(labels == t)[0]) for t in range(k)]

    # seeds: given ones first, the rest spread out; a territory with locked cells grows
    # from the one nearest its seed, others' seeds are moved off cells locked elsewhere
    chosen = _farthest_points(xy, k, list(seeds or [])[:k])
    for t, s in enumerate(chosen):
        own = [i for i, lt in locked.items() if lt == t]
        if own:
            chosen[t] = min(own, key=lambda i: float(((xy[i] - xy[s]) ** 2).sum()))
        elif labels[s] not in (-1, t) or s in chosen[:t]:
            spare = [i for i in range(n) if labels[i] in (-1, t) and i not in chosen]
            chosen[t] = min(spare, key=lambda i: float(((xy[i] - xy[s]) ** 2).sum()))
    for t, s in enumerate(chosen):
        labels[s] = t
    objectives = cost is not None or bonds is not None
    if cost is None:
        cost = ((xy[:, None, :] - xy[chosen][None, :, :]) ** 2).sum(axis=2)
    held = np.zeros((n, k)) if bonds is None else np.asarray(bonds, dtype=float)

    # growth: the lightest territory with an unassigned neighbour takes the cheapest one
    # (bonded cells first)
    loads = np.bincount(labels[labels >= 0], weights=w[labels >= 0], minlength=k)
    sizes = np.bincount(labels[labels >= 0], minlength=k)
    frontier: list[list[tuple[bool, float, int]]] = [[] for _ in range(k)]

    def reach(t: int, i: int) -> None:
        for j in nbrs[i]:
            if labels[j] == -1:
                heapq.heappush(frontier[t], (held[j, t] <= 0, float(cost[j, t]), j))

    for i in np.flatnonzero(labels >= 0):
        if labels[i] not in frozen:
            reach(int(labels[i]), i)
    while (labels == -1).any():
        for t in range(k):
            while frontier[t] and labels[frontier[t][0][2]] != -1:
                heapq.heappop(frontier[t])
        open_ = [t for t in range(k) if frontier[t]]
        if not open_:  # the area is not one piece: hand the rest to the lightest
            rest = np.flatnonzero(labels == -1)
            labels[rest] = int(np.argmin(np.where(free, loads, np.inf)))
            break
        t = min(open_, key=lambda t: (loads[t], sizes[t]))
        i = heapq.heappop(frontier[t])[2]
        labels[i] = t
        loads[t] += w[i]
        sizes[t] += 1
        reach(t, i)

    # refinement: contiguity-keeping boundary moves from heavy to light
    members = [set(np.flatnonzero(labels == t).tolist()) for t in range(k)]
    sums = np.array([xy[list(m)].sum(axis=0) if m else np.zeros(2) for m in members])
    cuts: dict[int, set[int]] = {}

    def reassign(i: int, a: int, b: int) -> None:
        """Move cell i from territory a to b, keeping members, loads, centres and the
        cut-vertex cache in step."""
        members[a].discard(i)
        members[b].add(i)
        labels[i] = b
        loads[a] -= w[i]
        loads[b] += w[i]
        sums[a] -= xy[i]
        sums[b] += xy[i]
        cuts.pop(a, None)
        cuts.pop(b, None)

    def articulation(t: int) -> set[int]:
        if t not in cuts:
            graph = nx.Graph()
            graph.add_nodes_from(members[t])
            graph.add_edges_from((i, j) for i in members[t] for j in nbrs[i] if j in members[t])
            cuts[t] = set(nx.articulation_points(graph))
        return cuts[t]

    def free_balance(values: np.ndarray) -> float:
        ratio = balance(values[free])
        return math.inf if ratio is None else ratio

    moves, limit = 0, max_moves if max_moves is not None else 50 * n
    while moves < limit:
        if free_balance(loads) <= target:
            break
        move = None
        for a in np.argsort(-loads, kind="stable"):
            if len(members[a]) <= 1 or not free[a]:
                continue
            centre_a = sums[a] / len(members[a])
            best: tuple[float, float, float, int, int] | None = None
            for i in members[a]:
                if is_locked[i] or w[i] <= 0:
                    continue
                for b in {int(labels[j]) for j in nbrs[i]} - {int(a)} - frozen:
                    if w[i] >= loads[a] - loads[b]:
                        continue
                    centre_b = sums[b] / len(members[b])
                    shift = float(np.hypot(*(xy[i] - centre_b)) - np.hypot(*(xy[i] - centre_a)))
                    key = (float(loads[b]), float(held[i, a] - held[i, b]), shift, i, b)
                    if best is None or key < best:
                        if i in articulation(int(a)):
                            continue
                        best = key
            if best is not None:
                move = (int(a), best[4], best[3])
                break
        if move is None:
            break
        a, b, i = move
        reassign(i, a, b)
        moves += 1
    allowed = max(target, free_balance(loads))

    def sweep(gain: Callable[[int, int, int], float], rounds: int) -> int:
        """Rounds of single-cell moves: each cell goes to the neighbouring territory where
        ``gain(i, a, b)`` is largest and positive, unless it is locked, an articulation
        point, or the balance would end worse than ``allowed``. Every move strictly
        improves what ``gain`` measures, so the rounds end; stops at a round with none."""
        total = 0
        for _ in range(rounds):
            swept = 0
            for i in range(n):
                a = int(labels[i])
                if is_locked[i] or len(members[a]) <= 1:
                    continue
                best_b, best_gain = -1, 1e-9
                for b in {int(labels[j]) for j in nbrs[i]} - {a} - frozen:
                    g = gain(i, a, b)
                    if g <= best_gain:
                        continue
                    after = loads.copy()
                    after[a] -= w[i]
                    after[b] += w[i]
                    if free_balance(after) > allowed:
                        continue
                    best_b, best_gain = b, g
                if best_b < 0 or i in articulation(a):
                    continue
                reassign(i, a, best_b)
                swept += 1
            total += swept
            if not swept:
                break
        return total

    def smoother(i: int, a: int, b: int) -> float:
        """Compaction: how many more H3 neighbours the cell has in b than in a (the shared
        boundary, hence the perimeter, shrinks by that); never at the cost of a bond."""
        if held[i, a] > held[i, b]:
            return 0.0
        around = labels[nbrs[i]]
        return float((around == b).sum() - (around == a).sum())

    def cheaper(i: int, a: int, b: int) -> float:
        """Objectives: the drop in workload x travel cost plus BOND_MINUTES per bond broken."""
        return float(w[i] * (cost[i, a] - cost[i, b]) + BOND_MINUTES * (held[i, b] - held[i, a]))

    # compaction (a few sweeps of boundary smoothing), then the objectives
    moves += sweep(smoother, COMPACTION_SWEEPS)
    if objectives:
        moves += sweep(cheaper, OBJECTIVE_SWEEPS)
    return Partition(labels, chosen, moves, round(time.perf_counter() - started, 3))


#: Restarts from random seeds when the rep-seeded design misses the target (small areas).
RESTARTS = 24
#: Areas above this many cells get no restarts (each run costs seconds there).
RESTART_MAX_CELLS = 2_000


def best_partition(
    cells: Sequence[int],
    weights: Sequence[float],
    k: int,
    seeds: Sequence[int] | None = None,
    locked: Mapping[int, int] | None = None,
    *,
    frozen: Collection[int] = (),
    cost: np.ndarray | None = None,
    bonds: np.ndarray | None = None,
    restarts: int | None = None,
    target: float = TARGET_BALANCE,
) -> Partition:
    """:func:`partition` from ``seeds`` (with ``cost`` and ``bonds``, which belong to the
    reps of those seeds), then, while the balance misses ``target``, from random seeds
    (a fixed random generator: the same input gives the same plan); the best balance of
    the free territories wins, ties to the earlier run."""
    started = time.perf_counter()
    if restarts is None:
        restarts = RESTARTS if len(cells) <= RESTART_MAX_CELLS else 0
    w = np.asarray(weights, dtype=float)
    free = [t for t in range(k) if t not in set(frozen)]

    def score(p: Partition) -> float:
        ratio = balance(np.bincount(p.labels, weights=w, minlength=k)[free])
        return math.inf if ratio is None else ratio

    best = partition(
        cells,
        w,
        k,
        seeds=seeds,
        locked=locked,
        frozen=frozen,
        cost=cost,
        bonds=bonds,
        target=target,
    )
    rng = np.random.default_rng(20240601)
    tried = 0
    while tried < restarts and score(best) > target:
        tried += 1
        candidate = partition(
            cells,
            w,
            k,
            seeds=rng.choice(len(cells), size=k, replace=False).tolist(),
            locked=locked,
            frozen=frozen,
            cost=cost,
            bonds=bonds,
            target=target,
        )
        if score(candidate) < score(best):
            best = candidate
    best.restarts = tried
    best.seconds = round(time.perf_counter() - started, 3)
    return best


def _match_reps(
    area: Area,
    labels: np.ndarray,
    reps: list[dict[str, Any]],
    k: int,
    fixed: Mapping[int, dict[str, Any] | None] | None = None,
) -> list[dict[str, Any] | None]:
    """A rep per territory, each rep once: the assignment that keeps the most strong
    rep-customer bonds (the rep already owns those customers) and, among those, has the
    shortest total distance between territory centres and home bases (an optimal
    matching, not a greedy one). Territories in ``fixed`` keep their rep (locked
    territories); with fewer reps than territories the rest get their nearest rep."""
    fixed = dict(fixed or {})
    owners: list[dict[str, Any] | None] = [fixed.get(t) for t in range(k)]
    taken = {r["rep_id"] for r in fixed.values() if r is not None}
    pool = [r for r in reps if r["rep_id"] not in taken]
    open_ = [t for t in range(k) if t not in fixed]
    if not pool or not open_:
        return owners
    xy = _planar_km(area.cells)
    centres = np.array([xy[labels == t].mean(axis=0) for t in open_])
    base = _planar_km(
        hexgrid.latlng_to_cells(
            [r["lat"] for r in pool],
            [r["lon"] for r in pool],
            hexgrid.get_resolution(area.cells[0]),
        )
    )
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


# --------------------------------------------------------------------------- the area


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
        """Workload per cell under ``measure`` (see the module docstring)."""
        if measure == "mix":
            mix = np.zeros(len(self.cells))
            for part, weight in MIX_WEIGHTS.items():
                values = getattr(self, part).astype(float)
                total = values.sum()
                if total > 0:
                    mix += weight * 100.0 * values / total
            return mix
        return getattr(self, measure).astype(float)


def _check_measure(measure: Any) -> str:
    if measure not in MEASURES:
        raise InvalidInput(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    return measure


def _cell_stats(conn: Connection, res: int) -> dict[int, tuple[int, float, float]]:
    rows = conn.execute(query("territories/cell_workload"), {"res": res}).all()
    return {int(r.h3): (int(r.customers), float(r.revenue), float(r.visits)) for r in rows}


def load_area(
    conn: Connection,
    res: int,
    cells: Sequence[int] | None = None,
    extra: Sequence[int] = (),
    within: Any = None,
) -> Area:
    """The area at ``res``: cells with enriched customers (those whose centre lies
    ``within`` a boundary, when one is given), plus ``extra`` cells (e.g. the locked cells
    of the plan a redesign starts from), plus gap cells joining them into one piece (or
    exactly ``cells``, e.g. a saved plan's), with their customers, revenue and visits."""
    stats = _cell_stats(conn, res)
    if cells is None:
        known = set(stats)
        if within is not None and known:
            lons, lats = hexgrid.cell_centroids(list(known))
            inside = shapely.contains_xy(within, lons, lats)
            known = {c for c, keep in zip(known, inside, strict=True) if keep}
            if not known:
                raise InvalidInput("no cell with enriched customers has its centre inside the area")
        known |= {int(c) for c in extra}
        if not known:
            raise InvalidInput(
                "no enriched customers to design territories for: load customers and run "
                "`geocrm enrich` first"
            )
        cells = known | set(connect_area(list(known)))
    cells = sorted(int(c) for c in cells)
    gaps = {c for c in cells if c not in stats}
    zero = (0, 0.0, 0.0)
    index = {c: i for i, c in enumerate(cells)}
    bonds: dict[int, dict[int, int]] = {}
    for row in conn.execute(query("territories/strong_bonds"), {"res": res}):
        if int(row.h3) in index:
            bonds.setdefault(index[int(row.h3)], {})[int(row.rep_id)] = int(row.strong)
    return Area(
        cells=np.asarray(cells, dtype=np.int64),
        customers=np.array([stats.get(c, zero)[0] for c in cells], dtype=float),
        revenue=np.array([stats.get(c, zero)[1] for c in cells], dtype=float),
        visits=np.array([stats.get(c, zero)[2] for c in cells], dtype=float),
        gap=np.array([c in gaps for c in cells], dtype=bool),
        bonds=bonds,
    )


def _locked_indices(
    area: Area, locked_cells: Mapping[Any, Any] | None, k: int, res: int
) -> dict[int, int]:
    index = {int(c): i for i, c in enumerate(area.cells)}
    out: dict[int, int] = {}
    for key, territory in (locked_cells or {}).items():
        cell = hexgrid.parse_cell(key)
        if hexgrid.get_resolution(cell) != res:
            raise InvalidInput(f"locked cell {key} is not at resolution {res}")
        if cell not in index:
            raise InvalidInput(f"locked cell {key} is not in the area (no customers there)")
        if not isinstance(territory, int) or isinstance(territory, bool) or not 0 <= territory < k:
            raise InvalidInput(
                f"locked cell {key}: territory must be an index 0..{k - 1}, not {territory!r}"
            )
        out[index[cell]] = territory
    return out


def _reps(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(query("territories/rep_bases")).mappings()]


def _rep_seeds(
    area: Area, reps: list[dict[str, Any]], k: int
) -> tuple[list[int], list[dict[str, Any] | None]]:
    """Seed cell indices near the reps' home bases (see the module docstring), and the
    rep each seed is meant for (None for seeds spread out beyond the reps)."""
    xy = _planar_km(area.cells)
    if not reps:
        return _farthest_points(xy, k, []), [None] * k
    base_cells = hexgrid.latlng_to_cells(
        [r["lat"] for r in reps], [r["lon"] for r in reps], hexgrid.get_resolution(area.cells[0])
    )
    base_xy = _planar_km(base_cells)
    picked = _farthest_points(base_xy, k, []) if len(reps) > k else list(range(len(reps)))
    seeds: list[int] = []
    for r in picked:
        d = ((xy - base_xy[r]) ** 2).sum(axis=1)
        d[seeds] = np.inf
        seeds.append(int(np.argmin(d)))
    meant = [reps[r] for r in picked] + [None] * (k - len(picked))
    return _farthest_points(xy, k, seeds), meant


def _km(lons: np.ndarray, lats: np.ndarray, lon: float, lat: float) -> np.ndarray:
    """Straight-line km from (lon, lat) to each point (local plane; fine within a city)."""
    cos = math.cos(math.radians(lat))
    return np.hypot((lons - lon) * _KM_PER_DEG_LON_EQ * cos, (lats - lat) * _KM_PER_DEG_LAT)


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
            km = _km(lons, lats, float(lons[seeds[t]]), float(lats[seeds[t]]))
        else:
            km = _km(lons, lats, rep["lon"], rep["lat"])
        minutes = km * DETOUR_FACTOR / ASSUMED_SPEED_KMH * 60
        if travel is not None and rep is not None:
            by_road = travel(rep, lons, lats)
            minutes = np.where(np.isfinite(by_road), by_road, minutes)
        out[:, t] = minutes
    return out


# --------------------------------------------------------------------------- evaluation


def _polygon(cells: Sequence[int]):
    return shapely.union_all(hexgrid.cell_boundaries(cells))


def _polsby_popper(polygon) -> float:
    """4πA/P² of a lon/lat polygon, measured on a local plane (1 for a disc)."""
    if polygon.is_empty:
        return 0.0
    lat0 = math.radians(polygon.centroid.y)
    planar = shapely.transform(
        polygon, lambda c: c * [_KM_PER_DEG_LON_EQ * math.cos(lat0), _KM_PER_DEG_LAT]
    )
    return round(4 * math.pi * planar.area / planar.length**2, 4) if planar.length else 0.0


Travel = Callable[[dict, np.ndarray, np.ndarray], np.ndarray]


def network_travel(engine: Engine) -> Travel | None:
    """Minutes by car from a rep's home base to points on the loaded city's drive network
    (Dijkstra from the base, both ends snapped to the network and walked at walking speed,
    the graph shared with visit routes); None when no city is loaded."""
    from geocrm import network, routes

    try:
        with engine.connect() as conn:
            city = loaded_city(conn)
        graph = routes._graph(engine, city, "drive")
    except NotFound:
        return None
    from_base: dict[int, tuple[np.ndarray, float]] = {}

    def minutes(rep: dict, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        if rep["rep_id"] not in from_base:
            node, access = graph.net.snap(np.array([rep["lon"]]), np.array([rep["lat"]]))
            dist, _, _ = network._dijkstra(graph.adjacency, {int(node[0]): 0.0})
            from_base[rep["rep_id"]] = (np.asarray(dist), float(access[0]))
        dist, base_access = from_base[rep["rep_id"]]
        nodes, access = graph.net.snap(np.asarray(lon, float), np.asarray(lat, float))
        return ((base_access + access) / network.WALK_SPEED_M_S + dist[nodes]) / 60.0

    return minutes


def evaluate(
    area: Area,
    labels: Sequence[int],
    measure: str,
    owners: Sequence[dict | None],
    travel: Travel | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Plan-level figures and per-territory stats (with GeoJSON polygons) of a partition;
    with ``travel`` (:func:`network_travel`), the customers' mean travel time from their
    rep's base on the street network."""
    labels = np.asarray(labels)
    k = len(owners)
    work = area.workload(measure)
    loads = np.bincount(labels, weights=work, minlength=k)
    lons, lats = hexgrid.cell_centroids(area.cells)
    territories = []
    for t in range(k):
        members = np.flatnonzero(labels == t)
        cells = area.cells[members]
        polygon = _polygon(cells.tolist())
        customers = area.customers[members]
        rep = owners[t]
        distance = None
        if rep is not None and customers.sum() > 0:
            d = _km(lons[members], lats[members], rep["lon"], rep["lat"])
            distance = float((d * customers).sum() / customers.sum())
        network_minutes = None
        if travel is not None and rep is not None and customers.sum() > 0:
            mins = travel(rep, lons[members], lats[members])
            reached = np.isfinite(mins) & (customers > 0)
            if reached.any():
                network_minutes = float(
                    (mins[reached] * customers[reached]).sum() / customers[reached].sum()
                )
        centroid = polygon.centroid
        territories.append(
            {
                "index": t,
                "rep_id": rep["rep_id"] if rep else None,
                "rep_name": rep["name"] if rep else None,
                "workload": round(float(loads[t]), 3),
                "customers": int(customers.sum()),
                "revenue": round(float(area.revenue[members].sum()), 2),
                "visits_per_month": round(float(area.visits[members].sum()), 2),
                "cells": int(members.size),
                "gap_cells": int(area.gap[members].sum()),
                "area_km2": round(sum(h3.cell_area(_h3(c), "km^2") for c in cells), 4),
                "centroid": None
                if polygon.is_empty
                else [round(centroid.x, 6), round(centroid.y, 6)],
                "compactness": _polsby_popper(polygon),
                "rep_mean_distance_km": None if distance is None else round(distance, 3),
                "rep_mean_travel_minutes_est": None
                if distance is None
                else round(distance * DETOUR_FACTOR / ASSUMED_SPEED_KMH * 60, 1),
                "rep_mean_travel_minutes": None
                if network_minutes is None
                else round(network_minutes, 1),
                "geometry": mapping(polygon),
            }
        )
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


# --------------------------------------------------------------------------- plans


def _stats_json(territory: Mapping[str, Any]) -> str:
    return json.dumps({k: v for k, v in territory.items() if k != "geometry"})


def design(
    area: Area,
    measure: str,
    k: int,
    reps: list[dict[str, Any]],
    *,
    locked: Mapping[int, int] | None = None,
    fixed: Mapping[int, dict[str, Any] | None] | None = None,
    travel: Travel | None = None,
    objectives: bool = True,
) -> tuple[Partition, list[dict[str, Any] | None]]:
    """Partition ``area`` into ``k`` territories and give each a rep (nothing is saved).

    ``locked``: cell index -> territory; ``fixed``: territory -> rep of the locked
    territories (they keep exactly their locked cells). With ``objectives`` (the default)
    two designs are made and the better one kept: territories grown from their reps' home
    bases by travel time (``travel``, else the straight-line estimate) taking the cells
    of their reps' strong bonds first, and territories grown by distance from their seeds;
    each gets its reps (:func:`_match_reps`), then boundary cells move where that lowers
    the workload-weighted travel time from the rep's base plus ``BOND_MINUTES`` per strong
    bond broken, within the balance reached. The better is the one within the target
    balance (else the more balanced) with the lower such cost. Without ``objectives``:
    the design grown by distance alone, no polishing (the baseline of
    ``benchmarks/bench_territories.py``).
    """
    fixed = dict(fixed or {})
    free = [t for t in range(k) if t not in fixed]
    taken = {f["rep_id"] for f in fixed.values() if f is not None}
    free_seeds, free_meant = _rep_seeds(
        area, [r for r in reps if r["rep_id"] not in taken], len(free)
    )
    seeds, meant = [0] * k, [fixed.get(t) for t in range(k)]
    for t, seed, rep in zip(free, free_seeds, free_meant, strict=True):
        seeds[t], meant[t] = seed, rep
    cells, work = area.cells.tolist(), area.workload(measure)
    best: tuple[tuple[float, float], Partition, list[dict[str, Any] | None]] | None = None
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
        owners = _match_reps(area, result.labels, reps, k, fixed)
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


@dataclass
class _Base:
    """What a redesign keeps of the plan it starts from (``based_on``)."""

    plan_id: int
    version: int
    name: str
    res: int
    #: cell -> new territory index, for the locked cells and the locked territories' cells
    locked: dict[int, int]
    #: new territory index -> (name, rep id) of the locked territories (kept as they are)
    frozen: dict[int, tuple[str, int | None]]
    #: new territory index -> the base plan's territory it continues (those with locks)
    continues: dict[int, int] = field(default_factory=dict)
    #: the boundary it was designed within (None: the city), and what it is
    area: Any = None
    area_label: str | None = None


def _load_base(conn: Connection, plan_id: int, k: int) -> _Base:
    row = conn.execute(query("territories/plans"), {"plan_id": plan_id}).mappings().one_or_none()
    if row is None:
        raise NotFound(f"territory plan {plan_id} does not exist")
    kept = {
        t["territory_id"]: t
        for t in conn.execute(query("territories/territories"), {"plan_id": plan_id}).mappings()
    }
    cells = conn.execute(query("territories/cells"), {"plan_id": plan_id}).all()
    # the territories that keep something: locked ones, and those holding locked cells
    keeping = [
        tid
        for tid, t in kept.items()
        if t["locked"] or any(c.locked and c.territory_id == tid for c in cells)
    ]
    if len(keeping) > k:
        raise InvalidInput(
            f"plan {plan_id} has {len(keeping)} territories with locks: k must be at least that"
        )
    index = {tid: i for i, tid in enumerate(keeping)}
    return _Base(
        plan_id=plan_id,
        version=row["version"],
        name=row["name"],
        res=row["res"],
        locked={
            int(c.h3): index[c.territory_id]
            for c in cells
            if c.locked or (c.territory_id in index and kept[c.territory_id]["locked"])
        },
        frozen={
            index[tid]: (kept[tid]["name"], kept[tid]["rep_id"])
            for tid in keeping
            if kept[tid]["locked"]
        },
        continues={i: tid for tid, i in index.items()},
        area=shape(row["area"]) if row["area"] else None,
        area_label=row["area_label"],
    )


def _design_area(
    conn: Connection, boundary: Mapping[str, Any] | None, zone: Any, base: _Base | None
) -> tuple[Any, str | None]:
    """The boundary a design stays within and its label; (None, None) for the city."""
    from geocrm import zones

    if boundary is not None and zone is not None:
        raise InvalidInput("give a boundary or a zone to design within, not both")
    if boundary is not None:
        return zones.parse_geometry(boundary), "drawn boundary"
    if zone is not None:
        _, zone_name, geom = zones.zone_area(conn, zone)
        return geom, f"target zone {zone_name}"
    return (base.area, base.area_label) if base else (None, None)


def design_plan(
    engine: Engine,
    *,
    k: int,
    measure: str,
    res: int | None = None,
    name: str | None = None,
    locked_cells: Mapping[Any, int] | None = None,
    based_on: int | None = None,
    boundary: Mapping[str, Any] | None = None,
    zone: int | str | None = None,
    who: str = "geocrm",
) -> dict[str, Any]:
    """Design K territories on ``measure`` at ``res`` and save them as a draft plan.

    Parameters
    ----------
    k
        Number of territories, 2 .. the number of cells of the area.
    measure
        ``customers``, ``revenue``, ``visits`` or ``mix`` (module docstring).
    res
        H3 resolution of the cells (5..11; default 9, or the base plan's).
    name
        The plan's name (default: the base plan's, else the measure, k and res).
    locked_cells
        H3 cell (int, decimal or hex string) -> territory index 0..k-1; those cells stay
        in that territory.
    based_on
        Redesign from this plan: the new plan is its next version (a draft), its locked
        cells stay in their territory and its locked territories keep exactly their cells
        and their rep (they come first, as territories 0..); the rest is designed anew
        around the customers of today, within the base plan's area unless another is
        given.
    boundary, zone
        Design within an area, not the whole city: a GeoJSON (Multi)Polygon, checked as
        target zones are (:func:`geocrm.zones.parse_geometry`), or a saved target zone's
        id or name. The plan covers the cells with enriched customers whose centre lies
        inside (plus the gap cells joining them); publishing it leaves the customers
        outside it without a territory.

    Seeds and growth follow the reps' home bases by travel time on the drive network and
    the reps' strong bonds with their customers (module docstring). Returns the plan as
    :func:`get_plan` does.
    """
    measure = _check_measure(measure)
    if not isinstance(k, int) or isinstance(k, bool) or k < 2:
        raise InvalidInput(f"k must be an integer of at least 2, not {k!r}")
    started = time.perf_counter()
    travel = network_travel(engine)
    with engine.begin() as conn:
        base = _load_base(conn, based_on, k) if based_on is not None else None
        if base is not None and res is not None and res != base.res:
            raise InvalidInput(f"plan {base.plan_id} is at resolution {base.res}, not {res}")
        res = hexgrid.check_res(base.res if base else DEFAULT_RES if res is None else res)
        name = (name or "").strip() or (base.name if base else f"{measure} k={k} res={res}")
        if len(name) > 200:
            raise InvalidInput("name must be at most 200 characters")
        within, area_label = _design_area(conn, boundary, zone, base)
        area = load_area(conn, res, extra=list(base.locked) if base else (), within=within)
        if k > len(area.cells):
            raise InvalidInput(
                f"k must be between 2 and the number of cells ({len(area.cells)}), not {k}"
            )
        position = {int(c): i for i, c in enumerate(area.cells)}
        locked = {position[c]: t for c, t in base.locked.items()} if base else {}
        locked.update(_locked_indices(area, locked_cells, k, res))
        reps = _reps(conn)
        by_id = {r["rep_id"]: r for r in reps}
        fixed = {t: by_id.get(rep_id) for t, (_, rep_id) in (base.frozen if base else {}).items()}
        result, owners = design(area, measure, k, reps, locked=locked, fixed=fixed, travel=travel)
        plan_stats, territories = evaluate(area, result.labels, measure, owners, travel=travel)
        plan_stats.update(
            moves=result.moves,
            restarts=result.restarts,
            seconds=round(time.perf_counter() - started, 3),
        )
        plan_id = conn.execute(
            query("territories/insert_plan"),
            {
                "name": name,
                "res": res,
                "measure": measure,
                "k": k,
                "stats": json.dumps(plan_stats),
                "based_on": base.plan_id if base else None,
                "version": base.version + 1 if base else 1,
                "area": None if within is None else shapely.to_wkb(within),
                "area_label": area_label,
            },
        ).scalar_one()
        ids = []
        for t in territories:
            kept_name = base.frozen[t["index"]][0] if base and t["index"] in base.frozen else None
            ids.append(
                conn.execute(
                    query("territories/insert_territory"),
                    {
                        "plan_id": plan_id,
                        # the rep is shown beside the name: a name with the rep in it
                        # would go stale when the territory gets another rep
                        "name": kept_name or f"Territory {t['index'] + 1}",
                        "rep_id": t["rep_id"],
                        "locked": t["index"] in fixed,
                        "stats": _stats_json(t),
                        "based_on": base.continues.get(t["index"]) if base else None,
                    },
                ).scalar_one()
            )
        is_locked = np.zeros(len(area.cells), dtype=bool)
        is_locked[list(locked)] = True
        conn.execute(
            query("territories/insert_cells"),
            {
                "plan_id": plan_id,
                "h3": area.cells.tolist(),
                "territory_ids": [ids[t] for t in result.labels],
                "locked": is_locked.tolist(),
            },
        )
        _record(
            conn,
            plan_id,
            {
                "action": "design",
                "who": who,
                "k": k,
                "measure": measure,
                "res": res,
                "based_on": base.plan_id if base else None,
                "area": area_label or "city",
                "locked_cells": len(locked),
                "locked_territories": len(fixed),
                **plan_stats,
            },
        )
        return _plan(conn, plan_id)


def _record(conn: Connection, plan_id: int, what: Mapping[str, Any]) -> None:
    """One step of the plan's history; ``what["who"]``, if given, is who took it."""
    conn.execute(
        query("territories/record_edit"),
        {"plan_id": plan_id, "who": what.get("who"), "what": json.dumps(what)},
    )


def _plan(conn: Connection, plan_id: int) -> dict[str, Any]:
    row = conn.execute(query("territories/plans"), {"plan_id": plan_id}).mappings().one_or_none()
    if row is None:
        raise NotFound(f"territory plan {plan_id} does not exist")
    plan = _plan_summary(row)
    cells = conn.execute(query("territories/cells"), {"plan_id": plan_id}).all()
    by_territory: dict[int, list[int]] = {}
    locked: dict[int, list[str]] = {}
    for cell in cells:
        by_territory.setdefault(cell.territory_id, []).append(int(cell.h3))
        if cell.locked:
            locked.setdefault(cell.territory_id, []).append(_h3(cell.h3))
    territories, features = [], []
    for t in conn.execute(query("territories/territories"), {"plan_id": plan_id}).mappings():
        stats = dict(t["stats"])
        entry = {
            "territory_id": t["territory_id"],
            "name": t["name"],
            **stats,
            "rep_id": t["rep_id"],
            "rep_name": t["rep_name"],
            "locked": t["locked"],
            "locked_cells": locked.get(t["territory_id"], []),
            "h3_cells": [_h3(c) for c in by_territory.get(t["territory_id"], [])],
        }
        territories.append(entry)
        polygon = _polygon(by_territory.get(t["territory_id"], []))
        features.append(
            {
                "type": "Feature",
                "id": t["territory_id"],
                "geometry": mapping(polygon),
                "properties": entry,
            }
        )
    plan["territories"] = territories
    plan["geojson"] = {"type": "FeatureCollection", "features": features}
    return plan


def _plan_summary(row: Mapping[str, Any]) -> dict[str, Any]:
    stats = dict(row["stats"] or {})
    return {
        "plan_id": row["plan_id"],
        "name": row["name"],
        "status": row["status"],
        "active": row["active"],
        "res": row["res"],
        "measure": row["measure"],
        "k": row["k"],
        "version": row["version"],
        "based_on": row["based_on"],
        "created_at": row["created_at"].isoformat(),
        "published_at": row["published_at"].isoformat() if row["published_at"] else None,
        "area_label": row["area_label"] or "city",
        "area": row["area"],
        "balance": stats.get("balance"),
        "contiguous": stats.get("contiguous"),
        "compactness": stats.get("compactness"),
        "stats": stats,
    }


def get_plan(engine: Engine, plan_id: int) -> dict[str, Any]:
    """A plan: its figures, its territories' stats and, as GeoJSON, their polygons
    (the union of their cells) under ``geojson``."""
    with engine.connect() as conn:
        return _plan(conn, plan_id)


def plan_history(engine: Engine, plan_id: int) -> list[dict[str, Any]]:
    """A plan's history, oldest first: each step's ``edit_id``, ``who``, ``at`` (ISO time)
    and ``what`` (the action and its figures, as recorded). ``NotFound`` for an unknown
    plan."""
    with engine.connect() as conn:
        if not conn.execute(query("territories/plan_exists"), {"plan_id": plan_id}).scalar():
            raise NotFound(f"territory plan {plan_id} does not exist")
        rows = conn.execute(query("territories/history"), {"plan_id": plan_id}).mappings()
        return [{**r, "at": r["at"].isoformat()} for r in rows]


def list_plans(engine: Engine) -> list[dict[str, Any]]:
    """Every plan's summary (no territories), newest first."""
    with engine.connect() as conn:
        rows = conn.execute(query("territories/plans"), {"plan_id": None}).mappings()
        return [_plan_summary(r) for r in rows]


def _draft_for_update(conn: Connection, plan_id: int) -> Mapping[str, Any]:
    row = conn.execute(query("territories/plan_for_update"), {"plan_id": plan_id})
    plan = row.mappings().one_or_none()
    if plan is None:
        raise NotFound(f"territory plan {plan_id} does not exist")
    if plan["status"] != "draft":
        raise Conflict(
            f"territory plan {plan_id} is {plan['status']}: it is read-only (design a new plan)"
        )
    return plan


def publish_plan(engine: Engine, plan_id: int, *, who: str = "geocrm") -> dict[str, Any]:
    """Publish a draft: its territories and reps onto the customers, active, the previous
    active plan archived; then the cube refreshes the changed cells."""
    from geocrm import freshness

    try:
        updated, archived = _publish(engine, plan_id, who)
    except IntegrityError:
        # another plan was published at the same instant: one active plan at a time
        raise Conflict(
            f"another territory plan was published while plan {plan_id} was: try again"
        ) from None
    report = freshness.after_customer_change(engine, enrich=False)
    published = get_plan(engine, plan_id)
    published.update(customers_updated=updated, archived_plans=archived, cube=report.render())
    return published


def _publish(engine: Engine, plan_id: int, who: str) -> tuple[int, list[int]]:
    # a bulk update (a million customers take ~35 s): no interactive statement timeout
    with bulk_transaction(engine) as conn:
        _draft_for_update(conn, plan_id)
        archived = list(conn.execute(query("territories/archive_active")).scalars())
        conn.execute(query("territories/mark_published"), {"plan_id": plan_id})
        updated = conn.execute(query("territories/assign_customers"), {"plan_id": plan_id}).rowcount
        _record(
            conn,
            plan_id,
            {"action": "publish", "who": who, "customers_updated": updated, "archived": archived},
        )
    return updated, archived


class Keep(enum.Enum):
    """The type of :data:`KEEP`."""

    KEEP = "keep"


#: "Leave it as it is" for an edit's optional fields where ``None`` means something
#: (``rep_id=None``: the territory has no rep).
KEEP = Keep.KEEP


@dataclass
class _Draft:
    """A draft plan locked for an edit: its row, territories (in id order), cells and area."""

    plan: Mapping[str, Any]
    territories: list[dict[str, Any]]
    cells: dict[int, int]  # h3 -> territory_id
    area: Area

    def labels(self, cells: Mapping[int, int] | None = None) -> np.ndarray:
        """Territory position (into ``territories``) of each area cell, for ``cells``
        (h3 -> territory_id; default the saved ones)."""
        cells = self.cells if cells is None else cells
        position = {t["territory_id"]: i for i, t in enumerate(self.territories)}
        return np.array([position[cells[int(c)]] for c in self.area.cells])


def _territory_rows(conn: Connection, plan_id: int) -> list[dict[str, Any]]:
    return [
        dict(t)
        for t in conn.execute(query("territories/territories"), {"plan_id": plan_id}).mappings()
    ]


def _load_draft(conn: Connection, plan_id: int) -> _Draft:
    """The draft ``plan_id``, locked for the edit (``NotFound``; ``Conflict`` unless a draft)."""
    plan = _draft_for_update(conn, plan_id)
    cells = {
        int(r.h3): int(r.territory_id)
        for r in conn.execute(query("territories/cells"), {"plan_id": plan_id})
    }
    return _Draft(
        plan=plan,
        territories=_territory_rows(conn, plan_id),
        cells=cells,
        area=load_area(conn, plan["res"], list(cells)),
    )


def _owners(conn: Connection, territories: Sequence[Mapping[str, Any]]) -> list[dict | None]:
    """Each territory's rep (with home base) as :func:`evaluate` takes it; None for a
    territory without a rep or with an inactive one."""
    reps = {r["rep_id"]: r for r in _reps(conn)}
    return [reps.get(t["rep_id"]) for t in territories]


def _balance_and_bonds(
    draft: _Draft, labels: np.ndarray, owners: Sequence[dict | None]
) -> tuple[float | None, int]:
    """The balance and the strong bonds kept of a partition of the draft (cheap: no
    polygons), for the "before" of an edit."""
    work = draft.area.workload(draft.plan["measure"])
    loads = np.bincount(labels, weights=work, minlength=len(draft.territories))
    kept = draft.area.kept_bonds(labels, [o["rep_id"] if o else None for o in owners])
    return balance(loads), int(kept.sum())


def _store_evaluation(
    conn: Connection, engine: Engine, draft: _Draft, labels: np.ndarray
) -> dict[str, Any]:
    """Evaluate the draft's partition ``labels`` with its territories' reps as saved now,
    store each territory's stats and the plan's, and return the plan's figures. Every edit
    of a draft ends here."""
    territories = _territory_rows(conn, draft.plan["plan_id"])  # an edit may change reps
    plan_stats, stats = evaluate(
        draft.area,
        labels,
        draft.plan["measure"],
        _owners(conn, territories),
        travel=network_travel(engine),
    )
    for territory, t in zip(territories, stats, strict=True):
        conn.execute(
            query("territories/update_territory_stats"),
            {"territory_id": territory["territory_id"], "stats": _stats_json(t)},
        )
    conn.execute(
        query("territories/update_plan_stats"),
        {"plan_id": draft.plan["plan_id"], "stats": json.dumps(plan_stats)},
    )
    return plan_stats


def _finish_edit(
    conn: Connection,
    engine: Engine,
    draft: _Draft,
    labels: np.ndarray,
    edit: dict[str, Any],
    balance_before: float | None,
    kept_before: int,
) -> dict[str, Any]:
    """The end of every edit of a draft: store its evaluation, record ``edit`` with the
    balance and the strong bonds kept before and after and whether every territory is one
    piece, and return the plan with that ``edit``."""
    plan_stats = _store_evaluation(conn, engine, draft, labels)
    edit = {
        **edit,
        "balance_before": balance_before,
        "balance_after": plan_stats["balance"],
        "bonds_kept_before": kept_before,
        "bonds_kept_after": plan_stats["bonds_kept"],
        "contiguous": plan_stats["contiguous"],
    }
    _record(conn, draft.plan["plan_id"], edit)
    result = _plan(conn, draft.plan["plan_id"])
    result["edit"] = edit
    return result


def move_cells(
    engine: Engine,
    plan_id: int,
    cells: Sequence[Any],
    *,
    territory_id: int | None = None,
    locked: bool | None = None,
    who: str = "geocrm",
) -> dict[str, Any]:
    """Edit a draft: move ``cells`` to ``territory_id`` and/or (un)lock them.

    A locked territory keeps exactly its cells: moving a cell into or out of one is
    refused (``InvalidInput``). Returns the plan after the edit, with ``edit`` = the
    balance and the strong bonds kept before and after, and whether every territory is
    still one piece. Recorded in ``crm.territory_edits``.
    """
    with engine.begin() as conn:
        draft = _load_draft(conn, plan_id)
        by_id = {t["territory_id"]: t for t in draft.territories}
        if territory_id is not None and territory_id not in by_id:
            raise InvalidInput(f"territory {territory_id} is not in plan {plan_id}")
        parsed = [hexgrid.parse_cell(c) for c in cells]
        missing = [_h3(c) for c in parsed if c not in draft.cells]
        if missing:
            raise InvalidInput(f"cells not in plan {plan_id}: {', '.join(missing[:5])}")
        if territory_id is not None:
            for c in parsed:
                here = draft.cells[c]
                for end in (here, territory_id) if here != territory_id else ():
                    if by_id[end]["locked"]:
                        raise InvalidInput(
                            f"territory {end} ({by_id[end]['name']}) is locked: it keeps "
                            f"exactly its cells, so cell {_h3(c)} cannot move "
                            f"{'out of' if end == here else 'into'} it (unlock it first)"
                        )
        old = draft.labels()
        owners = _owners(conn, draft.territories)
        before, kept_before = _balance_and_bonds(draft, old, owners)
        conn.execute(
            query("territories/update_cell"),
            {"plan_id": plan_id, "h3": parsed, "territory_id": territory_id, "locked": locked},
        )
        moved = dict(draft.cells)
        if territory_id is not None:
            moved.update(dict.fromkeys(parsed, territory_id))
        new = draft.labels(moved)
        emptied = [
            t["territory_id"] for i, t in enumerate(draft.territories) if not (new == i).any()
        ]
        if emptied:
            raise InvalidInput(
                f"the move would leave territory {emptied[0]} without cells: keep at least one"
            )
        edit = {
            "action": "edit",
            "who": who,
            "cells": [_h3(c) for c in parsed],
            "territory_id": territory_id,
            "locked": locked,
        }
        return _finish_edit(conn, engine, draft, new, edit, before, kept_before)


def edit_territory(
    engine: Engine,
    plan_id: int,
    territory_id: int,
    *,
    rep_id: int | Keep | None = KEEP,
    locked: bool | None = None,
    name: str | None = None,
    who: str = "geocrm",
) -> dict[str, Any]:
    """Edit one territory of a draft: give it another rep (or none), lock or unlock it,
    rename it.

    Parameters
    ----------
    rep_id
        The new rep (an active rep of ``crm.reps``), ``None`` for no rep, or :data:`KEEP`.
        Another rep keeps and breaks other strong bonds and changes the travel times: the
        plan is re-evaluated and its stats stored, as after a cell move.
    locked
        Lock (``True``: a redesign keeps exactly its cells, and cells cannot be moved into
        or out of it) or unlock; ``None`` leaves it.
    name
        A new name (1..200 characters); ``None`` leaves it.
    who
        Recorded with the edit in ``crm.territory_edits``.

    Returns the plan (as :func:`get_plan`) with ``edit``: the changes (each field's value
    before and after), the balance and the strong bonds kept before and after, and
    whether every territory is one piece. ``NotFound`` for an unknown plan or a territory
    not in it, ``Conflict`` unless the plan is a draft, ``InvalidInput`` for an unknown or
    inactive rep, a bad name or nothing to change.
    """
    if rep_id is KEEP and locked is None and name is None:
        raise InvalidInput("nothing to change: give rep_id, locked or name")
    if (
        rep_id is not KEEP
        and rep_id is not None
        and (not isinstance(rep_id, int) or isinstance(rep_id, bool))
    ):
        raise InvalidInput(f"rep_id must be a rep's id or null (no rep), not {rep_id!r}")
    if locked is not None and not isinstance(locked, bool):
        raise InvalidInput(f"locked must be true or false, not {locked!r}")
    if name is not None:
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput("name must be a non-empty text")
        name = name.strip()
        if len(name) > 200:
            raise InvalidInput("name must be at most 200 characters")
    with engine.begin() as conn:
        draft = _load_draft(conn, plan_id)
        row = next((t for t in draft.territories if t["territory_id"] == territory_id), None)
        if row is None:
            raise NotFound(f"territory {territory_id} is not in territory plan {plan_id}")
        if rep_id is not KEEP and rep_id is not None:
            rep = conn.execute(query("territories/rep"), {"rep_id": rep_id}).mappings().first()
            if rep is None:
                raise InvalidInput(f"rep {rep_id} does not exist")
            if not rep["active"]:
                raise InvalidInput(f"rep {rep_id} ({rep['name']}) is not active")
        requested = {"rep_id": rep_id, "locked": locked, "name": name}
        changes = {
            field_name: {"before": row[field_name], "after": value}
            for field_name, value in requested.items()
            if value is not KEEP and (value is not None or field_name == "rep_id")
        }
        labels = draft.labels()
        before, kept_before = _balance_and_bonds(draft, labels, _owners(conn, draft.territories))
        conn.execute(
            query("territories/update_territory"),
            {
                "plan_id": plan_id,
                "territory_id": territory_id,
                "name": name,
                "locked": locked,
                "set_rep": rep_id is not KEEP,
                "rep_id": None if rep_id is KEEP else rep_id,
            },
        )
        edit = {
            "action": "territory",
            "who": who,
            "territory_id": territory_id,
            "changes": changes,
        }
        return _finish_edit(conn, engine, draft, labels, edit, before, kept_before)


def copy_plan(engine: Engine, plan_id: int, *, who: str = "geocrm") -> dict[str, Any]:
    """A new version of a plan (a draft, a published or an archived one): a draft with the
    same name, ``version`` + 1, ``based_on`` the plan, the same territories (name, rep,
    lock, stats; each ``based_on`` the territory it copies) and the same cells with their
    locks. This is how a published, read-only plan is changed: copy, edit, publish.

    Returns the new draft as :func:`get_plan` does; ``NotFound`` for an unknown plan.
    Recorded in ``crm.territory_edits`` (action ``copy``).
    """
    with engine.begin() as conn:
        row = conn.execute(query("territories/copy_plan"), {"plan_id": plan_id}).first()
        if row is None:
            raise NotFound(f"territory plan {plan_id} does not exist")
        copy = _plan(conn, row.plan_id)
        _record(
            conn,
            row.plan_id,
            {
                "action": "copy",
                "who": who,
                "from_plan": plan_id,
                "version": copy["version"],
                "cells": row.cells,
            },
        )
        return copy


def compare_plan(engine: Engine, plan_id: int, with_plan: int | None = None) -> dict[str, Any]:
    """What publishing ``plan_id`` would do to the customers, against their current
    territory and rep, or against plan ``with_plan``.

    Both sides are ``crm.plan_customers`` (a customer's territory and rep under a plan;
    ``spatial_sql/functions/territory_assignment.sql``). A territory continues across plan
    versions (``crm.territories.based_on``), so a copy's territories are the same ones as
    the original's. Returns ``plan_id``, ``with`` (the other plan's id or ``"current"``),
    ``customers`` (in the plan's cells), ``customers_changing_rep``,
    ``customers_changing_territory``, ``strong_bonds`` (of the plan's customers) and
    ``bonds_broken`` (strong bonds the baseline keeps and the plan gives another rep); per
    territory of the plan ``territories``: ``territory_id, name, rep_id, customers,
    gained`` (customers whose rep changes to this territory's), ``changing_territory``,
    ``bonds_broken``; per rep ``reps``: ``rep_id, customers_before, customers_after``.
    ``NotFound`` for an unknown plan, ``InvalidInput`` for an unknown ``with_plan``.
    """
    with engine.connect() as conn:
        if not conn.execute(query("territories/plan_exists"), {"plan_id": plan_id}).scalar():
            raise NotFound(f"territory plan {plan_id} does not exist")
        if (
            with_plan is not None
            and not conn.execute(query("territories/plan_exists"), {"plan_id": with_plan}).scalar()
        ):
            raise InvalidInput(f"the plan to compare with, {with_plan}, does not exist")
        groups = (
            conn.execute(query("territories/compare"), {"plan_id": plan_id, "with_plan": with_plan})
            .mappings()
            .all()
        )
        territories = _territory_rows(conn, plan_id)
    per_territory = {
        t["territory_id"]: {
            "territory_id": t["territory_id"],
            "name": t["name"],
            "rep_id": t["rep_id"],
            "customers": 0,
            "gained": 0,
            "changing_territory": 0,
            "bonds_broken": 0,
        }
        for t in territories
    }
    per_rep: dict[int | None, dict[str, Any]] = {}
    totals = dict.fromkeys(
        ("customers", "customers_changing_rep", "customers_changing_territory"), 0
    )
    strong = broken = 0
    for g in groups:
        n, rep_changes = g["customers"], g["rep_after"] != g["rep_before"]
        for rep, side in (
            (g["rep_before"], "customers_before"),
            (g["rep_after"], "customers_after"),
        ):
            entry = per_rep.setdefault(
                rep, {"rep_id": rep, "customers_before": 0, "customers_after": 0}
            )
            entry[side] += n
        totals["customers_changing_rep"] += n if rep_changes else 0
        totals["customers_changing_territory"] += n if g["territory_changes"] else 0
        broken += g["bonds_broken"]
        territory = per_territory.get(g["territory_id"])
        if territory is None:  # customers outside the plan's cells
            continue
        totals["customers"] += n
        strong += g["strong_bonds"]
        territory["customers"] += n
        territory["gained"] += n if rep_changes else 0
        territory["changing_territory"] += n if g["territory_changes"] else 0
        territory["bonds_broken"] += g["bonds_broken"]
    return {
        "plan_id": plan_id,
        "with": "current" if with_plan is None else with_plan,
        **totals,
        "strong_bonds": strong,
        "bonds_broken": broken,
        "territories": list(per_territory.values()),
        "reps": sorted(per_rep.values(), key=lambda r: (r["rep_id"] is None, r["rep_id"] or 0)),
    }


def plan_table(plans: Sequence[Mapping[str, Any]]) -> str:
    """Plans as a text table for the CLI."""
    lines = [
        f"{'id':>4}  {'status':<9} {'active':<6} {'measure':<9} {'k':>3} {'res':>3} "
        f"{'balance':>8}  name"
    ]
    for p in plans:
        bal = "-" if p["balance"] is None else f"{p['balance']:.3f}"
        lines.append(
            f"{p['plan_id']:>4}  {p['status']:<9} {'yes' if p['active'] else '':<6} "
            f"{p['measure']:<9} {p['k']:>3} {p['res']:>3} {bal:>8}  {p['name']}"
        )
    return "\n".join(lines)
