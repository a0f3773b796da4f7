"""Whitespace per hexagon (issue 16): where the city's context predicts more customers and
revenue than the company has, the gap being the untapped demand.

**The model.** Every res-11 cell of the cube (cells with customers, buildings or foot
traffic) is described by its context (``spatial_sql/prospecting/whitespace_context.sql``):
estimated households (residential floor area / 70 m², ``ref.buildings.households_est``),
estimated workplaces (office, commercial, retail and public floor area / 25 m²,
``ref.buildings.workplaces_est``), the mean foot-traffic index of its walkable streets,
its buildings per class and its POIs per OSM category, and the same households,
workplaces and POIs summed over its six neighbours (a customer's address is often in the
next cell). Two Poisson regressions (scikit-learn ``PoissonRegressor``, log link, on
standardised ``log1p`` features) are fitted across the city's cells: one for the
customers (past the prospect stage) of a cell, one for its annual revenue.

**Cross-fitting.** The cells are split into ``FOLDS`` groups of whole res-10 blocks
(``GroupKFold``); the expected values of a block come from the model fitted on the other
groups, so neither a cell's own customers nor those of its res-10 siblings predict it: a
block emptied of customers keeps its expectation and shows its gap. A Poisson model with
an intercept is calibrated on what it was fitted on (its predictions add up to the actual
total); the cross-fitted predictions add up to about the actual total, which the build
reports (``calibration``).

**Per resolution.** Expectations are additive: a cell at res 5..10 expects the sum of its
res-11 cells (``cube.whitespace``). The actual customers and revenue are read from the cube
when asked (``cube.cells``), under the k-rule of the user, so the gap and the market penetration
never reveal what the user may not see. Definitions (also in the glossary):

* ``gap`` = expected customers - actual customers (positive: untapped demand);
* ``revenue_gap`` = expected revenue - actual revenue;
* ``market_penetration`` = actual customers / (households + workplaces): the share of the
  homes and jobs of the cell that already buy (None where the cell has neither); the same
  name as the cube measure. The cube's older measure ``penetration`` counts households only.

``build_whitespace`` rebuilds it all (``geocrm cube build`` calls it after the cube).
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import h3
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import PoissonRegressor
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sqlalchemy import Connection, Engine, text
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from geocrm import hexgrid, vocabulary
from geocrm.db import bulk_transaction, copy_rows, sql_file
from geocrm.dimension_values import built_summary
from geocrm.errors import InvalidInput, NotFound

#: Groups of the cross-fitting (whole res-10 blocks per group).
FOLDS = 5
#: Resolution of the blocks kept together in one group of the cross-fitting.
BLOCK_RES = 10
#: Fewest res-11 cells, and customers, to fit a model on; below, nothing is expected.
MIN_CELLS = 20
MIN_CUSTOMERS = 10
#: L2 penalty of the regressions on standardised features (light: many cells, few features).
ALPHA = 1e-3
BUILDING_CLASSES = vocabulary.BUILDING_CLASSES


@dataclass
class WhitespaceReport:
    """What a whitespace build did: the cells and the model's card."""

    fitted: bool
    cells: int
    customers: int
    expected_customers: float
    revenue: float
    expected_revenue: float
    folds: int
    features: list[str] = field(default_factory=list)
    #: cross-fitted share of the Poisson deviance explained (1: perfect, 0: no better than
    #: the city's mean), per model
    d2_customers: float | None = None
    d2_revenue: float | None = None
    reason: str | None = None
    seconds: float = 0.0

    @property
    def calibration(self) -> float | None:
        """Expected customers over actual ones, city-wide (1.0: calibrated)."""
        return self.expected_customers / self.customers if self.customers else None

    def summary(self) -> str:
        """One line for the CLI."""
        if not self.fitted:
            return f"whitespace: not modelled ({self.reason})"
        return (
            f"whitespace: {self.cells} res-11 cells modelled with {len(self.features)} "
            f"context features, {self.folds}-fold cross-fitted; expected "
            f"{self.expected_customers:.1f} customers against {self.customers} actual, "
            f"{self.expected_revenue:,.0f} EUR against {self.revenue:,.0f}; deviance "
            f"explained {self.d2_customers:.2f} (customers), {self.d2_revenue:.2f} (revenue) "
            f"in {self.seconds:.2f} s"
        )


