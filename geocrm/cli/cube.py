"""``geocrm enrich`` and ``geocrm cube``: what is derived from the city and the customers."""

from __future__ import annotations

import argparse

from geocrm import cube, enrich, pipeline
from geocrm.cli.shared import migrated_engine
from geocrm.errors import NotFound
from geocrm.prospecting.whitespace import build_whitespace
from geocrm.settings import NETWORK_DEFAULTS


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``enrich`` and ``cube`` commands."""
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

    hexes = sub.add_parser("cube", help="the OLAP hex cube (H3 cells x dimensions -> measures)")
    hexes.add_argument(
        "action",
        choices=["build", "refresh"],
        help="build: everything, from scratch; refresh: only the cells changed since "
        "(imports, pins and enrich refresh it themselves), after enriching the customers "
        "that need it: it finishes what a crash left undone",
    )
    hexes.set_defaults(func=cmd_cube)


def cmd_enrich(args: argparse.Namespace) -> int:
    """Enrich the customers (incrementally) and print what was recomputed."""
    settings = {key: getattr(args, key) for key in NETWORK_DEFAULTS}
    report = pipeline.enrich_city(migrated_engine(), args.dataset, network_settings=settings)
    print(enrich_text(report))
    return 0


def cmd_cube(args: argparse.Namespace) -> int:
    """Build the hex cube from scratch, or finish the pending work: enrich the customers
    that need it, refresh the cells queued since (``pipeline.recover``)."""
    engine = migrated_engine()
    if args.action == "refresh":
        recovered = pipeline.recover(engine)
        fresh = recovered.fresh
        if not recovered.ran or fresh.error:
            print(recovered.summary())
            return 1 if fresh.error else 0
        if recovered.repairs():
            print("; ".join(recovered.repairs()))
        if not fresh.built:
            raise NotFound("The hex cube was never built: run `geocrm cube build` first.")
        if fresh.enriched:
            print(f"{fresh.enriched} customers enriched ({fresh.seconds.get('enrich', 0):.2f} s)")
        result = fresh.refresh
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
            + _outside(summary)
        )
        return 0
    summary = cube.build_cube(engine)
    print(
        f"hex cube built: {summary['fact_rows']} fact rows, {summary['customers_counted']} "
        f"customers, cells per resolution {summary['cells_per_res']}, months of activity "
        f"{_month_span(summary['months'])} in {summary['seconds']['total']:.1f} s"
        + _outside(summary)
    )
    print(build_whitespace(engine, progress=True).summary())  # issue 16: after the cube
    return 0


def _outside(summary: dict) -> str:
    """Why the cube counts fewer customers than there are: those outside the cities."""
    n = summary.get("customers_outside_city") or 0
    return f" ({n} outside the loaded cities not counted: see geocoding-issues)" if n else ""


def _month_span(months: list[str]) -> str:
    return f"{months[0]}..{months[-1]}" if months else "none"


def enrich_text(report: enrich.EnrichReport) -> str:
    """What ``enrich`` recomputed, how many customers and hexagons, and how long it took."""
    lines = [f"enrichment of '{report.dataset}':"]
    lines.append(
        "  city layers (H3, building estimates): "
        + ("recomputed" if report.reference_recomputed else "up to date")
    )
    if report.network_recomputed:
        counts = ", ".join(
            f"{k} {v}" for k, v in report.network_summary.items() if not k.endswith("seconds")
        )
        lines.append(f"  trade areas, Huff model, foot traffic: recomputed ({counts})")
    else:
        lines.append("  trade areas, Huff model, foot traffic: up to date")
    lines.append(f"  customers enriched: {report.customers_enriched}")
    if report.outside_city_flagged or report.outside_city_unflagged:
        lines.append(
            f"  outside the loaded cities: {report.outside_city_flagged} customers newly "
            f"flagged outside_city (left out), {report.outside_city_unflagged} inside again"
        )
    lines.append(f"  hexagons added: {report.cells_added}")
    lines.append("  time: " + ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items()))
    if report.cube is not None:
        lines.append("  " + report.cube.summary())
    return "\n".join(lines)
