"""``geocrm leads``: prospecting leads from the loaded city, built and listed (issue 16)."""

from __future__ import annotations

import argparse
from pathlib import Path

from geocrm import pipeline
from geocrm.cli.lookalike import train_text
from geocrm.cli.shared import migrated_engine, print_json, record, text_table
from geocrm.prospecting import lead_query


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
    """Build the leads of the loaded city (or every one), score them with the lookalike
    model trained again, and print what was found."""
    report, scores = pipeline.build_and_score_leads(
        migrated_engine(), args.dataset, progress=not args.json
    )
    if args.json:
        print_json({**report.as_dict(), "lookalike": scores.as_dict()})
    else:
        print(report.summary())
        print(train_text(scores.as_dict()))
    record(
        "leads.build",
        args.dataset,
        leads=report.total,
        cities=[c.dataset for c in report.cities],
        matched_customers=report.matched()["total"],
        model_id=scores.model_id,
        leads_scored=scores.leads_scored,
    )
    return 0


# ----------------------------------------------------------------- list (wt-leadsapi)


def _list(args: argparse.Namespace) -> int:
    """The leads (every one: the command line is the owner), in a saved zone and above a
    score if asked, best first: a table, JSON (``--json``) or a CSV file (``--out``)."""
    engine = migrated_engine()
    filters = lead_query.lead_filter(engine, zone=args.zone, min_score=args.min_score)
    if args.out is not None:
        written = lead_query.write_leads_csv(engine, filters, args.out, progress=not args.json)
        record("leads.export", None, format="csv", file=str(args.out), leads=written)
        if args.json:
            print_json({"leads": written, "out": str(args.out), "filters": filters.summary()})
        else:
            print(f"{written} lead(s) written to {args.out}")
        return 0
    features = list(lead_query.iter_leads(engine, filters))
    if args.json:
        print_json(
            {
                "numberMatched": len(features),
                "filters": filters.summary(),
                "leads": [
                    {
                        **f["properties"],
                        "lon": f["geometry"]["coordinates"][0],
                        "lat": f["geometry"]["coordinates"][1],
                    }
                    for f in features
                ],
            }
        )
        return 0
    if not features:
        print("no leads match (build them with `geocrm leads build`)")
        return 0
    rows = [_table_row(f["properties"]) for f in features]
    print(text_table(("lead", "score", "status", "category", "name", "address"), rows))
    print(f"{len(features)} lead(s)")
    return 0


def _table_row(props: dict) -> tuple[str, ...]:
    score = "" if props["score"] is None else f"{props['score']:.2f}"
    kind = "/".join(v for v in (props["category"], props["subcategory"]) if v)
    return (
        props["lead_id"],
        score,
        props["status"],
        kind[:30],
        (props["name"] or "")[:40],
        (props["address"] or "")[:40],
    )