def build_whitespace(engine: Engine, *, progress: bool = False) -> WhitespaceReport:
    """Fit the whitespace models across the city's cells and store the expectations.

    Replaces ``cube.whitespace`` (res 11 as predicted, res 5..10 their sums) and the build's
    record in one transaction; readers see the previous rows until it commits. Needs the
    cube (``NotFound`` before ``geocrm cube build``). With fewer than ``MIN_CELLS`` cells
    or ``MIN_CUSTOMERS`` customers nothing is expected: the table is emptied and the
    report says why.

    Parameters
    ----------
    progress
        Show a progress bar over the steps (the CLI).
    """
    started = time.perf_counter()
    steps = tqdm(total=4, desc="whitespace", unit=" step", disable=not progress)
    with bulk_transaction(engine) as conn:
        built_summary(conn)
        conn.execute(_sql("whitespace_lock"))
        rows = [dict(r) for r in conn.execute(_sql("whitespace_context")).mappings()]
        steps.update()
        cells = np.array([r["h3_11"] for r in rows], dtype=np.int64)
        customers = np.array([r["customers"] for r in rows], dtype=float)
        revenue = np.array([r["revenue"] for r in rows], dtype=float)
        report = WhitespaceReport(
            fitted=False,
            cells=len(rows),
            customers=int(customers.sum()),
            expected_customers=0.0,
            revenue=float(revenue.sum()),
            expected_revenue=0.0,
            folds=0,
        )
        conn.execute(_sql("whitespace_clear"))
        if len(rows) < MIN_CELLS or report.customers < MIN_CUSTOMERS:
            report.reason = (
                f"{len(rows)} cells and {report.customers} customers: a model needs at least "
                f"{MIN_CELLS} cells and {MIN_CUSTOMERS} customers"
            )
        else:
            names, features = context_features(rows)
            steps.update()
            groups = hexgrid.cell_to_parent(cells, BLOCK_RES)
            expected, d2_customers, folds = cross_fit(features, customers, groups)
            expected_revenue, d2_revenue, _ = cross_fit(features, revenue, groups)
            steps.update()
            report.fitted, report.folds, report.features = True, folds, names
            report.expected_customers = float(expected.sum())
            report.expected_revenue = float(expected_revenue.sum())
            report.d2_customers, report.d2_revenue = d2_customers, d2_revenue
            copy_rows(
                conn,
                "cube.whitespace",
                ("res", "h3", "households", "workplaces", "expected_customers", "expected_revenue"),
                (
                    (hexgrid.FINEST, int(c), r["households"], r["workplaces"], float(e), float(v))
                    for c, r, e, v in zip(cells, rows, expected, expected_revenue, strict=True)
                ),
            )
            conn.execute(_sql("whitespace_rollup"))
        steps.update()
        report.seconds = round(time.perf_counter() - started, 3)
        summary = {k: v for k, v in asdict(report).items() if k != "seconds"}
        summary["calibration"] = report.calibration
        conn.execute(
            _sql("whitespace_record"), {"seconds": report.seconds, "summary": json.dumps(summary)}
        )
    steps.close()
    return report


