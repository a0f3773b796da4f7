"""The statistics of hotspots: Getis-Ord Gi* on an H3 grid, a conditional permutation test
that counts ties, Benjamini-Hochberg false-discovery-rate control, and the classes.

Gi* z-scores come from PySAL (``esda.G_Local``, ``star=True``, binary weights from the
cells' H3 ring 1, a ``libpysal`` ``W`` built from a dict). The permutation p-values are
computed here, with PySAL's conditional randomisation (each cell keeps its value; its
neighbours are drawn from the other cells; one draw of indices per permutation shared by
every cell, as PySAL does), but counting ties: PySAL's folded ``p_sim`` counts a permuted
sum equal to the observed one as more extreme on both sides, so a cell of zeros among
zeros -- most of a city's cells for a measure of customers -- gets the smallest p there is
although a third of the permutations tie with it, and a zero-inflated grid fills with
false cold spots (measured: 333 of 1,027 cells at p 0.001 on a grid 85 % zeros).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import h3
import numpy as np

from geocrm.errors import InvalidInput

#: Fewer cells than this in the grid at a resolution: no meaningful test. A cell and its
#: ring are 7 cells; in a grid of fewer than 50 one neighbourhood is more than a seventh
#: of the city and the statistic is no longer local (the demo city's 27 cells at res 9).
MIN_CELLS = 50
PERMUTATIONS = 999
SEED = 12345
#: The confidence levels of the classes: FDR-adjusted p below these.
LEVELS = ((0.01, "99"), (0.05, "95"), (0.10, "90"))
ALPHA = LEVELS[-1][0]
CLASSES = ("hot_99", "hot_95", "hot_90", "cold_99", "cold_95", "cold_90", "not_significant")
#: Permuted values gathered at once (cells x permutations x neighbours): ~32 MB of floats.
_CHUNK_VALUES = 4_000_000


@dataclass(frozen=True)
class GiStar:
    """Gi* of every cell of a grid: z-scores, two-sided permutation p, FDR-adjusted p and
    the class, aligned with the cells given."""

    z: np.ndarray
    p: np.ndarray
    p_fdr: np.ndarray
    classes: np.ndarray


def ring_neighbours(cells: Sequence[int]) -> dict[int, list[int]]:
    """Positions of each cell's H3 ring-1 neighbours among ``cells`` (a cell at the edge of
    the grid has fewer than six)."""
    position = {int(c): i for i, c in enumerate(cells)}
    out: dict[int, list[int]] = {}
    for i, cell in enumerate(cells):
        text_id = h3.int_to_str(int(cell))
        out[i] = [
            position[n]
            for n in (h3.str_to_int(s) for s in h3.grid_disk(text_id, 1) if s != text_id)
            if n in position
        ]
    return out


def permutation_p(
    values: np.ndarray,
    neighbours: Mapping[int, Sequence[int]],
    *,
    permutations: int = PERMUTATIONS,
    seed: int = SEED,
) -> np.ndarray:
    """Two-sided pseudo p-values of each cell's neighbour sum under conditional
    randomisation: ``2 (min(#sums >= observed, #sums <= observed) + 1) / (permutations +
    1)``, at most 1, ties counted on both sides. With the cell's own value and the total
    fixed, Gi* orders like the neighbour sum, so this is the test of Gi*."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    k = np.array([len(neighbours[i]) for i in range(n)])
    kmax = int(k.max()) if n else 0
    if kmax == 0 or n < 2:
        return np.ones(n)
    padded = np.zeros((n, kmax), dtype=np.int64)
    used = np.arange(kmax)[None, :] < k[:, None]
    padded[used] = np.concatenate([neighbours[i] for i in range(n) if k[i]])
    observed = np.where(used, values[padded], 0.0).sum(1)
    rng = np.random.default_rng(seed)
    draws = np.stack(
        [rng.choice(n - 1, size=min(kmax, n - 1), replace=False) for _ in range(permutations)]
    )
    width = draws.shape[1]
    tolerance = 1e-9 * float(np.abs(values).max()) * kmax  # sums in another order
    above = np.zeros(n, dtype=np.int64)
    below = np.zeros(n, dtype=np.int64)
    chunk = max(1, _CHUNK_VALUES // (permutations * width))
    for start in range(0, n, chunk):
        cells = np.arange(start, min(start + chunk, n))
        # the other cells: index j >= i stands for cell j + 1, so a cell never draws itself
        picked = draws[None, :, :] + (draws[None, :, :] >= cells[:, None, None])
        mask = np.arange(width)[None, None, :] < k[cells][:, None, None]
        sums = np.where(mask, values[picked], 0.0).sum(2)
        mine = observed[cells][:, None]
        above[cells] = (sums >= mine - tolerance).sum(1)
        below[cells] = (sums <= mine + tolerance).sum(1)
    return np.minimum(2.0 * (np.minimum(above, below) + 1) / (permutations + 1), 1.0)


def fdr_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (the smallest FDR at which each is rejected)."""
    p = np.asarray(p, dtype=float)
    n = len(p)
    if n == 0:
        return p.copy()
    order = np.argsort(p)
    scaled = p[order] * n / np.arange(1, n + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def classify(z: np.ndarray, p_fdr: np.ndarray) -> np.ndarray:
    """The class of each cell from the sign of its z-score and its FDR-adjusted p."""
    out = np.full(len(z), "not_significant", dtype=object)
    for level, name in reversed(LEVELS):  # the strictest level last: it wins
        hit = p_fdr < level
        out[hit & (z > 0)] = f"hot_{name}"
        out[hit & (z < 0)] = f"cold_{name}"
    return out


def gi_star(
    cells: Sequence[int],
    values: np.ndarray,
    *,
    permutations: int = PERMUTATIONS,
    seed: int = SEED,
    min_cells: int = MIN_CELLS,
) -> GiStar:
    """Getis-Ord Gi* of ``values`` on the grid of ``cells`` (H3 ids, neighbours = ring 1).

    Parameters
    ----------
    cells
        H3 ids of one resolution, the whole grid tested (gap-filled by the caller).
    values
        One non-negative value per cell.
    permutations
        Conditional permutations of the pseudo p-values.
    seed
        Seed of the permutations: the same seed gives the same answer.
    min_cells
        Fewer cells are refused (InvalidInput): too few for a local statistic.

    A grid whose values are all equal has nothing to cluster: every cell gets z 0, p 1.
    """
    from esda.getisord import G_Local  # imported here: PySAL takes a second to load
    from libpysal.weights import W

    values = np.asarray(values, dtype=float)
    n = len(values)
    if n < min_cells:
        raise InvalidInput(f"{n} cells are too few for a hotspot test (at least {min_cells})")
    if np.ptp(values) == 0:
        ones = np.ones(n)
        return GiStar(np.zeros(n), ones, ones, classify(np.zeros(n), ones))
    neighbours = ring_neighbours(cells)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands (a cell with no neighbour in the grid)
        weights = W(neighbours, silence_warnings=True)
        stat = G_Local(values, weights, transform="B", star=True, permutations=0)
    z = np.nan_to_num(np.asarray(stat.Zs, dtype=float))
    p = permutation_p(values, neighbours, permutations=permutations, seed=seed)
    p_fdr = fdr_adjust(p)
    return GiStar(z, p, p_fdr, classify(z, p_fdr))


def combine(columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """One value per cell from several measures: the mean of their standardised values,
    shifted to start at 0 (Gi* z-scores do not change with a shift or a scale; a measure
    equal everywhere adds nothing)."""
    parts = []
    for values in columns.values():
        values = np.asarray(values, dtype=float)
        spread = values.std()
        parts.append((values - values.mean()) / spread if spread > 0 else np.zeros(len(values)))
    mixed = np.mean(parts, axis=0)
    return mixed - mixed.min()
