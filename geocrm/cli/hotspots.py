"""``geocrm hotspots``: Getis-Ord Gi* hotspots of a cube measure on the H3 grid (issue 16)."""

from __future__ import annotations

import argparse

from tqdm import tqdm

from geocrm.cli.report import parse_filters
from geocrm.cli.shared import migrated_engine, print_json
from geocrm.prospecting.hotspots import (
    CLASSES,
    DEFAULT_MEASURE,
    DEFAULT_RES,
    PERMUTATIONS,
    RESOLUTIONS,
    SEED,
    HotspotResult,
    hotspots,
)
from geocrm.vocabulary import hexagon_size

#: Cells listed per class in the text output.
SHOWN = 5


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``hotspots`` command."""
    cmd = sub.add_parser(
        "hotspots",
        help="where a measure clusters high (hot) or low (cold): Getis-Ord Gi* per H3 cell",
    )
    cmd.add_argument(
        "--measure",
        default=DEFAULT_MEASURE,
        help="a measure of the cube, or several comma-separated (their standardised mean); "
        f"default {DEFAULT_MEASURE}",
    )
    cmd.add_argument(
        "--res",
        type=int,
        default=DEFAULT_RES,
        help=f"H3 resolution {RESOLUTIONS[0]}..{RESOLUTIONS[-1]} (default {DEFAULT_RES})",
    )
    cmd.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="NAME=V1,V2",
        help="a cube filter (stage, segment, kind, building_class, store_id, rep_id, "
        "territory_id, month); repeatable",
    )
    cmd.add_argument(
        "--permutations", type=int, default=PERMUTATIONS, help=f"default {PERMUTATIONS}"
    )
    cmd.add_argument("--seed", type=int, default=SEED, help=f"default {SEED}")
    cmd.add_argument("--json", action="store_true", help="machine-readable output: every cell")
    cmd.set_defaults(func=cmd_hotspots)


def cmd_hotspots(args: argparse.Namespace) -> int:
    """Compute (or read the kept) hotspots and print them."""
    engine = migrated_engine()
    with tqdm(total=1, desc="Gi* hotspots", unit="run", disable=args.json, leave=False) as bar:
        result = hotspots(
            engine,
            args.measure,
            args.res,
            parse_filters(args.filter),
            permutations=args.permutations,
            seed=args.seed,
        )
        bar.update()
    if args.json:
        print_json(result.as_dict())
    else:
        print(hotspots_text(result))
    return 0


def hotspots_text(result: HotspotResult) -> str:
    """A summary: the question, cells per class, the strongest hot and cold cells."""
    counts = result.counts()
    how = "kept result" if result.cached else f"{result.seconds:.2f} s"
    lines = [
        f"Hotspots of {result.measure} at res {result.res} ({hexagon_size(result.res)}): "
        f"{len(result.cells)} cells, {result.permutations} permutations, seed {result.seed}, "
        f"Benjamini-Hochberg FDR ({how})",
        "  " + ", ".join(f"{name} {counts[name]}" for name in CLASSES),
    ]
    for side, sign in (("hot", -1), ("cold", 1)):
        found = [c for c in result.cells if c["class"].startswith(side)]
        found.sort(key=lambda c: sign * c["z"])
        for cell in found[:SHOWN]:
            lines.append(
                f"  {cell['class']:<8} {cell['h3']}  z {cell['z']:+.2f}  p_fdr "
                f"{cell['p_fdr']:.4f}  value {cell['value']:,.2f}"
            )
    if result.filters:
        lines.append("  filters: " + "; ".join(f"{k}={v}" for k, v in result.filters.items()))
    return "\n".join(lines)
