"""The partition core: cut connected H3 cells into K balanced, contiguous territories.

Pure (H3 ids and numpy arrays in, a territory index per cell out): no database. A
region-growing heuristic, in the steps of :func:`partition` and :func:`best_partition`
(:func:`geocrm.territories.design` adds the reps: seeds at their bases, step 6, and two
runs):

1. *Seeds*: one per territory, the area cell nearest a rep's home base
   (``crm.reps.home_base``; with more reps than K, K reps spread out by farthest-point
   sampling; with fewer, the remaining seeds are the area cells farthest from the
   others). A territory with locked cells grows from the locked cell nearest its seed.
2. *Growth*: multi-source growth by workload: the lightest territory that still has an
   unassigned neighbouring cell takes one: a cell where its rep has strong bonds first,
   then the one fewest minutes from its rep's home base by car on the street network
   (``travel_cost``; the straight-line estimate where the network does not reach or no
   city is loaded); until every cell is taken. Locked cells start in their territory;
   locked territories take nothing.
3. *Refinement*: boundary-cell moves from heavy to light territories. Territories are
   visited heaviest first; a cell of territory A that touches a lighter neighbour B moves
   there when its workload ``w`` satisfies ``0 < w < load(A) - load(B)`` (so the sum of
   squared loads strictly drops: the loop ends), it is not locked, and it is not an
   articulation point of A (A stays one piece; B gains a cell adjacent to it, so it stays
   one piece too). Among the candidates the lightest B is preferred, then the move that
   breaks the fewest strong bonds, then the cell closest to B's centroid relative to A's
   (compactness). Stop when max/min workload <= ``target`` (1.05) or no move helps.
4. *Compaction*: up to 4 sweeps of boundary smoothing: a cell moves to a neighbouring
   territory where it has more H3 neighbours than in its own (the shared boundary
   strictly shrinks, so the sweeps end), if it is not locked, not an articulation point,
   breaks no strong bond, and the balance stays within max(target, the balance reached).
5. *Restarts*: when the rep-seeded run misses the target and the area is small (<= 2,000
   cells), up to 24 runs from random seeds (a fixed generator: the same input gives the
   same plan); the best balance wins.
6. *Reps*: an optimal matching of reps to territories (:func:`geocrm.territories.match_reps`).
7. *Objectives*: with its reps known, boundary cells move to a neighbouring territory where
   ``workload x minutes from the rep's base + BOND_MINUTES (10) x strong bonds broken``
   drops (strictly, so the sweeps end), keeping contiguity, locks and the balance reached.

Balance cannot beat the granularity of the cells: one cell of 37 customers is never
split. The result is a local optimum, not a proven one.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from geocrm.errors import InvalidInput
from geocrm.territories.grid import balance, farthest_points, neighbours, planar_km

#: Balance (max/min workload) at which refinement stops.
TARGET_BALANCE = 1.05
#: Sweeps of the compaction phase of :func:`partition`.
COMPACTION_SWEEPS = 4
#: Sweeps of the objective phase of :func:`partition` (travel time and bonds).
OBJECTIVE_SWEEPS = 8
#: What one broken strong rep-customer bond costs in the objective phase, in minutes of
#: travel of one unit of workload (e.g. one customer): a bond outweighs a short detour.
BOND_MINUTES = 10.0
#: Restarts from random seeds when the rep-seeded design misses the target (small areas).
RESTARTS = 24
#: Areas above this many cells get no restarts (each run costs seconds there).
RESTART_MAX_CELLS = 2_000


@dataclass
class Partition:
    """The result of :func:`partition`: a territory index per cell, and how it went."""

    labels: np.ndarray
    seeds: list[int]
    moves: int
    seconds: float
    restarts: int = 0


#: A gain of moving cell i from territory a to territory b (positive: worth it).
_Gain = Callable[[int, int, int], float]


class _Territories:
    """A partition in progress: the labels with each territory's members, load, sum of
    cell centres and cut vertices (articulation points) kept in step."""

    def __init__(
        self,
        nbrs: list[list[int]],
        xy: np.ndarray,
        w: np.ndarray,
        labels: np.ndarray,
        is_locked: np.ndarray,
        frozen: set[int],
        held: np.ndarray,
        cost: np.ndarray,
    ) -> None:
        self.nbrs, self.xy, self.w, self.labels = nbrs, xy, w, labels
        self.is_locked, self.frozen, self.held, self.cost = is_locked, frozen, held, cost
        self.k = held.shape[1]
        self.free = np.array([t not in frozen for t in range(self.k)])
        assigned = labels >= 0
        self.loads = np.bincount(labels[assigned], weights=w[assigned], minlength=self.k)
        self.members: list[set[int]] = []
        self.sums = np.zeros((self.k, 2))
        self.cuts: dict[int, set[int]] = {}

    # -- growth ------------------------------------------------------------------------
    def grow(self) -> None:
        """The lightest territory with an unassigned neighbour takes its cheapest one
        (bonded cells first), until every cell is taken."""
        labels, k = self.labels, self.k
        sizes = np.bincount(labels[labels >= 0], minlength=k)
        frontier: list[list[tuple[bool, float, int]]] = [[] for _ in range(k)]
        for i in np.flatnonzero(labels >= 0):
            if labels[i] not in self.frozen:
                self._reach(frontier, int(labels[i]), i)
        while (labels == -1).any():
            for t in range(k):
                while frontier[t] and labels[frontier[t][0][2]] != -1:
                    heapq.heappop(frontier[t])
            open_ = [t for t in range(k) if frontier[t]]
            if not open_:  # the area is not one piece: hand the rest to the lightest
                rest = np.flatnonzero(labels == -1)
                labels[rest] = int(np.argmin(np.where(self.free, self.loads, np.inf)))
                break
            t = min(open_, key=lambda t: (self.loads[t], sizes[t]))
            i = heapq.heappop(frontier[t])[2]
            labels[i] = t
            self.loads[t] += self.w[i]
            sizes[t] += 1
            self._reach(frontier, t, i)
        self.members = [set(np.flatnonzero(labels == t).tolist()) for t in range(k)]
        self.sums = np.array(
            [self.xy[list(m)].sum(axis=0) if m else np.zeros(2) for m in self.members]
        )

    def _reach(self, frontier: list[list[tuple[bool, float, int]]], t: int, i: int) -> None:
        """Put cell i's unassigned neighbours on territory t's frontier."""
        for j in self.nbrs[i]:
            if self.labels[j] == -1:
                heapq.heappush(frontier[t], (self.held[j, t] <= 0, float(self.cost[j, t]), j))

    # -- moves -------------------------------------------------------------------------
    def reassign(self, i: int, a: int, b: int) -> None:
        """Move cell i from territory a to b, keeping members, loads, centres and the
        cut-vertex cache in step."""
        self.members[a].discard(i)
        self.members[b].add(i)
        self.labels[i] = b
        self.loads[a] -= self.w[i]
        self.loads[b] += self.w[i]
        self.sums[a] -= self.xy[i]
        self.sums[b] += self.xy[i]
        self.cuts.pop(a, None)
        self.cuts.pop(b, None)

    def articulation(self, t: int) -> set[int]:
        """The cells whose removal would cut territory t in pieces (cached per territory)."""
        if t not in self.cuts:
            members = self.members[t]
            graph = nx.Graph()
            graph.add_nodes_from(members)
            graph.add_edges_from((i, j) for i in members for j in self.nbrs[i] if j in members)
            self.cuts[t] = set(nx.articulation_points(graph))
        return self.cuts[t]

    def free_balance(self, loads: np.ndarray | None = None) -> float:
        """max/min of the free territories' loads (``inf`` when one has none)."""
        ratio = balance((self.loads if loads is None else loads)[self.free])
        return math.inf if ratio is None else ratio

    # -- refinement --------------------------------------------------------------------
    def refine(self, target: float, limit: int) -> int:
        """Contiguity-keeping boundary moves from heavy to light territories until the
        balance reaches ``target``, no move helps or ``limit`` moves were made."""
        moves = 0
        while moves < limit and self.free_balance() > target:
            move = None
            for a in np.argsort(-self.loads, kind="stable"):
                if len(self.members[a]) <= 1 or not self.free[a]:
                    continue
                best = self._best_move_out_of(int(a))
                if best is not None:
                    move = (int(a), best[4], best[3])
                    break
            if move is None:
                break
            a, b, i = move
            self.reassign(i, a, b)
            moves += 1
        return moves

    def _best_move_out_of(self, a: int) -> tuple[float, float, float, int, int] | None:
        """The preferred move of a cell of territory a to a lighter neighbour, as its sort
        key (lighter b, fewer bonds broken, compactness, cell, b), or None."""
        loads, w, xy, labels = self.loads, self.w, self.xy, self.labels
        centre_a = self.sums[a] / len(self.members[a])
        best: tuple[float, float, float, int, int] | None = None
        for i in self.members[a]:
            if self.is_locked[i] or w[i] <= 0:
                continue
            for b in {int(labels[j]) for j in self.nbrs[i]} - {a} - self.frozen:
                if w[i] >= loads[a] - loads[b]:
                    continue
                centre_b = self.sums[b] / len(self.members[b])
                shift = float(np.hypot(*(xy[i] - centre_b)) - np.hypot(*(xy[i] - centre_a)))
                key = (float(loads[b]), float(self.held[i, a] - self.held[i, b]), shift, i, b)
                if (best is None or key < best) and i not in self.articulation(a):
                    best = key
        return best

    # -- sweeps ------------------------------------------------------------------------
    def sweep(self, gain: _Gain, rounds: int, allowed: float) -> int:
        """Rounds of single-cell moves: each cell goes to the neighbouring territory where
        ``gain(i, a, b)`` is largest and positive, unless it is locked, an articulation
        point, or the balance would end worse than ``allowed``. Every move strictly
        improves what ``gain`` measures, so the rounds end; stops at a round with none."""
        total = 0
        for _ in range(rounds):
            swept = 0
            for i in range(len(self.labels)):
                a = int(self.labels[i])
                if self.is_locked[i] or len(self.members[a]) <= 1:
                    continue
                b = self._best_neighbour(i, a, gain, allowed)
                if b < 0 or i in self.articulation(a):
                    continue
                self.reassign(i, a, b)
                swept += 1
            total += swept
            if not swept:
                break
        return total

    def _best_neighbour(self, i: int, a: int, gain: _Gain, allowed: float) -> int:
        """The neighbouring territory with the largest positive gain for cell i within the
        ``allowed`` balance; -1 for none."""
        best_b, best_gain = -1, 1e-9
        for b in {int(self.labels[j]) for j in self.nbrs[i]} - {a} - self.frozen:
            g = gain(i, a, b)
            if g <= best_gain:
                continue
            after = self.loads.copy()
            after[a] -= self.w[i]
            after[b] += self.w[i]
            if self.free_balance(after) > allowed:
                continue
            best_b, best_gain = b, g
        return best_b

    def smoother(self, i: int, a: int, b: int) -> float:
        """Compaction: how many more H3 neighbours the cell has in b than in a (the shared
        boundary, hence the perimeter, shrinks by that); never at the cost of a bond."""
        if self.held[i, a] > self.held[i, b]:
            return 0.0
        around = self.labels[self.nbrs[i]]
        return float((around == b).sum() - (around == a).sum())

    def cheaper(self, i: int, a: int, b: int) -> float:
        """Objectives: the drop in workload x travel cost plus BOND_MINUTES per bond broken."""
        w, cost, held = self.w, self.cost, self.held
        return float(w[i] * (cost[i, a] - cost[i, b]) + BOND_MINUTES * (held[i, b] - held[i, a]))


