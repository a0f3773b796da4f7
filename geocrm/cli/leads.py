"""``geocrm leads``: prospecting leads from the loaded city, built and listed (issue 16)."""

from __future__ import annotations

import argparse
from pathlib import Path

from geocrm.cli.shared import migrated_engine, print_json, record
from geocrm.errors import InvalidInput
from geocrm.prospecting.leads import build_leads


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``leads`` command."""
    cmd = sub.add_parser("leads", help="prospecting leads from the city: build, list")
    cmd.add_argument("action", choices=["build", "list"])
    cmd.add_argument("--dataset", help="build: the loaded city (default: every city loaded)")
    cmd.add_argument("--zone", help="list: the leads inside a saved zone (its id or name)")
    cmd.add_argument("--min-score", type=float, help="list: only leads scoring at least S (0..1)")
    cmd.add_argument("--out", type=Path, help="list: write the list to this CSV file")
    cmd.add_argument("--json", action="store_true", help="machine-readable output")
    cmd.set_defaults(func=cmd_leads)


def cmd_leads(args: argparse.Namespace) -> int:
    """Build the leads of the loaded city, or list them."""
    if args.action == "build":
        return _build(args)
    return _list(args)


# ---------------------------------------------------------------- build (wt-leads)


def _build(args: argparse.Namespace) -> int:
    """Build the leads of the loaded city (or every one) and print what was found."""
    report = build_leads(migrated_engine(), args.dataset, progress=not args.json)
    if args.json:
        print_json(report.as_dict())
    else:
        print(report.summary())
    record(
        "leads.build",
        args.dataset,
        leads=report.total,
        cities=[c.dataset for c in report.cities],
        matched_customers=report.matched()["total"],
    )
    return 0


# ----------------------------------------------------------------- list (wt-leadsapi)


def _list(args: argparse.Namespace) -> int:
    raise InvalidInput("geocrm leads list: not built yet")
