"""Drafting a plan: design K territories on today's customers and save them as a draft,
a fresh plan or the next version of one (``based_on``).

A redesign (``design_plan(based_on=P)``) is the next version of plan P (same name,
version + 1, ``based_on``): P's locked territories keep exactly their cells, name and rep,
P's locked cells stay in (the successor of) their territory; the rest is designed anew on
today's customers, within P's area unless another is given.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import Connection, Engine

from geocrm import hexgrid, zones
from geocrm.db import query
from geocrm.errors import InvalidInput, NotFound
from geocrm.territories.area import DEFAULT_RES, MEASURES, Area
from geocrm.territories.designer import design
from geocrm.territories.evaluation import evaluate
from geocrm.territories.loading import load_area, network_travel, rep_bases
from geocrm.territories.plans import _plan, _record, _stats_json, plan_title
from geocrm.vocabulary import hexagon_size


def _check_measure(measure: Any) -> str:
    if measure not in MEASURES:
        raise InvalidInput(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    return measure


def _locked_indices(
    area: Area, locked_cells: Mapping[Any, Any] | None, k: int, res: int
) -> dict[int, int]:
    """The locked cells asked for (H3 cell -> territory index) as cell index -> territory."""
    index = {int(c): i for i, c in enumerate(area.cells)}
    out: dict[int, int] = {}
    for key, territory in (locked_cells or {}).items():
        cell = hexgrid.parse_cell(key)
        if hexgrid.get_resolution(cell) != res:
            raise InvalidInput(f"locked cell {key} is not at resolution {res}")
        if cell not in index:
            raise InvalidInput("a locked hexagon is outside the area (no customers there)")
        if not isinstance(territory, int) or isinstance(territory, bool) or not 0 <= territory < k:
            raise InvalidInput(
                f"locked cell {key}: territory must be an index 0..{k - 1}, not {territory!r}"
            )
        out[index[cell]] = territory
    return out


@dataclass
class _Base:
    """What a redesign keeps of the plan it starts from (``based_on``)."""

    plan_id: int
    version: int
    name: str
    res: int
    #: cell -> new territory index, for the locked cells and the locked territories' cells
    locked: dict[int, int]
    #: new territory index -> (name, rep id) of the locked territories (kept as they are)
    frozen: dict[int, tuple[str, int | None]]
    #: new territory index -> the base plan's territory it continues (those with locks)
    continues: dict[int, int] = field(default_factory=dict)
    #: the boundary it was designed within (None: the city), and what it is
    area: Any = None
    area_label: str | None = None


def _load_base(conn: Connection, plan_id: int, k: int) -> _Base:
    row = conn.execute(query("territories/plans"), {"plan_id": plan_id}).mappings().one_or_none()
    if row is None:
        raise NotFound(f"territory plan {plan_id} does not exist")
    kept = {
        t["territory_id"]: t
        for t in conn.execute(query("territories/territories"), {"plan_id": plan_id}).mappings()
    }
    cells = conn.execute(query("territories/cells"), {"plan_id": plan_id}).all()
    # the territories that keep something: locked ones, and those holding locked cells
    keeping = [
        tid
        for tid, t in kept.items()
        if t["locked"] or any(c.locked and c.territory_id == tid for c in cells)
    ]
    if len(keeping) > k:
        raise InvalidInput(
            f"{plan_title(row)} has {len(keeping)} territories with locks: the number of "
            "territories must be at least that"
        )
    index = {tid: i for i, tid in enumerate(keeping)}
    return _Base(
        plan_id=plan_id,
        version=row["version"],
        name=row["name"],
        res=row["res"],
        locked={
            int(c.h3): index[c.territory_id]
            for c in cells
            if c.locked or (c.territory_id in index and kept[c.territory_id]["locked"])
        },
        frozen={
            index[tid]: (kept[tid]["name"], kept[tid]["rep_id"])
            for tid in keeping
            if kept[tid]["locked"]
        },
        continues={i: tid for tid, i in index.items()},
        area=shape(row["area"]) if row["area"] else None,
        area_label=row["area_label"],
    )


def _design_area(
    conn: Connection, boundary: Mapping[str, Any] | None, zone: Any, base: _Base | None
) -> tuple[Any, str | None]:
    """The boundary a design stays within and its label; (None, None) for the city."""
    if boundary is not None and zone is not None:
        raise InvalidInput("give a boundary or a zone to design within, not both")
    if boundary is not None:
        return zones.parse_geometry(boundary), "drawn boundary"
    if zone is not None:
        _, zone_name, geom = zones.zone_area(conn, zone)
        return geom, f"target zone {zone_name}"
    return (base.area, base.area_label) if base else (None, None)


def _res_and_name(
    measure: str, k: int, res: int | None, name: str | None, base: _Base | None
) -> tuple[int, str]:
    """The resolution and name of a design, checked (default: the base plan's)."""
    if base is not None and res is not None and res != base.res:
        raise InvalidInput(
            f"{plan_title({'plan_id': base.plan_id, 'name': base.name})} uses "
            f"{hexagon_size(base.res)} (resolution {base.res}), not resolution {res}"
        )
    res = hexgrid.check_res(base.res if base else DEFAULT_RES if res is None else res)
    name = (name or "").strip() or (base.name if base else f"{k} territories by {measure}")
    if len(name) > 200:
        raise InvalidInput("name must be at most 200 characters")
    return res, name


def _left_out(conn: Connection, area: Area) -> dict[str, int]:
    """How many customers a design on ``area`` leaves out, and why: ``outside_city``
    (placed outside the loaded cities and their margin), ``not_placed``, ``not_enriched``
    (placed since the last enrichment) and ``outside_area`` (enriched, but outside the zone
    or boundary designed within); ``total`` is their sum."""
    row = conn.execute(query("territories/left_out")).one()
    in_design = round(float(area.customers.sum()))
    parts = {
        "outside_city": int(row.outside_city),
        "not_placed": int(row.not_placed),
        "not_enriched": int(row.total - row.outside_city - row.not_placed - row.enriched),
        "outside_area": max(int(row.enriched) - in_design, 0),
    }
    return {**parts, "total": sum(parts.values())}


def _save(
    conn: Connection,
    plan: Mapping[str, Any],
    territories: Sequence[Mapping[str, Any]],
    area: Area,
    labels: np.ndarray,
    locked: Mapping[int, int],
    fixed: Mapping[int, Any],
    base: _Base | None,
) -> int:
    """Insert the plan (``plan``: its row's values), its territories and its cells; the
    new plan's id."""
    plan_id = conn.execute(query("territories/insert_plan"), dict(plan)).scalar_one()
    ids = []
    for t in territories:
        kept_name = base.frozen[t["index"]][0] if base and t["index"] in base.frozen else None
        ids.append(
            conn.execute(
                query("territories/insert_territory"),
                {
                    "plan_id": plan_id,
                    # the rep is shown beside the name: a name with the rep in it
                    # would go stale when the territory gets another rep
                    "name": kept_name or f"Territory {t['index'] + 1}",
                    "rep_id": t["rep_id"],
                    "locked": t["index"] in fixed,
                    "stats": _stats_json(t),
                    "based_on": base.continues.get(t["index"]) if base else None,
                },
            ).scalar_one()
        )
    is_locked = np.zeros(len(area.cells), dtype=bool)
    is_locked[list(locked)] = True
    conn.execute(
        query("territories/insert_cells"),
        {
            "plan_id": plan_id,
            "h3": area.cells.tolist(),
            "territory_ids": [ids[t] for t in labels],
            "locked": is_locked.tolist(),
        },
    )
    return plan_id


def design_plan(
    engine: Engine,
    *,
    k: int,
    measure: str,
    res: int | None = None,
    name: str | None = None,
    locked_cells: Mapping[Any, int] | None = None,
    based_on: int | None = None,
    boundary: Mapping[str, Any] | None = None,
    zone: int | str | None = None,
    who: str = "geocrm",
) -> dict[str, Any]:
    """Design K territories on ``measure`` at ``res`` and save them as a draft plan.

    Parameters
    ----------
    k
        Number of territories, 2 .. the number of cells of the area.
    measure
        ``customers``, ``revenue``, ``visits`` or ``mix`` (:mod:`geocrm.territories`).
    res
        H3 resolution of the cells (5..11; default 9, or the base plan's).
    name
        The plan's name (default: the base plan's, else the measure, k and res).
    locked_cells
        H3 cell (int, decimal or hex string) -> territory index 0..k-1; those cells stay
        in that territory.
    based_on
        Redesign from this plan: the new plan is its next version (a draft), its locked
        cells stay in their territory and its locked territories keep exactly their cells
        and their rep (they come first, as territories 0..); the rest is designed anew
        around the customers of today, within the base plan's area unless another is
        given.
    boundary, zone
        Design within an area, not the whole city: a GeoJSON (Multi)Polygon, checked as
        target zones are (:func:`geocrm.zones.parse_geometry`), or a saved target zone's
        id or name. The plan covers the cells with enriched customers whose centre lies
        inside (plus the gap cells joining them); publishing it leaves the customers
        outside it without a territory.
    who
        Recorded with the design in the plan's history.

    Seeds and growth follow the reps' home bases by travel time on the drive network and
    the reps' strong bonds with their customers (:mod:`geocrm.territories.partitioning`).
    Customers placed outside the loaded cities (``outside_city``) are never in a design.
    Returns the plan as :func:`geocrm.territories.get_plan` does, with
    ``customers_left_out``: the customers the design leaves out (its stats' ``left_out``
    says why: ``outside_city``, ``not_placed``, ``not_enriched``, ``outside_area``).
    """
    measure = _check_measure(measure)
    if not isinstance(k, int) or isinstance(k, bool) or k < 2:
        raise InvalidInput(f"k must be an integer of at least 2, not {k!r}")
    started = time.perf_counter()
    travel = network_travel(engine)
    with engine.begin() as conn:
        base = _load_base(conn, based_on, k) if based_on is not None else None
        res, name = _res_and_name(measure, k, res, name, base)
        within, area_label = _design_area(conn, boundary, zone, base)
        area = load_area(conn, res, extra=list(base.locked) if base else (), within=within)
        if k > len(area.cells):
            raise InvalidInput(
                f"k must be between 2 and the number of cells ({len(area.cells)}), not {k}"
            )
        position = {int(c): i for i, c in enumerate(area.cells)}
        locked = {position[c]: t for c, t in base.locked.items()} if base else {}
        locked.update(_locked_indices(area, locked_cells, k, res))
        reps = rep_bases(conn)
        by_id = {r["rep_id"]: r for r in reps}
        fixed = {t: by_id.get(rep_id) for t, (_, rep_id) in (base.frozen if base else {}).items()}
        result, owners = design(area, measure, k, reps, locked=locked, fixed=fixed, travel=travel)
        plan_stats, territories = evaluate(area, result.labels, measure, owners, travel=travel)
        left_out = _left_out(conn, area)
        plan_stats.update(
            moves=result.moves,
            restarts=result.restarts,
            seconds=round(time.perf_counter() - started, 3),
            customers_left_out=left_out["total"],
            left_out=left_out,
        )
        row = {
            "name": name,
            "res": res,
            "measure": measure,
            "k": k,
            "stats": json.dumps(plan_stats),
            "based_on": base.plan_id if base else None,
            "version": base.version + 1 if base else 1,
            "area": None if within is None else shapely.to_wkb(within),
            "area_label": area_label,
        }
        plan_id = _save(conn, row, territories, area, result.labels, locked, fixed, base)
        _record(
            conn,
            plan_id,
            {
                "action": "design",
                "who": who,
                "k": k,
                "measure": measure,
                "res": res,
                "based_on": base.plan_id if base else None,
                "area": area_label or "city",
                "locked_cells": len(locked),
                "locked_territories": len(fixed),
                **plan_stats,
            },
        )
        return {**_plan(conn, plan_id), "customers_left_out": left_out["total"]}
