"""Saved plans: reading them (a plan with its territories as GeoJSON, the list, the
history), recording each step of a plan's history, and publishing a draft.

Publishing writes the territory and its rep onto the customers (one set-based UPDATE,
``crm.plan_customers``) and makes the plan the active one (archiving the previous);
``geocrm.pipeline.publish_plan`` then refreshes the cube. Published plans are read-only
(here and by a trigger of migration ``0015_territories.sql``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import h3
from shapely.geometry import mapping
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from geocrm.db import bulk_transaction, query
from geocrm.errors import Conflict, NotFound
from geocrm.pause import pause_at
from geocrm.territories.evaluation import territory_polygon


def _stats_json(territory: Mapping[str, Any]) -> str:
    """A territory's stats as stored (everything but its polygon)."""
    return json.dumps({k: v for k, v in territory.items() if k != "geometry"})


def _record(conn: Connection, plan_id: int, what: Mapping[str, Any]) -> None:
    """One step of the plan's history; ``what["who"]``, if given, is who took it."""
    conn.execute(
        query("territories/record_edit"),
        {"plan_id": plan_id, "who": what.get("who"), "what": json.dumps(what)},
    )


def _territory_rows(conn: Connection, plan_id: int) -> list[dict[str, Any]]:
    """The plan's territories as stored, in id order."""
    return [
        dict(t)
        for t in conn.execute(query("territories/territories"), {"plan_id": plan_id}).mappings()
    ]


def _plan_summary(row: Mapping[str, Any]) -> dict[str, Any]:
    stats = dict(row["stats"] or {})
    return {
        "plan_id": row["plan_id"],
        "name": row["name"],
        "status": row["status"],
        "active": row["active"],
        "res": row["res"],
        "measure": row["measure"],
        "k": row["k"],
        "version": row["version"],
        "based_on": row["based_on"],
        "created_at": row["created_at"].isoformat(),
        "published_at": row["published_at"].isoformat() if row["published_at"] else None,
        "area_label": row["area_label"] or "city",
        "area": row["area"],
        "balance": stats.get("balance"),
        "contiguous": stats.get("contiguous"),
        "compactness": stats.get("compactness"),
        "stats": stats,
    }


def _plan(conn: Connection, plan_id: int) -> dict[str, Any]:
    """The plan as :func:`get_plan` returns it, on an open connection."""
    row = conn.execute(query("territories/plans"), {"plan_id": plan_id}).mappings().one_or_none()
    if row is None:
        raise NotFound(f"territory plan {plan_id} does not exist")
    plan = _plan_summary(row)
    cells = conn.execute(query("territories/cells"), {"plan_id": plan_id}).all()
    by_territory: dict[int, list[int]] = {}
    locked: dict[int, list[str]] = {}
    for cell in cells:
        by_territory.setdefault(cell.territory_id, []).append(int(cell.h3))
        if cell.locked:
            locked.setdefault(cell.territory_id, []).append(h3.int_to_str(int(cell.h3)))
    territories, features = [], []
    for t in conn.execute(query("territories/territories"), {"plan_id": plan_id}).mappings():
        mine = by_territory.get(t["territory_id"], [])
        entry = {
            "territory_id": t["territory_id"],
            "name": t["name"],
            **dict(t["stats"]),
            "rep_id": t["rep_id"],
            "rep_name": t["rep_name"],
            "locked": t["locked"],
            "locked_cells": locked.get(t["territory_id"], []),
            "h3_cells": [h3.int_to_str(int(c)) for c in mine],
        }
        territories.append(entry)
        features.append(
            {
                "type": "Feature",
                "id": t["territory_id"],
                "geometry": mapping(territory_polygon(mine)),
                "properties": entry,
            }
        )
    plan["territories"] = territories
    plan["geojson"] = {"type": "FeatureCollection", "features": features}
    return plan


def get_plan(engine: Engine, plan_id: int) -> dict[str, Any]:
    """A plan: its figures, its territories' stats and, as GeoJSON, their polygons
    (the union of their cells) under ``geojson``."""
    with engine.connect() as conn:
        return _plan(conn, plan_id)


def plan_history(engine: Engine, plan_id: int) -> list[dict[str, Any]]:
    """A plan's history, oldest first: each step's ``edit_id``, ``who``, ``at`` (ISO time)
    and ``what`` (the action and its figures, as recorded). ``NotFound`` for an unknown
    plan."""
    with engine.connect() as conn:
        if not conn.execute(query("territories/plan_exists"), {"plan_id": plan_id}).scalar():
            raise NotFound(f"territory plan {plan_id} does not exist")
        rows = conn.execute(query("territories/history"), {"plan_id": plan_id}).mappings()
        return [{**r, "at": r["at"].isoformat()} for r in rows]


def list_plans(engine: Engine) -> list[dict[str, Any]]:
    """Every plan's summary (no territories), newest first."""
    with engine.connect() as conn:
        rows = conn.execute(query("territories/plans"), {"plan_id": None}).mappings()
        return [_plan_summary(r) for r in rows]


def plan_title(plan: Mapping[str, Any]) -> str:
    """A plan as a message names it for a user: ``plan “North 2027”`` (its id only when it
    has no name; ids stay in the logs and the audit trail)."""
    name = (plan.get("name") or "").strip()
    return f"plan “{name}”" if name else f"plan {plan['plan_id']}"


def territory_title(territory: Mapping[str, Any]) -> str:
    """A territory as a message names it for a user: ``territory “Kallio”``."""
    name = (territory.get("name") or "").strip()
    return f"territory “{name}”" if name else f"territory {territory['territory_id']}"


def _draft_for_update(conn: Connection, plan_id: int) -> Mapping[str, Any]:
    """The plan's row, locked for an edit (``NotFound``; ``Conflict`` unless a draft)."""
    row = conn.execute(query("territories/plan_for_update"), {"plan_id": plan_id})
    plan = row.mappings().one_or_none()
    if plan is None:
        raise NotFound(f"territory plan {plan_id} does not exist")
    if plan["status"] != "draft":
        raise Conflict(
            f"territory {plan_title(plan)} is {plan['status']}: it is read-only (design a new plan)"
        )
    return plan


def publish_plan(engine: Engine, plan_id: int, *, who: str = "geocrm") -> dict[str, Any]:
    """Publish a draft: its territories and reps onto the customers, active, the previous
    active plan archived."""
    try:
        updated, archived = _publish(engine, plan_id, who)
    except IntegrityError:
        # another plan was published at the same instant: one active plan at a time
        raise Conflict(
            f"another territory plan was published while {plan_title(get_plan(engine, plan_id))}"
            " was: try again"
        ) from None
    published = get_plan(engine, plan_id)
    published.update(customers_updated=updated, archived_plans=archived)
    return published


def _publish(engine: Engine, plan_id: int, who: str) -> tuple[int, list[int]]:
    # a bulk update (a million customers take ~35 s): no interactive statement timeout
    with bulk_transaction(engine) as conn:
        _draft_for_update(conn, plan_id)
        archived = list(conn.execute(query("territories/archive_active")).scalars())
        conn.execute(query("territories/mark_published"), {"plan_id": plan_id})
        updated = conn.execute(query("territories/assign_customers"), {"plan_id": plan_id}).rowcount
        pause_at("publishing")
        _record(
            conn,
            plan_id,
            {"action": "publish", "who": who, "customers_updated": updated, "archived": archived},
        )
    return updated, archived
