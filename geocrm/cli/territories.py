"""``geocrm territories``: sales territory plans designed, copied, published and listed."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

from geocrm import pipeline, territories
from geocrm.cli.shared import (
    migrated_engine,
    positive,
    positive32,
    print_json,
    record,
    resolution,
)
from geocrm.errors import InvalidInput
from geocrm.identifiers import INT32_MAX, parse_int


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``territories`` command."""
    terr = sub.add_parser(
        "territories",
        help="sales territory plans: design (a draft), copy (a new version), publish, list",
    )
    terr.add_argument("action", choices=["design", "copy", "publish", "list"])
    terr.add_argument("plan", nargs="?", type=positive, help="for copy and publish: the plan's id")
    terr.add_argument("--k", type=positive32, help="design: number of territories (>= 2)")
    terr.add_argument(
        "--measure",
        choices=["customers", "revenue", "visits", "mix"],
        help="design: the workload to balance",
    )
    terr.add_argument(
        "--res", type=resolution, help="design: H3 resolution (default 9, or the base plan's)"
    )
    terr.add_argument(
        "--based-on",
        type=positive,
        metavar="PLAN",
        help="design: redesign from PLAN (its next version), keeping its locked cells and "
        "locked territories",
    )
    terr.add_argument(
        "--zone", metavar="ZONE", help="design: within a saved target zone (id or name)"
    )
    terr.add_argument("--name", help="design: the plan's name")
    terr.add_argument(
        "--lock",
        action="append",
        metavar="CELL=INDEX",
        help="design: keep an H3 cell in territory INDEX (0..k-1); repeatable",
    )
    terr.add_argument("--json", action="store_true", help="machine-readable output")
    terr.set_defaults(func=cmd_territories)


def cmd_territories(args: argparse.Namespace) -> int:
    """List the plans, publish or copy one, or design a new draft."""
    engine = migrated_engine()
    if args.action == "list":
        plans = territories.list_plans(engine)
        if args.json:
            print_json(plans)
        else:
            print(plan_table(plans) if plans else "no territory plans yet")
        return 0
    if args.action == "publish":
        if args.plan is None:
            raise InvalidInput("publish needs PLAN (the plan's id)")
        plan = pipeline.publish_plan(engine, args.plan, who="cli")
        record("territories.publish", args.plan, customers_updated=plan["customers_updated"])
        if args.json:
            print_json(_without_geometry(plan))
        else:
            print(plan_text(plan))
            print(f"published: {plan['customers_updated']} customer(s) updated; {plan['cube']}")
        return 0
    if args.action == "copy":
        if args.plan is None:
            raise InvalidInput("copy needs PLAN (the plan's id)")
        plan = territories.copy_plan(engine, args.plan, who="cli")
        record("territories.copy", plan["plan_id"], based_on=args.plan)
        if args.json:
            print_json(_without_geometry(plan))
        else:
            print(plan_text(plan))
            print(
                f"version {plan['version']} of plan {args.plan}, saved as a draft: "
                f"`geocrm territories publish {plan['plan_id']}` publishes it"
            )
        return 0
    if args.k is None or args.measure is None:
        raise InvalidInput("design needs --k K and --measure M")
    plan = territories.design_plan(
        engine,
        k=args.k,
        measure=args.measure,
        res=args.res,
        name=args.name,
        locked_cells=_locked_cells(args.lock or []),
        based_on=args.based_on,
        zone=args.zone,
        who="cli",
    )
    record(
        "territories.design",
        plan["plan_id"],
        k=args.k,
        measure=args.measure,
        res=plan["res"],
        based_on=args.based_on,
        zone=args.zone,
    )
    if args.json:
        print_json(_without_geometry(plan))
    else:
        print(plan_text(plan))
        print(left_out_text(plan))
        print(f"saved as a draft: `geocrm territories publish {plan['plan_id']}` publishes it")
    return 0


def _locked_cells(items: Sequence[str]) -> dict[str, int]:
    """``--lock CELL=INDEX`` options as ``{cell: territory index}``."""
    locked: dict[str, int] = {}
    for item in items:
        cell, sep, index = item.partition("=")
        if not sep:
            raise InvalidInput(
                f"--lock takes CELL=INDEX (an H3 cell, a territory 0..k-1): {item!r}"
            )
        locked[cell.strip()] = parse_int(index, f"--lock {item!r:.40}: INDEX", lo=0, hi=INT32_MAX)
    return locked


def _without_geometry(plan: dict) -> dict:
    """A plan for the terminal: its figures and territories' stats, no polygons."""
    plan = {k: v for k, v in plan.items() if k != "geojson"}
    plan["territories"] = [
        {k: v for k, v in t.items() if k != "geometry"} for t in plan.get("territories", [])
    ]
    return plan


def plan_table(plans: Sequence[Mapping[str, Any]]) -> str:
    """Plans (as ``territories.list_plans`` returns them) as a text table."""
    lines = [
        f"{'id':>4}  {'status':<9} {'active':<6} {'measure':<9} {'k':>3} {'res':>3} "
        f"{'balance':>8}  name"
    ]
    for p in plans:
        bal = "-" if p["balance"] is None else f"{p['balance']:.3f}"
        lines.append(
            f"{p['plan_id']:>4}  {p['status']:<9} {'yes' if p['active'] else '':<6} "
            f"{p['measure']:<9} {p['k']:>3} {p['res']:>3} {bal:>8}  {p['name']}"
        )
    return "\n".join(lines)


def left_out_text(plan: Mapping[str, Any]) -> str:
    """How many customers a design left out, and why."""
    why = (plan.get("stats") or {}).get("left_out") or {}
    reasons = {
        "outside_city": "outside the loaded cities (see `geocrm customers geocoding-issues`)",
        "not_placed": "not placed",
        "not_enriched": "not enriched yet (`geocrm enrich`)",
        "outside_area": "outside the area designed within",
    }
    parts = [f"{why[k]} {text}" for k, text in reasons.items() if why.get(k)]
    return f"customers left out: {plan.get('customers_left_out', 0)}" + (
        f" ({'; '.join(parts)})" if parts else ""
    )


def plan_text(plan: Mapping[str, Any]) -> str:
    """One plan: its figures, then a line per territory."""
    bal = "-" if plan["balance"] is None else f"{plan['balance']:.3f}"
    stats = plan.get("stats") or {}
    lines = [
        f"plan {plan['plan_id']} {plan['name']!r} v{plan['version']} ({plan['status']}, "
        f"{plan['area_label']}): {plan['k']} territories on {plan['measure']} at res "
        f"{plan['res']}; balance (max/min) {bal}, contiguous "
        f"{'yes' if plan['contiguous'] else 'NO'}, compactness {plan['compactness']}"
        + (
            f"; strong bonds kept {stats['bonds_kept']} of {stats['strong_bonds']}"
            if "strong_bonds" in stats
            else ""
        )
    ]
    for t in plan["territories"]:
        minutes = t.get("rep_mean_travel_minutes")
        lines.append(
            f"  {t['territory_id']:>5}  {t['name']:<16} {(t['rep_name'] or 'no rep'):<20} "
            f"workload {t['workload']:>10.2f}  customers {t['customers']:>5}  "
            f"cells {t['cells']:>4}  {t['area_km2']:.2f} km2  "
            f"travel {'-' if minutes is None else f'{minutes:.1f}'} min"
            + ("  locked" if t.get("locked") else "")
        )
    return "\n".join(lines)