def context_features(rows: Sequence[Mapping[str, Any]]) -> tuple[list[str], np.ndarray]:
    """The model's features of the cells of ``whitespace_context.sql``: names and matrix.

    Counts and estimates enter as ``log1p``; the ring features sum the six neighbours of a
    cell (those that are cells of the cube; the others hold nothing).
    """
    categories = sorted({c for r in rows for c in r["pois"]})
    index = {int(r["h3_11"]): i for i, r in enumerate(rows)}
    households = np.array([r["households"] for r in rows], dtype=float)
    workplaces = np.array([r["workplaces"] for r in rows], dtype=float)
    pois = np.array([sum(r["pois"].values()) for r in rows], dtype=float)
    ring = np.zeros((len(rows), 3))
    for i, r in enumerate(rows):
        for neighbour in h3.grid_ring(h3.int_to_str(int(r["h3_11"])), 1):
            j = index.get(h3.str_to_int(neighbour))
            if j is not None:
                ring[i] += (households[j], workplaces[j], pois[j])
    columns: dict[str, np.ndarray] = {
        "households": np.log1p(households),
        "workplaces": np.log1p(workplaces),
        "footfall": np.array([r["footfall"] for r in rows], dtype=float) / 100,
        "has_streets": np.array([r["footfall_n"] > 0 for r in rows], dtype=float),
        **{
            f"buildings_{c}": np.log1p([r["buildings"].get(c, 0) for r in rows])
            for c in BUILDING_CLASSES
        },
        **{f"pois_{c}": np.log1p([r["pois"].get(c, 0) for r in rows]) for c in categories},
        "ring_households": np.log1p(ring[:, 0]),
        "ring_workplaces": np.log1p(ring[:, 1]),
        "ring_pois": np.log1p(ring[:, 2]),
    }
    return list(columns), np.column_stack(list(columns.values()))


def cross_fit(
    features: np.ndarray, target: np.ndarray, groups: np.ndarray, *, folds: int = FOLDS
) -> tuple[np.ndarray, float, int]:
    """Out-of-fold Poisson predictions of ``target``: each group's from a model fitted on
    the other groups.

    Returns
    -------
    tuple
        The predictions, the cross-fitted share of deviance explained (D²) and the number
        of folds used (fewer than ``folds`` when there are fewer groups).
    """
    folds = min(folds, len(np.unique(groups)))
    predicted = np.zeros(len(target))
    for train, test in GroupKFold(n_splits=folds).split(features, target, groups):
        # fitted on the training groups' target scaled to mean 1 (the same model, a stabler
        # fit): the scale, too, must not come from the group predicted
        scale = float(target[train].mean())
        if scale == 0:  # nothing to learn from: the other groups expect nothing
            continue
        model = make_pipeline(StandardScaler(), PoissonRegressor(alpha=ALPHA, max_iter=1000))
        # one thread: small problems, where OpenMP and BLAS threads only wait on each other
        with warnings.catch_warnings(), threadpool_limits(limits=1):
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(features[train], target[train] / scale)
        predicted[test] = model.predict(features[test]) * scale
    return predicted, _d2(target, predicted), folds


def whitespace_cells(engine: Engine, res: int) -> dict[str, Any]:
    """The whitespace of every cell at ``res`` as the user of the transaction may see it.

    Returns
    -------
    dict
        ``res``, ``built_at``, ``model`` (the last build's card) and ``cells``: per cell
        ``h3``, ``expected_customers``, ``actual_customers``, ``gap``,
        ``expected_revenue``, ``actual_revenue``, ``revenue_gap``, ``households``,
        ``workplaces``, ``market_penetration`` and, under the k-rule, ``suppressed_cells``.
        ``NotFound`` before a whitespace build, or when the last one could not fit.
    """
    res = hexgrid.check_res(res)
    with engine.connect() as conn:
        build = _last_build(conn)
        rows = list(conn.execute(_sql("whitespace_cells"), {"res": res}).mappings())
    return {
        "res": res,
        "built_at": build["built_at"],
        "model": build["model"],
        "cells": [_cell(r) for r in rows],
    }


