"""Cells of the hex cube with their measures: from the roll-up when unfiltered, from the
facts (``cube.fact_sums``) for any filter combination; the derived measures computed from
the additive sums here (see :mod:`geocrm.cube`)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import h3
from sqlalchemy import Connection, Engine

from geocrm import hexgrid, vocabulary
from geocrm.dimension_values import built_summary, cube_sql, validate_filters
from geocrm.errors import NotFound
from geocrm.vocabulary import MEASURE_LIST

TOP_CUSTOMERS = 10


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
        that month's interactions only (see :mod:`geocrm.cube`). Without filters, cells
        that only have context (buildings, foot traffic) are included.

    Returns
    -------
    list of dict
        One dict per cell, ordered by cell id: ``cell`` (int id), ``h3`` (hex id), ``res``
        and the measures.
    """
    hexgrid.check_res(res)
    wanted = vocabulary.measure(measure)
    with engine.connect() as conn:
        built_summary(conn)
        params = validate_filters(conn, filters)
        rows = cells(conn, res, params)
    return [select(row, wanted) for row in rows]


def descendant_range(cell: int, res: int) -> tuple[int, int]:
    """The smallest and largest id of the descendants of ``cell`` at ``res``.

    Descendants share the cell's leading digits, so they are exactly the ids at ``res`` in
    this range: an index range scan instead of computing every row's parent.
    """
    cell_res = (cell >> 52) & 15
    base = (cell & ~(15 << 52)) | (res << 52)  # digits finer than cell_res are all 7
    lo = (base & ~((1 << (3 * (15 - cell_res))) - 1)) | ((1 << (3 * (15 - res))) - 1)
    return lo, base


def cells(
    conn: Connection,
    res: int,
    params: Mapping[str, Any],
    *,
    within: int | None = None,
    exact: int | None = None,
    force_facts: bool = False,
) -> list[dict[str, Any]]:
    """Rows of sums of the cells at ``res`` (optionally only descendants of ``within``, or
    only ``exact``) for validated filters ``params``, as the user of the transaction may
    see them (``cube.cells``: from the roll-up when unfiltered, from the facts otherwise or
    with ``force_facts``; the k-rule, with ``suppressed_cells``)."""
    scope = exact if exact is not None else within
    lo, hi = descendant_range(scope, hexgrid.FINEST) if scope is not None else (None, None)
    rows = conn.execute(
        cube_sql("cells"),
        {
            "res": res,
            "lo": lo,
            "hi": hi,
            "filter": vocabulary.filter_document(params),
            "from_facts": force_facts,
        },
    )
    return [{"cell": r["h3"], "res": res, **r} for r in rows.mappings()]


def existing_cell(conn: Connection, cell: int) -> dict[str, Any]:
    """The unfiltered measures of a cell; NotFound when the cube has nothing there."""
    built_summary(conn)
    rows = cells(conn, cell_res(cell), vocabulary.no_filters(), exact=cell)
    if not rows:
        raise NotFound(
            f"cell {h3.int_to_str(cell)} (resolution {cell_res(cell)}) has no customers, "
            "buildings or foot traffic in the cube"
        )
    return select(rows[0], None)


def cell_res(cell: int) -> int:
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


def empty(cell: int) -> dict[str, Any]:
    """The sums of a cell with nothing in it (or nothing the user may see)."""
    return {"cell": cell, "res": (cell >> 52) & 15, **dict.fromkeys(vocabulary.SUMS, 0)}


def measures(row: Mapping[str, Any]) -> dict[str, Any]:
    """All measures of a row of additive sums, the derived ones computed from the sums."""
    out: dict[str, Any] = {}
    for m in MEASURE_LIST:
        if m.ratio is not None:
            out[m.name] = _ratio(row[m.ratio[0]], row[m.ratio[1]])
        elif m.integer:
            out[m.name] = int(row[m.name])
        else:
            out[m.name] = float(row[m.name])
    return out


def select(row: Mapping[str, Any], measure: str | None) -> dict[str, Any]:
    """A cell as the API gives it: ids, resolution and its measures (or only ``measure``),
    and under the k-rule ``suppressed_cells``."""
    values = measures(row)
    if measure is not None:
        values = {measure: values[measure]}
    return {
        "cell": int(row["cell"]),
        "h3": h3.int_to_str(int(row["cell"])),
        "res": row["res"],
        **values,
        **suppressed(row),
    }


def suppressed(row: Mapping[str, Any]) -> dict[str, int]:
    """``{"suppressed_cells": n}`` when the k-rule applied to a row (the res-11 cells whose
    customers outside the user's rows were held back from its figures), else nothing."""
    held = row.get("suppressed_cells")
    return {} if held is None else {"suppressed_cells": int(held)}


def _ratio(numerator: Any, denominator: Any) -> float | None:
    return float(Decimal(numerator) / Decimal(denominator)) if denominator else None
