"""Concentration of a measure: "where is revenue concentrated?" — the cells of the cube (or
the territories of a plan) ranked by an additive measure, largest first, with each one's
share and the cumulative share, and a summary "the top N% of hexagons hold X% of it" (the
80/20 of the CRM literature).

The figures are those of ``GET /api/cube`` for the same resolution, filters and user: the
cells come from :func:`geocrm.cube.query.query_cube`, so the total is the sum of the cells
that user is shown and the shares add up to 1. Under the k-rule (analysts; managers and
reps outside their rows) the customers held back from every cell (``suppressed_cells``)
are in no cell and so in no share nor in the total: the summary is about the figures shown,
and says how many res-11 cells were held back.

Only hexagons with a positive value are ranked ("the top 20% of the hexagons that have any
revenue"): a cell with only buildings or foot traffic does not dilute the percentage.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine

from geocrm import csvsafe
from geocrm.cube.query import query_cube
from geocrm.errors import InvalidInput
from geocrm.vocabulary import ADDITIVE, MEASURE_LIST

#: The default "top N%" of the summary.
DEFAULT_TOP = (10, 20)
#: Columns of the concentration CSV, in order.
CSV_COLUMNS = ("rank", "h3", "value", "share", "cumulative_share")


def additive_measure(name: str) -> str:
    """A measure whose shares mean something: one that adds up over cells (a mean or a
    ratio does not), else ``InvalidInput`` naming those that do."""
    if name not in ADDITIVE:
        raise InvalidInput(
            f"concentration needs a measure that adds up over areas; {name!r} does not. "
            f"Measures: {', '.join(ADDITIVE)}"
        )
    return name


def top_percents(raw: Iterable[int] | None) -> tuple[int, ...]:
    """The percentages of the summary, each 1..100, sorted, without repeats."""
    values = tuple(sorted(set(raw or DEFAULT_TOP)))
    if not values or any(not 1 <= v <= 100 for v in values):
        raise InvalidInput("top: percentages of the ranked items, each 1..100")
    return values


def ranked(
    items: Sequence[Mapping[str, Any]], *, key: str, ties: str, top: Sequence[int]
) -> dict[str, Any]:
    """Items (dicts holding ``key``) with a positive value ranked largest first (ties by
    ``ties``), each with ``rank``, ``value``, ``share`` and ``cumulative_share``; the
    ``total``, the number ranked (``items``) and ``summary``: per N of ``top``, how many
    items the top N% is (rounded up, at least 1) and the share they hold."""
    positive = [dict(i) for i in items if (i[key] or 0) > 0]
    positive.sort(key=lambda i: (-i[key], i[ties]))
    total = sum(i[key] for i in positive)
    running = 0.0
    rows = []
    for rank, item in enumerate(positive, start=1):
        value = item.pop(key)
        running += value
        rows.append(
            {
                "rank": rank,
                **item,
                "value": value,
                "share": value / total,
                # the last one is exactly 1, whatever the rounding on the way
                "cumulative_share": 1.0 if rank == len(positive) else running / total,
            }
        )
    summary = []
    for percent in top:
        if not rows:
            summary.append({"percent": percent, "items": 0, "value": 0, "share": None})
            continue
        n = max(1, math.ceil(len(rows) * percent / 100))
        held = sum(r["value"] for r in rows[:n])
        share = rows[n - 1]["cumulative_share"]
        summary.append({"percent": percent, "items": n, "value": held, "share": share})
    return {"total": total, "items": len(rows), "rows": rows, "summary": summary}


def cell_concentration(
    engine: Engine,
    *,
    res: int,
    measure: str,
    filters: Mapping[str, Any] | None = None,
    top: Iterable[int] | None = None,
) -> dict[str, Any]:
    """The cells at ``res`` with a positive ``measure`` (additive) for the customers
    matching ``filters``, ranked (:func:`ranked`): ``rows`` of ``rank``, ``h3``, ``value``,
    ``share``, ``cumulative_share`` (and ``suppressed_cells`` under the k-rule), the
    ``total`` (equal to the sum of ``GET /api/cube``'s cells), ``items`` (cells ranked),
    ``summary`` and ``suppressed_cells`` (res-11 cells held back in all, k-rule only)."""
    additive_measure(measure)
    percents = top_percents(top)
    cells = query_cube(engine, res=res, measure=measure, filters=filters)
    # each cell's h3, its suppressed_cells under the k-rule, and its value
    items = [{k: c[k] for k in ("h3", "suppressed_cells", measure) if k in c} for c in cells]
    out = ranked(items, key=measure, ties="h3", top=percents)
    held = [c["suppressed_cells"] for c in cells if "suppressed_cells" in c]
    unit = next(m.unit for m in MEASURE_LIST if m.name == measure)
    extra: dict[str, Any] = {"res": res, "measure": measure, "unit": unit}
    if held:
        extra["suppressed_cells"] = sum(held)
    return {**extra, **out}


def concentration_csv(result: Mapping[str, Any], columns: Sequence[str] = CSV_COLUMNS) -> str:
    """The ranked rows of a concentration as CSV text with a header (no live formula)."""
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(columns)
    writer.writerows([row.get(c) for c in columns] for row in result["rows"])
    return out.getvalue()
