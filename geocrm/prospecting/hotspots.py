"""Hotspots: where a measure of the cube clusters high (hot) or low (cold) on the H3 grid.

Getis-Ord Gi* (:mod:`geocrm.prospecting.hotspot_stats`) per cell of the loaded city's
cover at a resolution: every cell of the city's extent has a value, 0 where the cube holds
nothing (a gap-filled grid, plus any cell outside the extent with figures; for a ratio
measure such as a mean, a cell with nothing to average takes the mean of the others, a
neutral value). Neighbours are the cell's H3 ring 1. Significance comes from a conditional
permutation test with a fixed seed (the same question gives the same answer), two-sided,
and is controlled for the false discovery rate over all cells (Benjamini-Hochberg): a cell
is ``hot_99`` when its z-score is positive and its FDR-adjusted p below 0.01, ``hot_95``
below 0.05, ``hot_90`` below 0.10, ``cold_*`` alike for negative z-scores, else
``not_significant``.

The values are the cube's as the caller sees them (``geocrm.cube.query.cells``: row-level
security and the k-rule), so a rep's hotspots use only what the rep may see. Several
measures may be combined (``"revenue,customers"``): the mean of their standardised values.
Results are kept in ``cube.hotspot_runs`` / ``cube.hotspot_cells`` (migration 0032) per
view of the cube (``cube.hotspot_scope_key()``), question and data versions, so the
``hotspots`` tile layer and repeated requests read them instead of computing again.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import h3
import numpy as np
import shapely
from sqlalchemy import Connection, Engine, text

from geocrm import hexgrid, vocabulary
from geocrm.cube.query import cells as cube_cells
from geocrm.cube.query import measures as cube_measures
from geocrm.db import query, sql_file
from geocrm.dimension_values import built_summary, validate_filters
from geocrm.errors import InvalidInput, NotFound
from geocrm.prospecting.hotspot_stats import (
    ALPHA,
    CLASSES,
    MIN_CELLS,
    PERMUTATIONS,
    SEED,
    GiStar,
    combine,
    gi_star,
)

__all__ = [
    "CLASSES",
    "MIN_CELLS",
    "PERMUTATIONS",
    "SEED",
    "HotspotResult",
    "city_cover",
    "ensure_hotspots",
    "hotspots",
]

#: Resolutions hotspots are tested at (res 8: ~1 km across ... res 11: ~50 m across);
#: coarser cells are too few in a city for a local statistic to mean anything.
RESOLUTIONS = (8, 9, 10, 11)
DEFAULT_RES = 10
DEFAULT_MEASURE = "revenue"
#: Bounds of the permutations a caller may ask for.
PERMUTATION_RANGE = (99, 9999)
#: Measures combined in one question at most.
MAX_MEASURES = 4
#: The tile data sources a result depends on (also the ``hotspots`` layer's sources in
#: tiles/catalog.toml): a change to any makes cached results stale.
SOURCES = ("cells", "city", "cube", "customers")


@dataclass
class HotspotResult:
    """The hotspots of a measure at a resolution for the caller's view of the cube."""

    measure: str
    measures: tuple[str, ...]
    res: int
    filters: dict[str, Any]
    permutations: int
    seed: int
    scope: str
    computed_at: datetime
    seconds: float
    cached: bool
    #: one dict per cell of the city's cover, by cell id: h3 (hex id), value, z, p, p_fdr,
    #: class
    cells: list[dict[str, Any]] = field(default_factory=list)

    @property
    def alpha(self) -> float:
        """The largest FDR-adjusted p still called significant (the 90 % classes)."""
        return ALPHA

    def counts(self) -> dict[str, int]:
        """How many cells fall in each class (every class named, 0 included)."""
        out = dict.fromkeys(CLASSES, 0)
        for cell in self.cells:
            out[cell["class"]] += 1
        return out

    def as_dict(self) -> dict[str, Any]:
        """The result as the API and ``--json`` give it."""
        return {
            "measure": self.measure,
            "measures": list(self.measures),
            "res": self.res,
            "filters": self.filters,
            "permutations": self.permutations,
            "seed": self.seed,
            "alpha": self.alpha,
            "fdr": "benjamini-hochberg",
            "neighbours": "h3 ring 1",
            "computed_at": self.computed_at.isoformat(),
            "seconds": round(self.seconds, 3),
            "cached": self.cached,
            "counts": self.counts(),
            "cells": self.cells,
        }


