"""``geocrm zones``: marketers' target zones, listed, and an audience exported."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from geocrm import zones
from geocrm.cli.shared import migrated_engine, print_json, record
from geocrm.errors import InvalidInput


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``zones`` command."""
    cmd = sub.add_parser("zones", help="marketers' target zones: list, export an audience")
    cmd.add_argument("action", choices=["list", "export"])
    cmd.add_argument("zone", nargs="?", help="for export: the zone's id or name")
    cmd.add_argument("--out", type=Path, help="for export: the CSV file to write")
    cmd.add_argument("--json", action="store_true", help="list: machine-readable output")
    cmd.set_defaults(func=cmd_zones)


def cmd_zones(args: argparse.Namespace) -> int:
    """List the saved zones, or export a zone's audience as CSV."""
    engine = migrated_engine()
    if args.action == "list":
        listed = zones.list_zones(engine)["features"]
        if args.json:
            print_json([z["properties"] for z in listed])
        else:
            print(zone_table(listed) if listed else "no target zones saved yet")
        return 0
    if args.zone is None or args.out is None:
        raise InvalidInput("export needs ZONE (an id or a name) and --out FILE.csv")
    rows = zones.export_audience(engine, args.zone, args.out)
    record("zones.export", args.zone, format="csv", rows=rows, file=args.out.name)
    print(f"{rows} customer(s) of zone {args.zone!r} written to {args.out}")
    return 0


def zone_table(features: Sequence[Mapping[str, Any]]) -> str:
    """Saved zones (features of ``zones.list_zones``) as a plain-text table."""
    header = ("id", "name", "kind", "customers", "prospects", "total", "filters", "updated")
    rows = [
        (
            str(p["zone_id"]),
            p["name"],
            p["kind"],
            str(p["customers"]),
            str(p["prospects"]),
            str(p["total"]),
            json.dumps(p["filters"], ensure_ascii=False) if p["filters"] else "-",
            str(p["updated_at"])[:19].replace("T", " "),
        )
        for p in (z["properties"] for z in features)
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in [header, *rows]]
    return "\n".join(line.rstrip() for line in lines)
