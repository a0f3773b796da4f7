"""The OLAP hex cube: customer measures per H3 cell at resolutions 5..11, filterable.

Four tables of schema ``cube`` (``spatial_sql/migrations/0007_cube.sql``, ``0009``):

* ``cube.facts`` — additive measures per res-11 cell x stage x segment x kind x building
  class x nearest store x rep x territory;
* ``cube.activity_facts`` — the same per month of activity (below);
* ``cube.cell_context`` — foot traffic, addressable buildings and households per res-11 cell;
* ``cube.rollup`` — the unfiltered totals per cell at every resolution.

A question without filters is answered from ``cube.rollup``; any filter combination is
aggregated at query time from ``cube.facts`` with ``ref.h3_cell_to_parent``. Both paths
return the same additive sums (exact ``numeric``), and the derived measures (means,
penetration) are computed from them here, so the caller cannot tell which path answered.

**Freshness.** ``build_cube`` computes everything (an explicit ``geocrm cube build``, once).
From then on, triggers queue the res-11 cells whose customers, enrichment or interactions
change (``cube.dirty_cells``), and ``refresh_cube`` recomputes the facts of just those
cells and the roll-up rows of their ancestors, in one transaction that costs what the
customers of those cells cost; the build and the refresh run the same SQL, restricted to a
set of cells (``spatial_sql/cube/refresh_*.sql``).
``geocrm.freshness`` calls it after every import, manual pin, re-geocoding and enrichment.
Readers never wait: both write with DELETE + INSERT (MVCC), never TRUNCATE.

**Month of activity.** The filter ``month=YYYY-MM`` selects the customers that had at least
one interaction in that month (``cube.activity_month(occurred_at)``: the calendar month in
UTC). Under it the interaction counts (orders, support requests, ...) count only that
month's interactions, and every other measure (customers, prospects, revenue, lifetime
value, satisfaction, churn risk, and the context of the cells) is that of the selected
customers, with their current attributes. It combines with every other filter and is
answered from ``cube.activity_facts`` (the facts per month). One month per question: a
customer active in two months would be counted twice in a sum over months, so several
months are refused (``InvalidInput``) rather than answered wrongly. The cell detail breaks
a cell down by month too.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import cache
from typing import Any

import h3
import shapely
from sqlalchemy import Connection, Engine, text
from sqlalchemy.sql.elements import TextClause

from geocrm import hexgrid
from geocrm.db import bulk_transaction, sql_file
from geocrm.errors import InvalidInput, NotFound

#: Resolutions of the cube, coarsest first.
RESOLUTIONS = hexgrid.RESOLUTIONS
#: Every measure a cell has, in output order.
MEASURES = (
    "customers",
    "prospects",
    "revenue",
    "ltv",
    "mean_satisfaction",
    "mean_churn_risk",
    "orders",
    "support_requests",
    "complaints",
    "visits",
    "survey_responses",
    "campaign_responses",
    "footfall",
    "addressable_buildings",
    "households",
    "penetration",
)
#: Measures that add up over cells (the rest are ratios of sums).
ADDITIVE = (
    "customers",
    "prospects",
    "revenue",
    "ltv",
    "orders",
    "support_requests",
    "complaints",
    "visits",
    "survey_responses",
    "campaign_responses",
    "addressable_buildings",
    "households",
)
STAGES = ("prospect", "customer", "client", "supporter", "advocate", "partner")
KINDS = ("person", "business")
BUILDING_CLASSES = (
    "residential",
    "commercial",
    "retail",
    "office",
    "public",
    "industrial",
    "other",
)
#: Filter names (the dimensions of cube.facts) and whether their values are integer ids.
FILTERS: dict[str, bool] = {
    "stage": False,
    "segment": False,
    "kind": False,
    "building_class": False,
    "store_id": True,
    "rep_id": True,
    "territory_id": True,
}
#: The month-of-activity filter (``YYYY-MM``, one month per question).
MONTH = "month"
TOP_CUSTOMERS = 10
_INTEGER_MEASURES = frozenset(ADDITIVE) - {"revenue", "ltv", "households"}


@cache
def _sql(name: str) -> TextClause:
    return text(sql_file(f"cube/{name}.sql"))


# --------------------------------------------------------------------------- building


def build_cube(engine: Engine) -> dict[str, Any]:
    """Rebuild the whole cube from the enriched customers, in one transaction.

    Readers see the previous cube until the rebuild commits (it deletes and inserts; it
    does not truncate, so nobody waits for it). Customers without an enrichment row
    (unplaced, or moved since the last enrichment) are left out. The refresh queue is
    emptied: the build covers every change committed before it.

    Returns
    -------
    dict
        Row counts (``fact_rows``, ``context_cells``, ``customers_counted``,
        ``cells_per_res``), the segments and months found, and ``seconds`` per step and in
        total.
    """
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with bulk_transaction(engine) as conn:
        conn.execute(_sql("lock"))
        _run_steps(conn, ("build_context", "scope_all", "refresh_facts", "refresh_rollup"), seconds)
        conn.execute(text("ANALYZE cube.facts, cube.activity_facts, cube.rollup"))
        summary = _summary(conn)
        seconds["total"] = round(time.perf_counter() - started, 3)
        conn.execute(
            _sql("record_build"),
            {"seconds": json.dumps(seconds), "summary": json.dumps(summary)},
        )
    # the build deleted every row it replaced: reclaim them now rather than at autovacuum
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM cube.facts, cube.activity_facts, cube.rollup, cube.cell_context"))
    return {**summary, "seconds": seconds}


def refresh_cube(engine: Engine) -> dict[str, Any]:
    """Bring the cube up to date with the changes queued since the last build or refresh.

    The queued res-11 cells (``cube.dirty_cells``) get their facts recomputed (deleted and
    inserted again) and the roll-up rows of their ancestors at res 5..10 too, in one
    transaction, with the same SQL as ``build_cube`` restricted to those cells. With an
    empty queue nothing is written. Cell context (buildings, foot traffic) is not
    refreshed: it changes with the city or the network layers, after which
    ``geocrm enrich`` rebuilds the cube.

    Raises
    ------
    NotFound
        The cube was never built (``geocrm cube build`` first).

    Returns
    -------
    dict
        ``cells`` (res-11 cells recomputed; 0 when there was nothing to do), ``customers``
        (the enriched customers in them, whose facts were aggregated again), ``summary``
        (as ``last_build``) and ``seconds`` per step and in total.
    """
    started = time.perf_counter()
    seconds: dict[str, float] = {}
    with engine.connect() as conn:
        _built(conn)
        pending = conn.execute(_sql("pending")).scalar_one()
    if not pending:
        seconds["total"] = round(time.perf_counter() - started, 3)
        return {"cells": 0, "seconds": seconds}
    with bulk_transaction(engine) as conn:
        conn.execute(_sql("lock"))
        _run_steps(conn, ("scope_dirty",), seconds)
        cells = conn.execute(_sql("scope_size")).scalar_one()
        if cells == 0:  # a concurrent refresh took them while we waited for the lock
            seconds["total"] = round(time.perf_counter() - started, 3)
            return {"cells": 0, "seconds": seconds}
        _run_steps(conn, ("refresh_facts", "refresh_rollup"), seconds)
        customers = conn.execute(_sql("scope_customers")).scalar_one()
        step_started = time.perf_counter()
        summary = _summary(conn)
        seconds["summary"] = round(time.perf_counter() - step_started, 3)
        seconds["total"] = round(time.perf_counter() - started, 3)
        conn.execute(
            _sql("record_refresh"),
            {
                "summary": json.dumps(summary),
                "refresh": json.dumps({"cells": cells, "customers": customers, "seconds": seconds}),
            },
        )
    return {"cells": cells, "customers": customers, "summary": summary, "seconds": seconds}


def is_built(engine: Engine) -> bool:
    """Whether the cube has been built (the hooks that keep it fresh do nothing before)."""
    with engine.connect() as conn:
        return conn.execute(_sql("last_build")).first() is not None


def last_build(engine: Engine) -> dict[str, Any] | None:
    """When the cube was last built and refreshed, with its summary; None if never built."""
    with engine.connect() as conn:
        row = conn.execute(_sql("last_build")).mappings().first()
    if row is None:
        return None
    refreshed = row["refreshed_at"]
    return {
        "built_at": row["built_at"].isoformat(),
        "seconds": row["seconds"],
        "refreshed_at": refreshed.isoformat() if refreshed else None,
        "last_refresh": row["refresh"],
        **row["summary"],
    }


def _run_steps(conn: Connection, steps: Iterable[str], seconds: dict[str, float]) -> None:
    """Run SQL files of ``spatial_sql/cube`` (several statements each), timing each."""
    driver = conn.connection.driver_connection
    for step in steps:
        step_started = time.perf_counter()
        driver.execute(sql_file(f"cube/{step}.sql"))
        name = step.removeprefix("build_").removeprefix("refresh_")
        seconds[name] = round(time.perf_counter() - step_started, 3)


def _summary(conn: Connection) -> dict[str, Any]:
    row = conn.execute(_sql("summary")).mappings().one()
    return {
        "fact_rows": row["fact_rows"],
        "context_cells": row["context_cells"],
        "customers_counted": int(row["customers_counted"]),
        "cells_per_res": {int(k): v for k, v in (row["cells_per_res"] or {}).items()},
        "segments": sorted(row["segments"]),
        "months": list(row["months"]),
    }


# --------------------------------------------------------------------------- querying


def query_cube(
    engine: Engine,
    *,
    res: int,
    measure: str | None = None,
    filters: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The cells at ``res`` with their measures, for customers matching ``filters``.

    Parameters
    ----------
    res
        H3 resolution, 5 (~20 km across) to 11 (~50 m across).
    measure
        One of ``MEASURES`` to return only that measure; None for all of them.
    filters
        Dimension name (``FILTERS``) to one value, several values (a list, or a
        comma-separated string); the values of one filter are alternatives, filters combine.
        ``month`` (``YYYY-MM``, one month) keeps the customers active that month and counts
        that month's interactions only (see the module docstring). Without filters, cells
        that only have context (buildings, foot traffic) are included.

    Returns
    -------
    list of dict
        One dict per cell, ordered by cell id: ``cell`` (int id), ``h3`` (hex id), ``res``
        and the measures.
    """
    hexgrid.check_res(res)
    wanted = _check_measure(measure)
    with engine.connect() as conn:
        _built(conn)
        params = validate_filters(conn, filters)
        rows = _cells(conn, res, params)
    return [_select(row, wanted) for row in rows]