# --------------------------------------------------------------------------- questions


def parse_measures(measure: str | None) -> tuple[str, ...]:
    """The measures of a question, ``"revenue"`` or ``"revenue,customers"``; InvalidInput
    naming the allowed ones."""
    names = [m.strip() for m in (measure or DEFAULT_MEASURE).split(",") if m.strip()]
    if not names:
        raise InvalidInput(f"measure is empty; measures: {', '.join(vocabulary.MEASURES)}")
    if len(names) > MAX_MEASURES:
        raise InvalidInput(f"at most {MAX_MEASURES} measures may be combined, not {len(names)}")
    for name in names:
        vocabulary.measure(name)
    return tuple(dict.fromkeys(names))


def check_res(res: Any) -> int:
    """A resolution hotspots are tested at (8..11); InvalidInput otherwise."""
    return hexgrid.check_res(
        vocabulary.check_res(res) if isinstance(res, str) else res,
        RESOLUTIONS,
        what="the hotspots'",
    )


def check_permutations(permutations: Any) -> int:
    """A number of permutations within :data:`PERMUTATION_RANGE`."""
    low, high = PERMUTATION_RANGE
    if isinstance(permutations, bool) or not isinstance(permutations, int):
        raise InvalidInput(f"permutations must be a whole number {low}..{high}")
    if not low <= permutations <= high:
        raise InvalidInput(f"permutations must be {low}..{high}, not {permutations}")
    return permutations


def city_cover(conn: Connection, res: int) -> list[int]:
    """Every cell of the loaded cities' extents at ``res`` (its centre inside); NotFound
    when no city is loaded. The grid tested is this cover plus any cell the cube has
    figures in (a customer at the edge of the extent), never cells of nothing but zeros
    outside the city, which would make the city look hot against them."""
    extents = [bytes(r.extent) for r in conn.execute(_sql("city_extents"))]
    if not extents:
        raise NotFound("No loaded city: run `geocrm load-osm` first.")
    cells: set[int] = set()
    for wkb in extents:
        cells.update(hexgrid.polygon_to_cells(shapely.from_wkb(wkb), res))
    return sorted(cells)


def cell_values(
    rows: Sequence[Mapping[str, Any]], cover: Sequence[int], measures: Sequence[str]
) -> dict[str, np.ndarray]:
    """Each measure per cell of ``cover`` from the cube's rows: 0 where a cell has no row;
    for a ratio measure, the mean of the cells that have one where it is undefined."""
    position = {c: i for i, c in enumerate(cover)}
    out: dict[str, np.ndarray] = {}
    for name in measures:
        values = np.full(len(cover), np.nan)
        for row in rows:
            i = position.get(int(row["cell"]))
            if i is not None:
                value = cube_measures(row)[name]
                values[i] = np.nan if value is None else float(value)
        ratio = vocabulary.MEASURE_LIST[vocabulary.MEASURES.index(name)].ratio is not None
        defined = values[~np.isnan(values)]
        fill = float(defined.mean()) if ratio and len(defined) else 0.0
        out[name] = np.where(np.isnan(values), fill, values)
    return out


