"""``geocrm lookalike``: the lookalike model of the leads, trained and shown (issue 16)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from geocrm.cli.shared import migrated_engine, print_json, record
from geocrm.prospecting.lookalike import model_card, score_leads


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``lookalike`` command."""
    cmd = sub.add_parser(
        "lookalike",
        help="lead scores from a model of the best customers: train (and score), show the card",
    )
    cmd.add_argument(
        "action",
        choices=["train", "show"],
        help="train: learn from the customers, validate on held-out ones and score the "
        "leads (no score when the model does not beat random); show: the model card",
    )
    cmd.add_argument("--json", action="store_true", help="machine-readable output")
    cmd.set_defaults(func=cmd_lookalike)


def cmd_lookalike(args: argparse.Namespace) -> int:
    """Train the model and score the leads, or show the card of the model in use."""
    engine = migrated_engine()
    if args.action == "train":
        report = score_leads(engine, progress=not args.json)
        record(
            "lookalike.train",
            report.model_id,
            customers=report.customers,
            beats_random=report.beats_random,
            leads_scored=report.leads_scored,
        )
        if args.json:
            print_json(report.as_dict())
        else:
            print(train_text(report.as_dict()))
        return 0
    card = model_card(engine)
    if args.json:
        print_json(card)
    else:
        print(card_text(card))
    return 0


def _figure(value: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if value is None else fmt.format(value)


def train_text(report: Mapping[str, Any]) -> str:
    """What ``lookalike train`` did, in a few lines."""
    lines = [
        f"lookalike model {report['model_id']}: {report['customers']} customers "
        f"({report['positives']} best), {report['held_out']} held out",
        f"  held-out AUC {_figure(report['auc'])} (95% interval {_figure(report['auc_low'])}"
        f"-{_figure(report['auc_high'])}), top-decile lift {_figure(report['lift_top_decile'])}",
        f"  leads scored: {report['leads_scored']} of {report['leads']}",
        f"  {report['message']}",
    ]
    return "\n".join(lines)


def card_text(card: Mapping[str, Any]) -> str:
    """The model card as plain text."""
    if card["trained_at"] is None:
        return card["message"]
    lines = [
        f"lookalike model {card['model_id']}, trained {str(card['trained_at'])[:19]}",
        f"  customers: {card['customers']} ({card['positives']} best; {card['positive_rule']})",
        f"  held-out: {card['held_out']}; AUC {_figure(card['auc'])} (95% interval "
        f"{_figure(card['auc_low'])}-{_figure(card['auc_high'])}); top-decile lift "
        f"{_figure(card['lift_top_decile'])}",
        f"  beats random: {'yes' if card['beats_random'] else 'no'}; leads scored: "
        f"{card['leads_scored']}",
        f"  {card['message']}",
    ]
    weighted = [f for f in card["features"] if isinstance(f.get("weight"), int | float)]
    if weighted:
        lines.append(
            "  weights (standardised): "
            + ", ".join(
                f"{f['label']} {f['weight']:+.2f}"
                for f in sorted(weighted, key=lambda f: -abs(f["weight"]))
            )
        )
    classes = next(
        (f["weight"] for f in card["features"] if isinstance(f.get("weight"), dict)), None
    )
    if classes:
        ranked = sorted(classes.items(), key=lambda kv: -kv[1])
        lines.append("  building class: " + ", ".join(f"{k} {v:+.2f}" for k, v in ranked if v))
    return "\n".join(lines)