def cell_detail(engine: Engine, cell: int | str) -> dict[str, Any]:
    """One cell: its measures, its top customers by revenue and a breakdown by dimension.

    ``top_customers`` come from the live customer tables, the breakdown from the cube;
    measures are those of ``query_cube``. The breakdown has one list per dimension of
    ``FILTERS`` (each adds up to the cell) and one by ``month`` of activity (the customers
    active in each month and that month's interactions: customers active in several months
    are in each, so the months do not add up to the cell).
    """
    cell = hexgrid.parse_cell(cell)
    res = _cell_res(cell)
    lo, hi = descendant_range(cell, hexgrid.FINEST)
    with engine.connect() as conn:
        measures = _existing_cell(conn, cell)
        top = conn.execute(
            _sql("top_customers"), {"lo": lo, "hi": hi, "limit": TOP_CUSTOMERS}
        ).mappings()
        top_customers = [
            {
                **{k: v for k, v in c.items() if k != "h3_11"},
                "annual_revenue": float(c["annual_revenue"]),
                "lifetime_value": float(c["lifetime_value"]),
                "h3_11": h3.int_to_str(c["h3_11"]),
            }
            for c in top
        ]
        breakdown: dict[str, list[dict[str, Any]]] = {name: [] for name in (*FILTERS, MONTH)}
        rows = [
            *conn.execute(_sql("breakdown"), {"lo": lo, "hi": hi}).mappings(),
            *conn.execute(_sql("breakdown_month"), {"lo": lo, "hi": hi}).mappings(),
        ]
        for row in rows:
            value: Any = row["value"]
            if value is not None and FILTERS.get(row["dimension"]):
                value = int(value)
            fact_measures = _measures(
                {
                    **row,
                    "footfall_sum": 0,
                    "footfall_n": 0,
                    "addressable_buildings": 0,
                    "households": 0,
                }
            )
            breakdown[row["dimension"]].append(
                {"value": value, **{k: fact_measures[k] for k in _FACT_MEASURES}}
            )
    return {
        **measures,
        "parent": _cell_id(hexgrid.cell_to_parent([cell], res - 1)[0]) if res > 5 else None,
        "top_customers": top_customers,
        "breakdown": breakdown,
        "center": _center(cell),
    }


