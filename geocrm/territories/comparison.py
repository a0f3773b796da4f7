"""What publishing a plan would change: its customers' territory and rep against the
current assignment or another plan.

Both sides are ``crm.plan_customers`` (a customer's territory and rep under a plan;
``spatial_sql/functions/territory_assignment.sql``), the same function publishing and the
``plan_changes`` map layer use. A territory continues across plan versions
(``crm.territories.based_on``), so a copy's territories are the same ones as the
original's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine

from geocrm.db import query
from geocrm.errors import InvalidInput, NotFound
from geocrm.territories.plans import _territory_rows


def compare_plan(engine: Engine, plan_id: int, with_plan: int | None = None) -> dict[str, Any]:
    """What publishing ``plan_id`` would do to the customers, against their current
    territory and rep, or against plan ``with_plan``.

    Returns ``plan_id``, ``with`` (the other plan's id or ``"current"``), ``customers`` (in
    the plan's cells), ``customers_changing_rep``, ``customers_changing_territory``,
    ``strong_bonds`` (of the plan's customers) and ``bonds_broken`` (strong bonds the
    baseline keeps and the plan gives another rep); per territory of the plan
    ``territories``: ``territory_id, name, rep_id, customers, gained`` (customers whose
    rep changes to this territory's), ``changing_territory``, ``bonds_broken``; per rep
    ``reps``: ``rep_id, customers_before, customers_after``. ``NotFound`` for an unknown
    plan, ``InvalidInput`` for an unknown ``with_plan``.
    """
    with engine.connect() as conn:
        if not conn.execute(query("territories/plan_exists"), {"plan_id": plan_id}).scalar():
            raise NotFound(f"territory plan {plan_id} does not exist")
        if (
            with_plan is not None
            and not conn.execute(query("territories/plan_exists"), {"plan_id": with_plan}).scalar()
        ):
            raise InvalidInput(f"the plan to compare with, {with_plan}, does not exist")
        groups = (
            conn.execute(query("territories/compare"), {"plan_id": plan_id, "with_plan": with_plan})
            .mappings()
            .all()
        )
        territories = _territory_rows(conn, plan_id)
    return {
        "plan_id": plan_id,
        "with": "current" if with_plan is None else with_plan,
        **_tally(groups, territories),
    }


def _tally(
    groups: Sequence[Mapping[str, Any]], territories: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The comparison's totals, per territory and per rep, from ``territories/compare``'s
    groups of customers (same territory, rep before and after)."""
    per_territory = {
        t["territory_id"]: {
            "territory_id": t["territory_id"],
            "name": t["name"],
            "rep_id": t["rep_id"],
            "customers": 0,
            "gained": 0,
            "changing_territory": 0,
            "bonds_broken": 0,
        }
        for t in territories
    }
    per_rep: dict[int | None, dict[str, Any]] = {}
    totals = dict.fromkeys(
        ("customers", "customers_changing_rep", "customers_changing_territory"), 0
    )
    strong = broken = 0
    for g in groups:
        n, rep_changes = g["customers"], g["rep_after"] != g["rep_before"]
        for rep, side in (
            (g["rep_before"], "customers_before"),
            (g["rep_after"], "customers_after"),
        ):
            entry = per_rep.setdefault(
                rep, {"rep_id": rep, "customers_before": 0, "customers_after": 0}
            )
            entry[side] += n
        totals["customers_changing_rep"] += n if rep_changes else 0
        totals["customers_changing_territory"] += n if g["territory_changes"] else 0
        broken += g["bonds_broken"]
        territory = per_territory.get(g["territory_id"])
        if territory is None:  # customers outside the plan's cells
            continue
        totals["customers"] += n
        strong += g["strong_bonds"]
        territory["customers"] += n
        territory["gained"] += n if rep_changes else 0
        territory["changing_territory"] += n if g["territory_changes"] else 0
        territory["bonds_broken"] += g["bonds_broken"]
    return {
        **totals,
        "strong_bonds": strong,
        "bonds_broken": broken,
        "territories": list(per_territory.values()),
        "reps": sorted(per_rep.values(), key=lambda r: (r["rep_id"] is None, r["rep_id"] or 0)),
    }
