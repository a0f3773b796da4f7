"""Period against period in the hex cube: two months or two ranges of months compared per
cell, and a measure month by month (a time series) for a cell or a territory.

**No double counting.** The month of activity filter keeps the customers active that month
(see :mod:`geocrm.cube`); months are never added up, since a customer active in two months
would count twice. A range ``YYYY-MM..YYYY-MM`` is computed in the database as the
customers active in *any* month of the range, each once, with the interactions of the
range (``cube.range_facts``, read by ``cube.fact_sums`` for a filter document with
``month_to``). Both periods go through ``cube.cells``, so the k-rule applies to each as it
does to ``GET /api/cube``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import h3
from sqlalchemy import Connection, Engine

from geocrm import hexgrid, vocabulary
from geocrm.cube.query import cell_res, descendant_range, measures
from geocrm.dimension_values import built_summary, cube_sql, validate_filters
from geocrm.errors import InvalidInput, NotFound
from geocrm.vocabulary import FACT_MEASURES, MONTH, SUMS

#: The longest range (and the longest series) asked for, in months.
MAX_MONTHS = 24
#: What a period looks like in a query string.
PERIOD_HELP = "a month YYYY-MM or a range of months YYYY-MM..YYYY-MM (e.g. 2026-01..2026-03)"
_MONTH = r"[0-9]{4}-(?:0[1-9]|1[0-2])"
_PERIOD = re.compile(rf"({_MONTH})(?:\.\.({_MONTH}))?")


@dataclass(frozen=True)
class Period:
    """A month (``first == last``) or a range of months, as ``YYYY-MM``."""

    first: str
    last: str

    def __str__(self) -> str:
        return self.first if self.first == self.last else f"{self.first}..{self.last}"

    def months(self) -> list[str]:
        """Every month of the period, in order."""
        return month_span(self.first, self.last)


def month_span(first: str, last: str) -> list[str]:
    """The months ``first``..``last`` (``YYYY-MM``) in order."""
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def parse_period(name: str, raw: str | None, months: list[str]) -> Period:
    """A period from a query-string value, checked: well formed, in order, at most
    :data:`MAX_MONTHS` months, inside the months the cube holds (``months``, in order)."""
    match = _PERIOD.fullmatch((raw or "").strip())
    if match is None:
        raise InvalidInput(f"{name} must be {PERIOD_HELP}, got {raw!r:.40}")
    first, last = match.group(1), match.group(2) or match.group(1)
    if last < first:
        raise InvalidInput(f"{name}: the range {raw} ends before it starts")
    if len(month_span(first, last)) > MAX_MONTHS:
        raise InvalidInput(f"{name}: a range is at most {MAX_MONTHS} months, got {raw}")
    if not months:
        raise InvalidInput("the cube holds no interactions: there is no month of activity")
    if first < months[0] or last > months[-1]:
        raise InvalidInput(
            f"{name} {raw} is outside the data: months with activity run from {months[0]} "
            f"to {months[-1]}"
        )
    return Period(first, last)


#: The difference map's tile parameters (``hex_change`` in ``tiles/catalog.toml``): how
#: each is validated, and what each kind means.
COMPARE_PARAMS = {"a": "period", "b": "period", "measure": "compare_measure"}
COMPARE_PARAM_DOCS = {
    "period": f"{PERIOD_HELP}; a range counts its customers active in any month once",
    "compare_measure": f"the measure compared: {', '.join(FACT_MEASURES)} (default customers)",
}


def compare_param(conn: Connection, kind: str, name: str, raw: str) -> Any:
    """A tile parameter of the difference map, validated: a period as the filter keys of
    ``cube.audience_filter`` (``month``, and ``month_to`` for a range), or a measure."""
    if kind == "compare_measure":
        return check_measure(raw)
    period = parse_period(name, raw, months_held(conn))
    keys = {MONTH: f"{period.first}-01"}
    if period.last != period.first:
        keys["month_to"] = f"{period.last}-01"
    return keys


def check_measure(name: str | None) -> str:
    """A measure of the customers (the context of a cell does not change by month)."""
    name = name or "customers"
    if name not in FACT_MEASURES:
        raise InvalidInput(
            f"measure {name!r} cannot be compared between periods; measures: "
            f"{', '.join(FACT_MEASURES)}"
        )
    return name


def period_document(params: Mapping[str, Any], period: Period) -> str:
    """The filter document of validated dimension filters for a period: ``month`` (and
    ``month_to`` for a range) as first days of months."""
    doc = json.loads(vocabulary.filter_document({**params, MONTH: None}))
    doc[MONTH] = f"{period.first}-01"
    if period.last != period.first:
        doc["month_to"] = f"{period.last}-01"
    return json.dumps(doc, separators=(",", ":"))


def _rows(
    conn: Connection, res: int, document: str, lo: int | None = None, hi: int | None = None
) -> dict[int, Mapping[str, Any]]:
    rows = conn.execute(
        cube_sql("cells"),
        {"res": res, "lo": lo, "hi": hi, "filter": document, "from_facts": False},
    ).mappings()
    return {int(r["h3"]): r for r in rows}


_ZERO = dict.fromkeys(SUMS, 0)


def _value(row: Mapping[str, Any] | None, measure: str) -> float | int | None:
    """A measure of a row of sums; a cell with nothing in the period has zero sums."""
    return measures(row if row is not None else _ZERO)[measure]


def _change(a: float | None, b: float | None) -> dict[str, float | None]:
    if a is None or b is None:
        return {"change": None, "change_pct": None}
    change = b - a
    return {"change": change, "change_pct": round(change / a * 100, 2) if a else None}


def months_held(conn: Connection) -> list[str]:
    """The months of activity the cube holds (``YYYY-MM``, in order); NotFound if unbuilt."""
    return sorted(built_summary(conn).get("months", []))


def compare_cells(
    engine: Engine,
    *,
    res: int,
    a: str,
    b: str,
    measure: str | None = None,
    filters: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A measure per cell in period ``a`` and period ``b`` (each :data:`PERIOD_HELP`) under
    the dimension filters: ``{"measure", "a", "b", "cells": [{h3, res, a, b, change,
    change_pct}]}``, ``change`` = b - a, ``change_pct`` relative to a (None when a is 0).
    A cell with customers in one period only is 0 in the other."""
    hexgrid.check_res(res)
    measure = check_measure(measure)
    with engine.connect() as conn:
        months = months_held(conn)
        pa, pb = parse_period("a", a, months), parse_period("b", b, months)
        params = validate_filters(conn, filters)
        rows_a = _rows(conn, res, period_document(params, pa))
        rows_b = _rows(conn, res, period_document(params, pb))
    cells = []
    for cell in sorted(rows_a.keys() | rows_b.keys()):
        va, vb = _value(rows_a.get(cell), measure), _value(rows_b.get(cell), measure)
        cells.append({"h3": h3.int_to_str(cell), "res": res, "a": va, "b": vb, **_change(va, vb)})
    return {"measure": measure, "a": str(pa), "b": str(pb), "res": res, "cells": cells}


