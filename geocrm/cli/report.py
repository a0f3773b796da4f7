"""``geocrm report``: a shareable HTML map report, a hex heatmap or a target zone."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path

from geocrm import reports
from geocrm.cli.shared import migrated_engine, record, resolution
from geocrm.errors import InvalidInput
from geocrm.vocabulary import FILTER_NAMES, FILTERS


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``report heatmap`` and ``report zone`` commands."""
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
        help="a cube filter, as the map's: e.g. stage=client,partner or rep_id=3 or "
        f"month=2026-03 (repeatable): {', '.join(FILTER_NAMES)}",
    )
    zone.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="NAME=VALUES",
        help="replaces the zone's saved filter of that dimension, e.g. stage=client,partner "
        f"(repeatable): {', '.join(FILTERS)}",
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
            "--res",
            type=resolution,
            default=9,
            help="H3 resolution of the hexagons, 5..11 (default 9)",
        )
        parser_.add_argument(
            "--classes",
            default=None,
            metavar="T1,T2,...|natural",
            help="the hexagons' classes: default the web app's (quantiles of the hexagons "
            "drawn); fixed thresholds as the app's classes= link gives them (e.g. "
            "10,20,50,100); or natural for natural breaks (Fisher-Jenks)",
        )
        parser_.add_argument("--out", type=Path, required=True, help="the HTML file to write")
        parser_.add_argument(
            "--offline",
            action="store_true",
            help="no internet needed to open it: no tiles, every script and stylesheet inlined",
        )
        parser_.set_defaults(func=cmd_report)


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


def report_classes(text: str | None) -> list[float] | str | None:
    """``--classes``: None (the app's quantiles), ``natural``, or fixed thresholds."""
    if text is None or text.strip() == "natural":
        return None if text is None else "natural"
    return reports.parse_classes(text)


def cmd_report(args: argparse.Namespace) -> int:
    """Write a heatmap or a zone report and say what it holds."""
    engine = migrated_engine()
    if args.report_kind == "heatmap":
        report = reports.heatmap_report(
            engine,
            measure=args.measure,
            filters=parse_filters(args.filter),
            res=args.res,
            out=args.out,
            offline=args.offline,
            classes=report_classes(args.classes),
        )
    else:
        report = reports.zone_report(
            engine,
            args.zone,
            measure=args.measure,
            res=args.res,
            out=args.out,
            offline=args.offline,
            filters=parse_filters(args.filter),
            classes=report_classes(args.classes),
        )
    print(report_line(report))
    record(
        f"report.{report.kind}",
        getattr(args, "zone", None),
        measure=report.measure,
        customers_shown=report.markers_shown,
        file=Path(report.path).name,
    )
    return 0


def report_line(report: reports.Report) -> str:
    """One line: where the report went, its size, and what it draws."""
    mode = "offline, no external references" if report.offline else "online: CDN assets, OSM"
    capped = f" (capped at {report.summary['marker_cap']:,})" if report.capped else ""
    return (
        f"{report.kind} report written to {report.path} ({report.size_bytes / 1e6:.2f} MB, "
        f"{mode}): {report.hexes} hexagons of {report.measure} at res {report.res}, "
        f"{report.markers_shown:,} of {report.markers_total:,} customers as markers{capped}; "
        f"filters: {filters_line(report.summary.get('filters') or {})}"
    )


def filters_line(filters: Mapping[str, Sequence[object]]) -> str:
    """The filters a report used, as ``stage = client, partner; rep_id = 3`` (or ``none``)."""
    shown = [f"{name} = {', '.join(map(str, values))}" for name, values in filters.items()]
    return "; ".join(shown) or "none"
