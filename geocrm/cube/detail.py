"""One cell of the hex cube: its measures, top customers and breakdowns; drill-down to its
children and roll-up to its parent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import h3
from sqlalchemy import Engine

from geocrm import hexgrid, vocabulary
from geocrm.cube.query import (
    TOP_CUSTOMERS,
    cell_res,
    cells,
    descendant_range,
    empty,
    existing_cell,
    measures,
    select,
    suppressed,
)
from geocrm.dimension_values import cube_sql, validate_filters
from geocrm.errors import InvalidInput
from geocrm.vocabulary import FACT_MEASURES, FILTER_NAMES, FILTERS, RESOLUTIONS


def cell_detail(
    engine: Engine, cell: int | str, *, filters: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """One cell under ``filters``: its measures, its top customers by revenue and a
    breakdown by dimension.

    ``filters`` are those of ``query_cube`` (dimensions and ``month``): the measures are
    the cell's as ``query_cube(res=<the cell's>, filters=filters)`` gives them (zero when
    nothing in the cell matches), the top customers are the matching customers (from the
    live customer tables, as row-level security shows them), and each breakdown splits the
    filtered cell by one dimension (each adds up to the filtered cell). The breakdown by
    ``month`` lists every month of activity under the dimension filters, whatever month is
    asked (the customers active in each month and that month's interactions: customers
    active in several months are in each, so the months do not add up to the cell). The
    k-rule applies to every figure as it does to the cells. ``NotFound`` when the cube has
    nothing at all in the cell.
    """
    cell = hexgrid.parse_cell(cell)
    res = cell_res(cell)
    lo, hi = descendant_range(cell, hexgrid.FINEST)
    with engine.connect() as conn:
        existing_cell(conn, cell)
        params = validate_filters(conn, filters)
        document = vocabulary.filter_document(params)
        matching = cells(conn, res, params, exact=cell)
        cell_measures = select(matching[0] if matching else empty(cell), None)
        top = conn.execute(
            cube_sql("top_customers"),
            {"lo": lo, "hi": hi, "limit": TOP_CUSTOMERS, "filter": document},
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
        names = list(FILTER_NAMES)
        breakdown: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        rows = conn.execute(
            cube_sql("breakdown"),
            {"res": res, "lo": lo, "hi": hi, "dimensions": names, "filter": document},
        ).mappings()
        context = dict.fromkeys(
            ("footfall_sum", "footfall_n", "addressable_buildings", "households"), 0
        )
        for row in rows:
            value: Any = row["value"]
            if value is not None and FILTERS.get(row["dimension"]):
                value = int(value)
            fact_measures = measures({**row, **context})
            breakdown[row["dimension"]].append(
                {
                    "value": value,
                    **{k: fact_measures[k] for k in FACT_MEASURES},
                    **suppressed(row),
                }
            )
    return {
        **cell_measures,
        "parent": h3.int_to_str(int(hexgrid.cell_to_parent([cell], res - 1)[0]))
        if res > 5
        else None,
        "top_customers": top_customers,
        "breakdown": breakdown,
        "center": _center(cell),
    }


def cell_children(
    engine: Engine, cell: int | str, *, filters: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Drill down: the cells one resolution finer inside ``cell`` (up to res 11)."""
    cell = hexgrid.parse_cell(cell)
    res = cell_res(cell)
    if res >= hexgrid.FINEST:
        raise InvalidInput(
            f"cell {h3.int_to_str(cell)} is at resolution {res}, the finest of the cube: "
            "it has no children"
        )
    with engine.connect() as conn:
        existing_cell(conn, cell)
        params = validate_filters(conn, filters)
        rows = cells(conn, res + 1, params, within=cell)
    return [select(row, None) for row in rows]


def cell_parent(
    engine: Engine, cell: int | str, *, filters: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Roll up: the cell one resolution coarser that contains ``cell`` (down to res 5)."""
    cell = hexgrid.parse_cell(cell)
    res = cell_res(cell)
    if res <= RESOLUTIONS[0]:
        raise InvalidInput(
            f"cell {h3.int_to_str(cell)} is at resolution {res}, the coarsest of the cube: "
            "it has no parent in the cube"
        )
    parent = int(hexgrid.cell_to_parent([cell], res - 1)[0])
    with engine.connect() as conn:
        existing_cell(conn, cell)
        params = validate_filters(conn, filters)
        rows = cells(conn, res - 1, params, within=parent)
    return select(rows[0], None) if rows else select(empty(parent), None)


def _center(cell: int) -> list[float]:
    """[lon, lat] of a cell's centre."""
    lat, lon = h3.cell_to_latlng(h3.int_to_str(cell))
    return [lon, lat]