def cell_children(
    engine: Engine, cell: int | str, *, filters: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Drill down: the cells one resolution finer inside ``cell`` (up to res 11)."""
    cell = hexgrid.parse_cell(cell)
    res = _cell_res(cell)
    if res >= hexgrid.FINEST:
        raise InvalidInput(
            f"cell {h3.int_to_str(cell)} is at resolution {res}, the finest of the cube: "
            "it has no children"
        )
    with engine.connect() as conn:
        _existing_cell(conn, cell)
        params = validate_filters(conn, filters)
        rows = _cells(conn, res + 1, params, within=cell)
    return [_select(row, None) for row in rows]


def cell_parent(
    engine: Engine, cell: int | str, *, filters: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Roll up: the cell one resolution coarser that contains ``cell`` (down to res 5)."""
    cell = hexgrid.parse_cell(cell)
    res = _cell_res(cell)
    if res <= RESOLUTIONS[0]:
        raise InvalidInput(
            f"cell {h3.int_to_str(cell)} is at resolution {res}, the coarsest of the cube: "
            "it has no parent in the cube"
        )
    parent = int(hexgrid.cell_to_parent([cell], res - 1)[0])
    with engine.connect() as conn:
        _existing_cell(conn, cell)
        params = validate_filters(conn, filters)
        rows = _cells(conn, res - 1, params, within=parent)
    return _select(rows[0], None) if rows else _select(_empty(parent), None)


def cells_geojson(engine: Engine, cells: list[dict[str, Any]]) -> dict[str, Any]:
    """Cells (as ``query_cube`` returns them) as a GeoJSON FeatureCollection of hexagons.

    Hexagons come from ``ref.h3_cells``; cells not materialised there are drawn with
    ``geocrm.hexgrid.cell_boundaries``.
    """
    ids = [c["cell"] for c in cells]
    with engine.connect() as conn:
        shapes = {
            h: json.loads(g) for h, g in conn.execute(_sql("cell_shapes"), {"cells": ids}).all()
        }
    missing = [i for i in ids if i not in shapes]
    for cell, polygon in zip(missing, hexgrid.cell_boundaries(missing), strict=True):
        shapes[cell] = json.loads(shapely.to_geojson(polygon))
    features = [
        {
            "type": "Feature",
            "id": c["h3"],
            "geometry": shapes[c["cell"]],
            # the int id loses precision in JavaScript: clients key on the hex id
            "properties": {k: v for k, v in c.items() if k != "cell"},
        }
        for c in cells
    ]
    return {"type": "FeatureCollection", "features": features}


def cells_csv(cells: list[dict[str, Any]]) -> str:
    """Cells (as ``query_cube`` returns them) as CSV text with a header row."""
    out = io.StringIO()
    columns = list(cells[0]) if cells else ["cell", "h3", "res", *MEASURES]
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(cells)
    return out.getvalue()


def dimensions(engine: Engine) -> dict[str, Any]:
    """The measures, and the values each filter can take (stores and reps with their names;
    segments and months of activity as of the last build or refresh) — what a client offers
    in its pickers."""
    with engine.connect() as conn:
        row = conn.execute(_sql("last_build")).mappings().first()
        named: dict[str, list[dict[str, Any]]] = {"store_id": [], "rep_id": []}
        for dimension, id_, name in conn.execute(_sql("dimension_names")):
            named[dimension].append({"id": id_, "name": name})
    return {
        "measures": list(MEASURES),
        "stage": list(STAGES),
        "segment": sorted(row["summary"].get("segments", [])) if row else [],
        "kind": list(KINDS),
        "building_class": list(BUILDING_CLASSES),
        **named,
        "territory_id": [],
        MONTH: list(row["summary"].get("months", [])) if row else [],
    }


# --------------------------------------------------------------------------- H3 ids


def descendant_range(cell: int, res: int) -> tuple[int, int]:
    """The smallest and largest id of the descendants of ``cell`` at ``res``.

    Descendants share the cell's leading digits, so they are exactly the ids at ``res`` in
    this range: an index range scan instead of computing every row's parent.
    """
    cell_res = (cell >> 52) & 15
    base = (cell & ~(15 << 52)) | (res << 52)  # digits finer than cell_res are all 7
    lo = (base & ~((1 << (3 * (15 - cell_res))) - 1)) | ((1 << (3 * (15 - res))) - 1)
    return lo, base


# --------------------------------------------------------------------------- private

_FACT_MEASURES = tuple(
    m
    for m in MEASURES
    if m not in {"footfall", "addressable_buildings", "households", "penetration"}
)


def _check_measure(measure: str | None) -> str | None:
    if measure is not None and measure not in MEASURES:
        raise InvalidInput(f"unknown measure {measure!r}; measures: {', '.join(MEASURES)}")
    return measure


def _cell_res(cell: int) -> int:
    """The resolution of a cell of the cube; NotFound for ids that are no H3 cell."""
    try:
        valid = cell >= 0 and h3.is_valid_cell(h3.int_to_str(cell))
    except (ValueError, TypeError, OverflowError):
        valid = False
    if not valid:
        raise NotFound(f"no H3 cell has the id {cell}")
    res = h3.get_resolution(h3.int_to_str(cell))
    hexgrid.check_res(res)
    return res


def _center(cell: int) -> list[float]:
    """[lon, lat] of a cell's centre."""
    lat, lon = h3.cell_to_latlng(h3.int_to_str(cell))
    return [lon, lat]


def _cell_id(cell: int) -> str:
    return h3.int_to_str(int(cell))


def _built(conn: Connection) -> dict[str, Any]:
    row = conn.execute(_sql("last_build")).mappings().first()
    if row is None:
        raise NotFound("the hex cube has not been built yet: run `geocrm cube build`")
    return row["summary"]


def _existing_cell(conn: Connection, cell: int) -> dict[str, Any]:
    """The unfiltered measures of a cell; NotFound when the cube has nothing there."""
    _built(conn)
    rows = _cells(conn, _cell_res(cell), _no_filters(), exact=cell)
    if not rows:
        raise NotFound(
            f"cell {h3.int_to_str(cell)} (resolution {_cell_res(cell)}) has no customers, "
            "buildings or foot traffic in the cube"
        )
    return _select(rows[0], None)


def _no_filters() -> dict[str, Any]:
    return dict.fromkeys((*FILTERS, MONTH))


def split_values(value: Any) -> list[str]:
    """A filter's values from one value, a list, or a comma-separated string."""
    if value is None:
        return []
    items: Iterable[Any] = value.split(",") if isinstance(value, str) else value
    if isinstance(items, int | float | str):
        items = [items]
    return [str(v).strip() for v in items if str(v).strip()]


def validate_filters(conn: Connection, filters: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validated filters as SQL parameters: an array per dimension of ``FILTERS`` and
    ``month`` as the first day of the month (None: no filter on that dimension).

    Values are checked against what the data holds (stores, reps, the segments and months
    of the cube); ``InvalidInput`` says which values are allowed."""
    filters = dict(filters or {})
    unknown = sorted(set(filters) - {*FILTERS, MONTH})
    if unknown:
        raise InvalidInput(
            f"unknown filter {', '.join(map(repr, unknown))}; filters: "
            f"{', '.join((*FILTERS, MONTH))}"
        )
    summary = _built(conn) if {"segment", MONTH} & set(filters) else {}
    params = _no_filters()
    for name, raw in filters.items():
        values = split_values(raw)
        if not values:
            continue
        if name == MONTH:
            params[MONTH] = _check_month(values, summary.get("months", []))
            continue
        if FILTERS[name]:
            try:
                ids = sorted({int(v) for v in values})
            except ValueError:
                raise InvalidInput(
                    f"{name} takes integer ids (comma-separated), got {raw!r}"
                ) from None
            if any(not 0 < i < 2**63 for i in ids):
                raise InvalidInput(f"{name} ids are positive 64-bit integers, got {raw!r}")
            allowed = _allowed_ids(conn, name)
            if allowed is not None:
                _check_values(name, ids, allowed)
            params[name] = ids
        else:
            allowed_text = {
                "stage": STAGES,
                "kind": KINDS,
                "building_class": BUILDING_CLASSES,
                "segment": tuple(summary.get("segments", ())),
            }[name]
            _check_values(name, values, allowed_text)
            params[name] = sorted(set(values))
    return params


def _check_month(values: list[str], months: list[str]) -> str:
    """The first day (``YYYY-MM-01``) of the one month asked for, within the data's months."""
    if len(values) > 1:
        raise InvalidInput(
            f"month takes one month (YYYY-MM), got {len(values)}: a customer active in "
            "several months would be counted once per month in their sum; ask month by month"
        )
    value = values[0]
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise InvalidInput(f"month must be a month as YYYY-MM (e.g. 2026-03), got {value!r}")
    if not months:
        raise InvalidInput("the cube holds no interactions: there is no month of activity")
    if not months[0] <= value <= months[-1]:
        raise InvalidInput(
            f"month {value} is outside the data: months with activity run from {months[0]} "
            f"to {months[-1]} ({', '.join(months)})"
        )
    return f"{value}-01"


def _allowed_ids(conn: Connection, name: str) -> tuple[int, ...] | None:
    if name == "store_id":
        return tuple(conn.execute(_sql("store_ids")).scalars())
    if name == "rep_id":
        return tuple(conn.execute(_sql("rep_ids")).scalars())
    return None  # territories have no table yet: any id is a (possibly empty) territory


def _check_values(name: str, values: Iterable[Any], allowed: Iterable[Any]) -> None:
    allowed = tuple(allowed)
    bad = [v for v in values if v not in allowed]
    if bad:
        shown = ", ".join(map(str, allowed[:50])) + (" ..." if len(allowed) > 50 else "")
        raise InvalidInput(
            f"unknown {name} {', '.join(map(repr, bad))}; {name} may be: {shown or '(none)'}"
        )


def _cells(
    conn: Connection,
    res: int,
    params: dict[str, Any],
    *,
    within: int | None = None,
    exact: int | None = None,
    force_facts: bool = False,
) -> list[dict[str, Any]]:
    """Cells at ``res`` (optionally only descendants of ``within``, or only ``exact``):
    from the roll-up when unfiltered, from the facts otherwise (or with ``force_facts``)."""
    filtered = any(v is not None for v in params.values())
    scope = exact if exact is not None else within
    if not filtered and not force_facts:
        lo, hi = descendant_range(scope, res) if scope is not None else (None, None)
        rows = conn.execute(_sql("cells_from_rollup"), {"res": res, "lo": lo, "hi": hi})
    else:
        lo, hi = descendant_range(scope, hexgrid.FINEST) if scope is not None else (None, None)
        rows = conn.execute(
            _sql("cells_from_facts"),
            {"res": res, "lo": lo, "hi": hi, "filtered": filtered, **params},
        )
    return [{"cell": r["h3"], "res": res, **r} for r in rows.mappings()]


def _empty(cell: int) -> dict[str, Any]:
    sums = dict.fromkeys(
        (*ADDITIVE, "satisfaction_sum", "satisfaction_n", "churn_sum", "churn_n"), 0
    )
    return {"cell": cell, "res": (cell >> 52) & 15, **sums, "footfall_sum": 0, "footfall_n": 0}


def _ratio(numerator: Any, denominator: Any) -> float | None:
    return float(Decimal(numerator) / Decimal(denominator)) if denominator else None


def _measures(row: Mapping[str, Any]) -> dict[str, Any]:
    """All measures of a row of additive sums, the derived ones computed from the sums."""
    out: dict[str, Any] = {}
    for name in MEASURES:
        if name in _INTEGER_MEASURES:
            out[name] = int(row[name])
        elif name in ADDITIVE:
            out[name] = float(row[name])
    out["mean_satisfaction"] = _ratio(row["satisfaction_sum"], row["satisfaction_n"])
    out["mean_churn_risk"] = _ratio(row["churn_sum"], row["churn_n"])
    out["footfall"] = _ratio(row["footfall_sum"], row["footfall_n"])
    out["penetration"] = _ratio(row["customers"], row["households"])
    return {name: out[name] for name in MEASURES}


def _select(row: Mapping[str, Any], measure: str | None) -> dict[str, Any]:
    measures = _measures(row)
    if measure is not None:
        measures = {measure: measures[measure]}
    return {"cell": int(row["cell"]), "h3": _cell_id(row["cell"]), "res": row["res"], **measures}
