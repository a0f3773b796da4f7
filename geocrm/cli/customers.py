"""``geocrm import``, ``geocrm geocode`` and ``geocrm customers``: customers in, the
geocoding quality loop (issues, manual pins, re-geocoding), and a person's data out or
erased (GDPR: ``export-data``, ``forget``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from sqlalchemy import Engine

from geocrm import customers, ingest, pipeline
from geocrm.auth import cli_principal
from geocrm.auth.audit import customer_ref
from geocrm.cli.shared import migrated_engine, positive, print_json, record
from geocrm.errors import InvalidInput
from geocrm.geocode import Geocoder, geocode_csv
from geocrm.identifiers import parse_id


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``import``, ``geocode`` and ``customers`` commands."""
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

    cust = sub.add_parser(
        "customers",
        help="geocoding quality (issues, manual pins, re-geocode); GDPR: export-data, forget",
    )
    cust.add_argument(
        "action", choices=["geocoding-issues", "pin", "regeocode", "export-data", "forget"]
    )
    cust.add_argument(
        "external_id", nargs="?", help="for pin, export-data, forget: the customer's external id"
    )
    cust.add_argument("--lat", type=float)
    cust.add_argument("--lon", type=float)
    cust.add_argument("--max-confidence", type=float, default=0.8)
    cust.add_argument("--limit", type=positive, default=1000)
    cust.add_argument(
        "--all",
        action="store_true",
        help="regeocode: every address-placed customer, not only unplaced ones",
    )
    cust.add_argument("--json", action="store_true")
    cust.add_argument(
        "--out", type=Path, help="export-data: write the JSON to FILE (0600), not standard output"
    )
    cust.add_argument("--yes", action="store_true", help="forget: do not ask for confirmation")
    cust.set_defaults(func=cmd_customers)


def cmd_import(args: argparse.Namespace) -> int:
    """Import a customer file (exit 2 when every row was rejected), or show an import."""
    if args.what == "status":
        import_id = parse_id(args.target, "import status needs an import id: it")
        print_json(ingest.job_status(migrated_engine(), import_id))
        return 0
    report = pipeline.import_customers(
        migrated_engine(),
        Path(args.target),
        column_map=ingest.parse_column_map(args.map),
        file_format=args.format,
    )
    print(import_text(report))
    record(
        "import.customers",
        report.import_id,
        file=Path(args.target).name,
        rows=report.rows,
        inserted=report.inserted,
        updated=report.updated,
        rejected=report.rejected,
    )
    return 0 if report.rows == 0 or report.rejected < report.rows else 2


def cmd_geocode(args: argparse.Namespace) -> int:
    """Geocode a CSV of addresses with the offline index into another CSV."""
    engine = migrated_engine()
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
    """List geocoding issues, pin a customer by hand, or re-geocode."""
    engine = migrated_engine()
    if args.action == "geocoding-issues":
        issues = customers.geocoding_issues(
            engine, max_confidence=args.max_confidence, limit=args.limit
        )
        if args.json:
            print_json(issues)
        else:
            for row in issues:
                print(
                    f"{row['external_id']:<16} {row['reason']:<15}"
                    f"{row['match_level'] or 'not geocoded':<13}"
                    f"{row['confidence'] if row['confidence'] is not None else '-':<6} "
                    f"{row['address'] or ''}" + (f"  ({row['detail']})" if row["detail"] else "")
                )
            print(
                f"{len(issues)} customer(s) need a look; place one by hand with "
                "`geocrm customers pin EXTERNAL_ID --lat LAT --lon LON`"
            )
    elif args.action == "pin":
        if args.external_id is None or args.lat is None or args.lon is None:
            raise InvalidInput("pin needs EXTERNAL_ID, --lat and --lon")
        print_json(pipeline.pin_customer(engine, args.external_id, lon=args.lon, lat=args.lat))
        record("customers.pin", customer_ref(args.external_id))
    elif args.action == "regeocode":
        counts = pipeline.regeocode(engine, everything=args.all, progress=True)
        print_json(counts)
        record("customers.regeocode", None, everything=args.all, **counts)
    elif args.action == "export-data":
        return export_data(engine, args)
    elif args.action == "forget":
        return forget(engine, args)
    return 0


def export_data(engine: Engine, args: argparse.Namespace) -> int:
    """GDPR access: everything held about one customer, as JSON."""
    if args.external_id is None:
        raise InvalidInput("export-data needs EXTERNAL_ID")
    data = customers.export_data(engine, args.external_id)
    text = json.dumps(data, indent=2, default=str, ensure_ascii=False)
    if args.out is None:
        print(text)
    else:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # a person's data: readable by its owner only
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        print(f"data of customer {args.external_id!r} written to {args.out}", file=sys.stderr)
    record(
        "customers.export_data",
        customer_ref(args.external_id),
        interactions=len(data["interactions"]),
        import_rejects=len(data["import_rejects"]),
        file=args.out.name if args.out else None,
    )
    return 0


def forget(engine: Engine, args: argparse.Namespace) -> int:
    """GDPR erasure of one customer, after confirmation (unless ``--yes``)."""
    if args.external_id is None:
        raise InvalidInput("forget needs EXTERNAL_ID")
    if not args.yes:
        print(
            f"Erase customer {args.external_id!r} for good: the row, interactions, enrichment "
            "and refused import rows? [y/N] ",
            end="",
            file=sys.stderr,
            flush=True,
        )
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            print("nothing erased", file=sys.stderr)
            return 1
    done = pipeline.forget_customer(engine, args.external_id, actor=cli_principal())
    print(
        f"customer {args.external_id!r} forgotten: {done['customer']} row, "
        f"{done['interactions']} interaction(s), {done['enrichment']} enrichment row, "
        f"{done['import_rejects']} refused import row(s), "
        f"{done['rejects_reports_rewritten']} rejects report(s) rewritten; {done['cube']}"
    )
    return 0


def import_text(report: ingest.ImportReport) -> str:
    """The summary of one import."""
    lines = [
        f"import #{report.import_id} of {report.source}: {report.rows} rows read",
        f"  {report.inserted} imported, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.rejected} rejected",
        f"  geocoded from their address: {report.geocoded} "
        f"({report.not_geocoded} could not be placed: see `geocrm customers geocoding-issues`)",
    ]
    if report.outside_city:
        lines.append(
            f"  {report.outside_city} outside the loaded cities: kept, flagged outside_city, "
            "left out of enrichment, the hex cube and territories (see `geocrm customers "
            "geocoding-issues`)"
        )
    if report.rejects_file:
        lines.append(f"  rejects report (line and reason per row): {report.rejects_file}")
    if report.seconds:
        lines.append("  time: " + ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items()))
    if report.cube is not None:
        lines.append("  " + report.cube.summary())
    return "\n".join(lines)