def hotspots(
    engine_or_conn: Engine | Connection,
    measure: str | None = DEFAULT_MEASURE,
    res: int = DEFAULT_RES,
    filters: Mapping[str, Any] | None = None,
    *,
    permutations: int = PERMUTATIONS,
    seed: int = SEED,
    use_cache: bool = True,
) -> HotspotResult:
    """Gi* hotspots of a measure (or several combined) at ``res`` over the city's cover,
    for the cube as the transaction's user sees it.

    Parameters
    ----------
    engine_or_conn
        An engine (a transaction of its own, committed) or a connection (its transaction:
        the caller commits or rolls back).
    measure
        A measure of the cube, or several comma-separated (their standardised mean).
    res
        H3 resolution 8..11.
    filters
        The cube's filters (``GET /api/cube``'s): dimension name to values, ``month``.
    permutations, seed
        Of the permutation test; the same seed gives the same answer.
    use_cache
        Read a kept result of the same question and data when there is one (and keep this
        one); False computes again and keeps nothing.

    Raises
    ------
    InvalidInput
        An unknown measure or filter value, a resolution outside 8..11, or a city cover
        with fewer than :data:`MIN_CELLS` cells at ``res`` (too few for the test).
    NotFound
        No city loaded, or the cube never built.
    """
    names = parse_measures(measure)
    res = check_res(res)
    permutations = check_permutations(permutations)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31:
        raise InvalidInput("seed must be a whole number 0..2147483647")
    with _transaction(engine_or_conn) as conn:
        built_summary(conn)
        params = validate_filters(conn, filters)
        question = _question(conn, names, res, params, permutations, seed)
        if use_cache:
            kept = _find_or_lock(conn, question)
            if kept is not None:
                shown = _shown_filters(params)
                return _kept_result(conn, kept, names, res, shown, permutations, seed)
        return _compute(conn, question, names, params, keep=use_cache)


def _question(
    conn: Connection,
    names: Sequence[str],
    res: int,
    params: Mapping[str, Any],
    permutations: int,
    seed: int,
) -> dict[str, Any]:
    """What a kept result answers: the measure(s), res, filters, test settings and the data
    versions it was computed from."""
    return {
        "measure": ",".join(names),
        "res": res,
        "filters": vocabulary.filter_document(params),
        "permutations": permutations,
        "seed": seed,
        "versions": _versions(conn),
    }


def ensure_hotspots(
    engine: Engine,
    measure: str | None = DEFAULT_MEASURE,
    res: int = DEFAULT_RES,
    filters: Mapping[str, Any] | None = None,
) -> bool:
    """Make sure the default question (permutations, seed) has a kept result for the
    current data and the user's view, computing it when missing (the ``hotspots`` tile
    layer reads it); True when it was computed now."""
    names = parse_measures(measure)
    res = check_res(res)
    with _transaction(engine) as conn:
        built_summary(conn)
        params = validate_filters(conn, filters)
        question = _question(conn, names, res, params, PERMUTATIONS, SEED)
        if _find_or_lock(conn, question) is not None:
            return False
        _compute(conn, question, names, params, keep=True)
        return True


# --------------------------------------------------------------------------- helpers


def _sql(name: str):
    return text(sql_file(f"prospecting/hotspots_{name}.sql"))


@contextmanager
def _transaction(engine_or_conn: Engine | Connection):
    if isinstance(engine_or_conn, Connection):
        yield engine_or_conn
    else:
        with engine_or_conn.begin() as conn:
            yield conn


