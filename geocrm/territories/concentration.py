"""Concentration per territory: the territories of a plan ranked by an additive measure of
the cube, with each one's share and the cumulative share (``geocrm.cube.concentration``).

A territory's value is the sum of the cube's cells (at the plan's resolution, for the same
filters and the same user as ``GET /api/cube``) that the plan gives it; the cells of no
territory (outside the plan's area) are summed as ``outside``. The shares are of the cube's
total for those filters, so ranked territories plus ``outside`` add up to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Engine

from geocrm.cube.concentration import additive_measure, ranked, top_percents
from geocrm.cube.query import query_cube
from geocrm.db import query
from geocrm.errors import NotFound


def territory_concentration(
    engine: Engine,
    plan_id: int,
    *,
    measure: str,
    filters: Mapping[str, Any] | None = None,
    top: Iterable[int] | None = None,
) -> dict[str, Any]:
    """The territories of plan ``plan_id`` ranked by ``measure`` (see the module): ``rows``
    of ``rank``, ``territory_id``, ``name``, ``rep_name``, ``value``, ``share``,
    ``cumulative_share``; ``total`` (the cube's), ``outside``, ``items``, ``summary``."""
    additive_measure(measure)
    percents = top_percents(top)
    with engine.connect() as conn:
        plan = conn.execute(query("territories/plans"), {"plan_id": plan_id}).mappings().first()
        if plan is None:
            raise NotFound(f"territory plan {plan_id} does not exist")
        territories = list(
            conn.execute(query("territories/territories"), {"plan_id": plan_id}).mappings()
        )
        owner = {
            int(c.h3): c.territory_id
            for c in conn.execute(query("territories/cells"), {"plan_id": plan_id})
        }
    cells = query_cube(engine, res=plan["res"], measure=measure, filters=filters)
    sums: dict[int, float] = {t["territory_id"]: 0 for t in territories}
    outside = 0
    for c in cells:
        territory = owner.get(c["cell"])
        if territory is None:
            outside += c[measure]
        else:
            sums[territory] += c[measure]
    items = [
        {
            "territory_id": t["territory_id"],
            "name": t["name"],
            "rep_name": t["rep_name"],
            measure: sums[t["territory_id"]],
        }
        for t in territories
    ]
    out = ranked(items, key=measure, ties="territory_id", top=percents)
    total = out["total"] + outside
    for row in out["rows"]:  # shares of the cube's total, the cells outside the plan included
        row["share"] = row["value"] / total
        row["cumulative_share"] = row["cumulative_share"] * out["total"] / total
    for s in out["summary"]:
        if s["share"] is not None:
            s["share"] = s["value"] / total
    held = [c["suppressed_cells"] for c in cells if "suppressed_cells" in c]
    return {
        "plan_id": plan_id,
        "plan_name": plan["name"],
        "res": plan["res"],
        "measure": measure,
        **out,
        "total": total,
        "outside": outside,
        **({"suppressed_cells": sum(held)} if held else {}),
    }
