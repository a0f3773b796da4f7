"""``geocrm routes``: a rep's visit route for a day, on the streets."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from geocrm import visits
from geocrm.cli.shared import migrated_engine, positive, positive32, print_json, record
from geocrm.errors import InvalidInput


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``routes`` command."""
    rts = sub.add_parser("routes", help="a rep's visit route for a day (OR-Tools on the streets)")
    rts.add_argument("action", choices=["plan"])
    rts.add_argument("--rep", type=positive32, required=True, help="the rep's id")
    rts.add_argument("--date", help="the day, YYYY-MM-DD (default today)")
    rts.add_argument(
        "--customers", help="hand-picked customer ids, ID,ID,... (default: the most due)"
    )
    rts.add_argument("--mode", choices=["drive", "walk"], default="drive")
    rts.add_argument(
        "--max-stops", type=positive, default=12, help="at most N due customers (default 12)"
    )
    rts.add_argument("--json", action="store_true", help="machine-readable output")
    rts.add_argument("--out", help="also write FILE.geojson (the map layer) or FILE.csv")
    rts.set_defaults(func=cmd_routes)


def cmd_routes(args: argparse.Namespace) -> int:
    """Plan a rep's day, print it, and optionally write it as GeoJSON or CSV."""
    engine = migrated_engine()
    day = None
    if args.date:
        try:
            day = dt.date.fromisoformat(args.date)
        except ValueError:
            raise InvalidInput(f"--date takes YYYY-MM-DD, not {args.date!r}") from None
    ids = None
    if args.customers:
        try:
            ids = [int(c) for c in args.customers.split(",") if c.strip()]
        except ValueError:
            raise InvalidInput(
                f"--customers takes customer ids separated by commas, not {args.customers!r}"
            ) from None
    plan = visits.plan_route(
        engine, args.rep, day=day, customer_ids=ids, mode=args.mode, max_stops=args.max_stops
    )
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() == ".csv":
            out.write_text(visits.plan_csv(plan), encoding="utf-8")
        elif out.suffix.lower() in (".geojson", ".json"):
            out.write_text(json.dumps(visits.plan_geojson(plan), ensure_ascii=False), "utf-8")
        else:
            raise InvalidInput(f"--out must end in .geojson or .csv, not {out.name!r}")
        record(
            "routes.export",
            args.rep,
            date=plan["date"],
            stops=plan["totals"]["stops"],
            file=out.name,
        )
    if args.json:
        print_json({k: v for k, v in plan.items() if k != "geometry"})
        return 0
    print(route_text(plan))
    if args.out:
        print(f"written: {args.out}")
    return 0


def route_text(plan: dict) -> str:
    """A planned day: totals, the stops in order, the baseline tour, what did not fit."""
    t, b = plan["totals"], plan["baseline"]
    lines = [
        f"rep {plan['rep']['rep_id']} {plan['rep']['name']}, {plan['date']} ({plan['mode']}): "
        f"{t['stops']} stop(s), {t['travel_minutes']} min travel, {t['km']} km, "
        f"back at {t['end'][11:]}"
    ]
    for s in plan["stops"]:
        lines.append(
            f"  {s['order']:>2}. {s['arrival'][11:]}-{s['departure'][11:]}  "
            f"{s['customer_id']:>6}  {s['name']:<32} {s['address'] or ''}"
        )
    lines.append(
        f"  nearest-neighbour tour of the same stops: {b['travel_minutes']} min, {b['km']} km"
    )
    for u in plan["unscheduled"]:
        lines.append(f"  unscheduled: {u['customer_id']} {u['name']} ({u['reason']})")
    return "\n".join(lines)