def series_months(conn: Connection, first: str | None, last: str | None) -> list[str]:
    """The months of a series: ``first``..``last`` (default: the cube's first and last
    months, at most the last :data:`MAX_MONTHS`), checked like a period."""
    held = months_held(conn)
    if not held:
        raise InvalidInput("the cube holds no interactions: there is no month of activity")
    last = last or held[-1]
    first = first or (month_span(held[0], last) or held)[-MAX_MONTHS:][0]
    return parse_period("from..to", f"{first}..{last}", held).months()


def _point(month: str, row: Mapping[str, Any] | None, measure: str) -> dict[str, Any]:
    point = {"month": month, "value": _value(row, measure)}
    if row is not None and row.get("suppressed_cells") is not None:
        point["suppressed_cells"] = int(row["suppressed_cells"])
    return point


def cell_series(
    engine: Engine,
    cell: int | str,
    *,
    measure: str | None = None,
    first: str | None = None,
    last: str | None = None,
    filters: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A cell's measure month by month (each month its own question: the customers active
    that month), under the dimension filters and the k-rule."""
    cell = hexgrid.parse_cell(cell)
    res = cell_res(cell)
    measure = check_measure(measure)
    lo, hi = descendant_range(cell, hexgrid.FINEST)
    with engine.connect() as conn:
        months = series_months(conn, first, last)
        params = validate_filters(conn, filters)
        points = []
        for month in months:
            rows = _rows(conn, res, period_document(params, Period(month, month)), lo, hi)
            points.append(_point(month, rows.get(cell), measure))
    return {"h3": h3.int_to_str(cell), "res": res, "measure": measure, "points": points}


def territory_series(
    engine: Engine,
    plan_id: int,
    territory_id: int,
    *,
    measure: str | None = None,
    first: str | None = None,
    last: str | None = None,
    filters: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A territory's measure month by month: the sums of its cells (at the plan's
    resolution) as the user may see them (each a cell of ``cube.cells``, the k-rule
    applied), under the dimension filters."""
    measure = check_measure(measure)
    with engine.connect() as conn:
        territory = (
            conn.execute(
                cube_sql("territory_extent"), {"plan_id": plan_id, "territory_id": territory_id}
            )
            .mappings()
            .first()
        )
        if territory is None:
            raise NotFound(f"plan {plan_id} has no territory {territory_id}")
        months = series_months(conn, first, last)
        params = validate_filters(conn, filters)
        points = []
        for month in months:
            rows = conn.execute(
                cube_sql("territory_sums"),
                {
                    "filter": period_document(params, Period(month, month)),
                    "res": territory["res"],
                    "lo": territory["lo"],
                    "hi": territory["hi"],
                    "plan_id": plan_id,
                    "territory_id": territory_id,
                },
            ).mappings()
            points.append(_point(month, rows.first(), measure))
    return {
        "plan_id": plan_id,
        "territory_id": territory_id,
        "name": territory["name"],
        "measure": measure,
        "points": points,
    }
