"""Facts about plans read straight from the database or computed with h3, independently of
the territories code they check.
"""

from __future__ import annotations

import h3
from sqlalchemy import text

from geocrm import territories

RES = territories.DEFAULT_RES


def cell_per_customer(engine) -> dict[int, int]:
    """Each enriched customer's cell at RES, computed independently with h3: the parent of
    its res-11 cell (as the cube does; H3's hierarchy is not exact, so this is not always
    the res-9 cell of the point itself)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.customer_id, ST_Y(c.geom), ST_X(c.geom) FROM crm.customers c "
                "JOIN crm.customer_enrichment USING (customer_id)"
            )
        ).all()
    return {
        r[0]: h3.str_to_int(h3.cell_to_parent(h3.latlng_to_cell(r[1], r[2], 11), RES)) for r in rows
    }


def cells_of(engine, plan_id: int) -> dict[int, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT h3, territory_id FROM crm.territory_cells WHERE plan_id = :p"),
            {"p": plan_id},
        ).all()
    return {int(h): int(t) for h, t in rows}


def connected(cells: set[int]) -> bool:
    """One piece on the H3 grid, checked with h3's own neighbour test."""
    start = next(iter(cells))
    seen, stack = {start}, [start]
    while stack:
        here = h3.int_to_str(stack.pop())
        for other in cells - seen:
            if h3.are_neighbor_cells(here, h3.int_to_str(other)):
                seen.add(other)
                stack.append(other)
    return seen == cells


def bound(engine, k: int) -> float:
    """The balance the cells allow at best-ish: the target, or what one heavy cell costs.

    With a mean load m per territory and the heaviest cell weighing w, a local optimum of
    the boundary moves can leave loads within about m +- w; the bound is (m + w)/(m - w).
    """
    cells = territories.load_area(engine.connect(), RES).workload("customers")
    mean, heaviest = cells.sum() / k, cells.max()
    return max(territories.TARGET_BALANCE, (mean + heaviest) / (mean - heaviest))


def strong_bonds_sql(engine, where: str, params: dict) -> int:
    """Strong bonds of the enriched customers matching ``where`` (on ``c``), counted here
    from the documented formula (half relationship age over 5 years, half contacts with the
    owner rep in the last 12 months over 12; strong from 0.5), not with GeoCRM's SQL."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "WITH latest AS (SELECT max(occurred_at) AS at FROM crm.interactions) "
                "SELECT count(*) FROM crm.customers c "
                "JOIN crm.customer_enrichment USING (customer_id), latest "
                "WHERE c.assigned_rep_id IS NOT NULL AND " + where + " AND "
                "0.5 * least(1, coalesce(extract(epoch FROM latest.at - "
                "c.relationship_start::timestamptz) / (5 * 365.25 * 86400), 0)) "
                "+ 0.5 * least(1, (SELECT count(*) FROM crm.interactions i "
                "  WHERE i.customer_id = c.customer_id AND i.rep_id = c.assigned_rep_id "
                "  AND i.occurred_at > latest.at - interval '12 months') / 12.0) >= 0.5"
            ),
            params,
        ).scalar_one()


def free_rep(engine, plan: dict) -> int:
    """An active rep who owns no territory of the plan."""
    owners = {t["rep_id"] for t in plan["territories"]}
    with engine.connect() as conn:
        reps = conn.execute(text("SELECT rep_id FROM crm.reps WHERE active ORDER BY rep_id"))
        return next(r for r in reps.scalars() if r not in owners)
