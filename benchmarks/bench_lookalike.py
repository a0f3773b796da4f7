"""The lookalike backtest (issue 16): held-out AUC and top-decile lift of the model on the
demo city, with the shuffled-label baseline in the same run.

Runs in a database of its own (``geocrm_bench_lookalike`` in the embedded cluster,
re-created unless ``--reuse``): central Helsinki, the demo CRM as ``make demo`` makes it
(``--customers 2000 --seed 42``: the generator plants the place-value relation of
``data/demo/settings.toml [place_value]``), enriched, cube built. Prints the figures; copy
them into RESULTS.md.

    python -m benchmarks.bench_lookalike [--customers 2000] [--seed 42] [--reuse]

1. The model card's figures (fixed split seed) for each positive rule and population, with
   the same customers' labels shuffled (must not beat random).
2. Stability: the held-out AUC and lift over ``--splits`` other split seeds (mean, min, max)
   and how often the model beats random, real against shuffled labels.
3. ``score_leads`` end to end with the default settings, timed; the leads are the lead
   build's (``geocrm.prospecting.leads.build_leads``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.common import bench_engine
from geocrm.cube import build_cube
from geocrm.demo import generate_demo_data
from geocrm.pipeline import enrich_city
from geocrm.prospecting import lookalike_model as model
from geocrm.prospecting.leads import build_leads
from geocrm.prospecting.lookalike import (
    LookalikeSettings,
    TrainingData,
    score_leads,
    shuffled,
    too_few,
    training_data,
)

RULES = (
    ("business, top 25% revenue (default)", LookalikeSettings()),
    ("business, client stage or above", LookalikeSettings(positive="stage")),
    ("all customers, top 25% revenue", LookalikeSettings(customers="all")),
)


def _row(name: str, labels: str, data: TrainingData, settings: LookalikeSettings) -> None:
    n, pos = len(data.labels), data.positives
    reason = too_few(data, settings)
    if reason is not None:
        print(f"| {name} | {labels} | {n} | {pos} | too few customers | | | |")
        return
    v = model.validate(data.frame, data.labels, held_out=settings.held_out)
    print(
        f"| {name} | {labels} | {n} | {pos} | {v.held_out} | {v.auc:.3f} "
        f"({v.auc_low:.3f}-{v.auc_high:.3f}) | {v.lift_top_decile:.2f} | "
        f"{'yes' if v.beats_random else 'no'} |"
    )


def card_figures(engine) -> None:
    print("\n1. Model card figures (split seed 16, 30% held out, 1,000 bootstrap resamples)\n")
    print(
        "| population and best customers | labels | customers | best | held out | "
        "AUC (95% interval) | top-decile lift | beats random |"
    )
    print("|---|---|---:|---:|---:|---|---:|---|")
    for name, settings in RULES:
        data = training_data(engine, settings)
        _row(name, "real", data, settings)
        _row(name, "shuffled", shuffled(data), settings)


def stability(engine, splits: int) -> None:
    settings = LookalikeSettings()
    data = training_data(engine, settings)
    if too_few(data, settings):
        print("\n2. Stability: too few customers with the default settings")
        return
    print(f"\n2. Stability over {splits} split seeds (default settings)\n")
    print("| labels | AUC mean | AUC min-max | lift mean | lift min-max | beats random |")
    print("|---|---:|---|---:|---|---:|")
    for labels, d in (("real", data), ("shuffled", shuffled(data))):
        runs = [
            model.validate(d.frame, d.labels, held_out=settings.held_out, seed=100 + i)
            for i in range(splits)
        ]
        auc = np.array([r.auc for r in runs])
        lift = np.array([r.lift_top_decile for r in runs])
        wins = sum(r.beats_random for r in runs)
        print(
            f"| {labels} | {auc.mean():.3f} | {auc.min():.3f}-{auc.max():.3f} | "
            f"{lift.mean():.2f} | {lift.min():.2f}-{lift.max():.2f} | {wins} of {splits} |"
        )


def end_to_end(engine) -> None:
    build_leads(engine, progress=False)
    started = time.perf_counter()
    report = score_leads(engine, progress=False)
    total = time.perf_counter() - started
    steps = ", ".join(f"{k} {v:.2f} s" for k, v in report.seconds.items())
    print(
        f"\n3. score_leads (default settings): {total:.2f} s ({steps}); "
        f"{report.leads_scored} of {report.leads} leads of the lead build scored\n"
        f"   {report.message}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--splits", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep the database if set up")
    args = parser.parse_args()
    started = time.perf_counter()
    engine = bench_engine("geocrm_bench_lookalike", fresh=not args.reuse)
    # (with --reuse the demo, the enrichment and the cube see they have nothing to do)
    generate_demo_data(engine, customers=args.customers, seed=args.seed, progress=False)
    enrich_city(engine, progress=False)
    build_cube(engine)
    print(
        f"demo city: {args.customers} customers (seed {args.seed}), enriched, cube built "
        f"in {time.perf_counter() - started:.0f} s"
    )
    card_figures(engine)
    stability(engine, args.splits)
    end_to_end(engine)


if __name__ == "__main__":
    main()