def _start_labels(
    n: int, locked: Mapping[int, int], start: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """The labels to start from (the locked cells, or ``start``; -1 unassigned) and which
    cells are locked."""
    labels = np.full(n, -1, dtype=int)
    is_locked = np.zeros(n, dtype=bool)
    for i, t in locked.items():
        labels[i] = t
        is_locked[i] = True
    if start is not None:
        labels = np.asarray(start, dtype=int).copy()
    return labels, is_locked


def _place_seeds(
    xy: np.ndarray,
    k: int,
    seeds: Sequence[int] | None,
    locked: Mapping[int, int],
    labels: np.ndarray,
) -> list[int]:
    """A seed cell per territory: given ones first, the rest spread out; a territory with
    locked cells grows from the one nearest its seed, others' seeds are moved off cells
    locked elsewhere. Labels each seed with its territory."""
    chosen = farthest_points(xy, k, list(seeds or [])[:k])

    def nearest(candidates: list[int], s: int) -> int:
        return min(candidates, key=lambda i: float(((xy[i] - xy[s]) ** 2).sum()))

    for t, s in enumerate(chosen):
        own = [i for i, lt in locked.items() if lt == t]
        if own:
            chosen[t] = nearest(own, s)
        elif labels[s] not in (-1, t) or s in chosen[:t]:
            spare = [i for i in range(len(xy)) if labels[i] in (-1, t) and i not in chosen]
            chosen[t] = nearest(spare, s)
    for t, s in enumerate(chosen):
        labels[s] = t
    return chosen


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

    The steps are described in the module docstring.
    """
    started = time.perf_counter()
    n = len(cells)
    if not 2 <= k <= n:
        raise InvalidInput(f"k must be between 2 and the number of cells ({n}), not {k}")
    locked = dict(locked or {})
    frozen = {int(t) for t in frozen}
    if len(frozen) >= k:
        raise InvalidInput("at least one territory must be free to design (not locked)")
    xy = planar_km(cells)
    labels, is_locked = _start_labels(n, locked, start)
    if start is not None:  # refine a given partition: no seeds, no growth
        seeds = [int(np.flatnonzero(labels == t)[0]) for t in range(k)]
    chosen = _place_seeds(xy, k, seeds, locked, labels)
    objectives = cost is not None or bonds is not None
    if cost is None:
        cost = ((xy[:, None, :] - xy[chosen][None, :, :]) ** 2).sum(axis=2)
    held = np.zeros((n, k)) if bonds is None else np.asarray(bonds, dtype=float)
    w = np.asarray(weights, dtype=float)
    state = _Territories(neighbours(cells), xy, w, labels, is_locked, frozen, held, cost)
    state.grow()
    moves = state.refine(target, max_moves if max_moves is not None else 50 * n)
    allowed = max(target, state.free_balance())
    moves += state.sweep(state.smoother, COMPACTION_SWEEPS, allowed)
    if objectives:
        moves += state.sweep(state.cheaper, OBJECTIVE_SWEEPS, allowed)
    return Partition(state.labels, chosen, moves, round(time.perf_counter() - started, 3))


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

    options = {"locked": locked, "frozen": frozen, "cost": cost, "bonds": bonds, "target": target}
    best = partition(cells, w, k, seeds=seeds, **options)
    rng = np.random.default_rng(20240601)
    tried = 0
    while tried < restarts and score(best) > target:
        tried += 1
        random_seeds = rng.choice(len(cells), size=k, replace=False).tolist()
        candidate = partition(cells, w, k, seeds=random_seeds, **options)
        if score(candidate) < score(best):
            best = candidate
    best.restarts = tried
    best.seconds = round(time.perf_counter() - started, 3)
    return best