def _find_or_lock(conn: Connection, question: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The kept result of ``question``; when there is none, the transaction's lock on
    computing it (a request computing it meanwhile is waited for, and its result read)."""
    kept = conn.execute(_sql("find_run"), question).mappings().first()
    if kept is None:
        conn.execute(_sql("lock"), question)
        kept = conn.execute(_sql("find_run"), question).mappings().first()
    return kept


def _versions(conn: Connection) -> str:
    """The data versions of :data:`SOURCES`, as one token."""
    return conn.execute(query("tiles/versions"), {"sources": list(SOURCES)}).one().token or ""


def _shown_filters(params: Mapping[str, Any]) -> dict[str, Any]:
    """The filters set, as the answer repeats them."""
    return {k: (str(v) if k == vocabulary.MONTH else list(v)) for k, v in params.items() if v}


def _compute(
    conn: Connection,
    question: dict[str, Any],
    names: tuple[str, ...],
    params: Mapping[str, Any],
    *,
    keep: bool,
) -> HotspotResult:
    started = time.perf_counter()
    res = question["res"]
    rows = cube_cells(conn, res, params)
    cover = sorted(set(city_cover(conn, res)) | _with_figures(rows, names))
    if len(cover) < MIN_CELLS:
        raise InvalidInput(
            f"the loaded city has only {len(cover)} cells at resolution {res} "
            f"({vocabulary.hexagon_size(res)}): too few for a hotspot test (at least "
            f"{MIN_CELLS}); choose a finer resolution, up to {RESOLUTIONS[-1]}"
        )
    columns = cell_values(rows, cover, names)
    values = columns[names[0]] if len(names) == 1 else combine(columns)
    stat = gi_star(cover, values, permutations=question["permutations"], seed=question["seed"])
    seconds = time.perf_counter() - started
    scope = conn.execute(_sql("scope")).scalar_one()
    computed_at = datetime.now().astimezone()
    if keep:
        computed_at = _keep(conn, question, cover, values, stat, seconds) or computed_at
    return HotspotResult(
        measure=question["measure"],
        measures=names,
        res=res,
        filters=_shown_filters(params),
        permutations=question["permutations"],
        seed=question["seed"],
        scope=scope,
        computed_at=computed_at,
        seconds=seconds,
        cached=False,
        cells=_cell_dicts(cover, values, stat.z, stat.p, stat.p_fdr, stat.classes),
    )


def _with_figures(rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> set[int]:
    """The cells where one of the measures is neither 0 nor undefined."""
    return {
        int(row["cell"])
        for row in rows
        if any(v for v in (cube_measures(row)[name] for name in names) if v is not None)
    }


def _keep(
    conn: Connection,
    question: dict[str, Any],
    cover: Sequence[int],
    values: np.ndarray,
    stat: GiStar,
    seconds: float,
) -> datetime | None:
    """Keep a result (and drop the same question's stale ones); its time, or None when
    another request kept the same result first."""
    conn.execute(_sql("drop_stale"), question)
    run = (
        conn.execute(_sql("insert_run"), {**question, "cells": len(cover), "seconds": seconds})
        .mappings()
        .first()
    )
    if run is None:
        return None
    shapes = shapely.to_wkb(np.asarray(hexgrid.cell_boundaries(cover), dtype=object))
    conn.execute(
        _sql("insert_cells"),
        {
            "run_id": run["run_id"],
            "h3": [int(c) for c in cover],
            "value": values.tolist(),
            "z": stat.z.tolist(),
            "p": stat.p.tolist(),
            "p_fdr": stat.p_fdr.tolist(),
            "class": [str(c) for c in stat.classes],
            "wkb": [bytes(s) for s in shapes],
        },
    )
    return run["computed_at"]


def _kept_result(
    conn: Connection,
    kept: Mapping[str, Any],
    names: tuple[str, ...],
    res: int,
    shown: dict[str, Any],
    permutations: int,
    seed: int,
) -> HotspotResult:
    rows = conn.execute(_sql("run_cells"), {"run_id": kept["run_id"]}).all()
    cells = [
        {
            "h3": h3.int_to_str(int(r.h3)),
            "value": float(r.value),
            "z": float(r.z),
            "p": float(r.p),
            "p_fdr": float(r.p_fdr),
            "class": r[5],
        }
        for r in rows
    ]
    return HotspotResult(
        measure=",".join(names),
        measures=names,
        res=res,
        filters=shown,
        permutations=permutations,
        seed=seed,
        scope=kept["scope_key"],
        computed_at=kept["computed_at"],
        seconds=float(kept["seconds"]),
        cached=True,
        cells=cells,
    )


def _cell_dicts(
    cover: Sequence[int],
    values: np.ndarray,
    z: np.ndarray,
    p: np.ndarray,
    p_fdr: np.ndarray,
    classes: np.ndarray,
) -> list[dict[str, Any]]:
    return [
        {
            "h3": h3.int_to_str(int(c)),
            "value": float(v),
            "z": float(zz),
            "p": float(pp),
            "p_fdr": float(q),
            "class": str(k),
        }
        for c, v, zz, pp, q, k in zip(cover, values, z, p, p_fdr, classes, strict=True)
    ]