def whitespace_measure(
    engine: Engine, res: int, measure: str, filters: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """A whitespace measure of the cube (``vocabulary.WHITESPACE_MEASURES``) per cell at
    ``res``, as ``GET /api/cube?measure=`` gives measures: ``cell``, ``h3``, ``res``, the
    measure (and ``suppressed_cells`` under the k-rule).

    Whitespace is a property of a place, not of the customers a filter selects: any
    filter is refused (``InvalidInput``).
    """
    if measure not in vocabulary.WHITESPACE_MEASURES:
        raise InvalidInput(
            f"unknown whitespace measure {measure!r}; "
            f"measures: {', '.join(vocabulary.WHITESPACE_MEASURES)}"
        )
    given = sorted(
        name for name, value in (filters or {}).items() if vocabulary.split_values(value)
    )
    if given:
        raise InvalidInput(
            f"{measure} is a measure of a place, not of the customers a filter selects: "
            f"ask it without filters (got {', '.join(given)})"
        )
    out = []
    for cell in whitespace_cells(engine, res)["cells"]:
        values = _cube_values(cell)
        out.append(
            {
                "cell": h3.str_to_int(cell["h3"]),
                "h3": cell["h3"],
                "res": res,
                measure: values[measure],
                **(
                    {"suppressed_cells": cell["suppressed_cells"]}
                    if "suppressed_cells" in cell
                    else {}
                ),
            }
        )
    return out


def last_whitespace_build(engine: Engine) -> dict[str, Any] | None:
    """The last build's time, seconds and model card; None if never built."""
    with engine.connect() as conn:
        row = conn.execute(_sql("whitespace_last_build")).mappings().first()
    if row is None:
        return None
    return {"built_at": row["built_at"].isoformat(), "seconds": row["seconds"], **row["summary"]}


def _last_build(conn: Connection) -> dict[str, Any]:
    row = conn.execute(_sql("whitespace_last_build")).mappings().first()
    if row is None:
        raise NotFound("whitespace has not been built yet: run `geocrm cube build`")
    if not row["summary"]["fitted"]:
        raise NotFound(f"whitespace could not be modelled: {row['summary']['reason']}")
    return {"built_at": row["built_at"].isoformat(), "model": row["summary"]}


def _cell(row: Mapping[str, Any]) -> dict[str, Any]:
    expected = float(row["expected_customers"])
    actual = int(row["customers"])
    expected_revenue = float(row["expected_revenue"])
    actual_revenue = float(row["revenue"])
    people = float(row["households"]) + float(row["workplaces"])
    out = {
        "h3": h3.int_to_str(int(row["h3"])),
        "expected_customers": round(expected, 3),
        "actual_customers": actual,
        "gap": round(expected - actual, 3),
        "expected_revenue": round(expected_revenue, 2),
        "actual_revenue": actual_revenue,
        "revenue_gap": round(expected_revenue - actual_revenue, 2),
        "households": float(row["households"]),
        "workplaces": float(row["workplaces"]),
        "market_penetration": actual / people if people else None,
    }
    if row["suppressed_cells"] is not None:
        out["suppressed_cells"] = int(row["suppressed_cells"])
    return out


def _cube_values(cell: Mapping[str, Any]) -> dict[str, Any]:
    """A cell of ``whitespace_cells`` under the names of the cube's whitespace measures."""
    return {
        "whitespace": cell["gap"],
        "expected_customers": cell["expected_customers"],
        "revenue_whitespace": cell["revenue_gap"],
        "expected_revenue": cell["expected_revenue"],
        "market_penetration": cell["market_penetration"],
    }


def _d2(y: np.ndarray, predicted: np.ndarray) -> float:
    """Share of the Poisson deviance of ``y`` explained by ``predicted`` (vs its mean)."""

    def deviance(mu: np.ndarray) -> float:
        mu = np.maximum(mu, 1e-12)
        ratio = np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / mu), 0.0)
        return float(2 * np.sum(ratio - (y - mu)))

    null = deviance(np.full(len(y), y.mean()))
    return round(1 - deviance(predicted) / null, 4) if null else 0.0


def _sql(name: str):
    return text(sql_file(f"prospecting/{name}.sql"))
