"""Hex cube benchmark at 1,000,000 customers: full build, incremental refresh, slices.

Set-up, in a database of its own (``geocrm_bench_cube``; ``--reuse`` keeps one already set
up): central Helsinki, the demo CRM (2,000 customers, its reps and 5 stores), the synthetic
customers with a segment (benchmarks/synthetic_customers.py), ~4 interactions per synthetic
customer over 12 months (benchmarks/synthetic_interactions.sql), ``enrich``. Then:

* the full build (``build_cube``), p50 of ``--runs``;
* rounds of 1,000 changed customers, each an import (500 edited, 250 moved, 250 new) that
  enriches the moved and new ones and refreshes the cube by itself (``geocrm.pipeline``);
  the refresh alone, the enrichment and the whole hook, p50 over the rounds;
* ``geocrm enrich`` after such an import made without the hook (what it costs when only a
  few customers changed), stage by stage;
* the same number of edits in one neighbourhood (fewer cells to recompute);
* a refresh with nothing to do, p50;
* that the refreshed cube is row for row what a full build makes;
* slice queries (``query_cube``) at res 7, 8 and 9: unfiltered, stage=customer &
  segment=SME, month, and the month with stage and segment; p50 of ``--runs``.

    python -m benchmarks.bench_cube [--rows 1000000] [--runs 5] [--reuse]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from benchmarks.common import bench_engine
from benchmarks.synthetic_customers import HELSINKI_BBOX, write_synthetic_customers
from geocrm import pipeline
from geocrm.cube import build_cube, query_cube, refresh_cube
from geocrm.demo import generate_demo_data
from geocrm.enrich import enrich
from geocrm.ingest import import_customers
from geocrm.settings import PROJECT_ROOT

SEGMENTS = ("young urban", "family", "senior", "affluent", "SME", "enterprise")
OUTPUT = PROJECT_ROOT / "benchmarks" / "output"
CUBE_TABLES = ("facts", "activity_facts", "rollup")
RUN = int(time.time())  # new customers' ids differ from run to run (--reuse)


def _timed(func: Callable):
    started = time.perf_counter()
    result = func()
    return result, time.perf_counter() - started


def _p50(func: Callable, runs: int) -> float:
    return statistics.median(_timed(func)[1] for _ in range(runs))


def _steps(seconds: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f} s" for k, v in seconds.items())


def _scalar(engine: Engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def set_up(engine: Engine, rows: int) -> None:
    """Demo CRM, synthetic customers and their interactions, enrichment (timed, printed)."""
    path = OUTPUT / f"synthetic_{rows}_segments.csv"
    if not path.exists():
        write_synthetic_customers(path, rows, segments=SEGMENTS)
    generate_demo_data(engine, customers=2000, seed=1, progress=False)
    report, seconds = _timed(lambda: import_customers(engine, path, progress=False))
    print(f"set-up: imported {report.inserted:,} synthetic customers in {seconds:.1f} s")
    sql = (Path(__file__).parent / "synthetic_interactions.sql").read_text()
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        added, seconds = _timed(lambda: conn.execute(text(sql)).rowcount)
    print(f"set-up: {added:,} synthetic interactions in {seconds:.1f} s")
    result, seconds = _timed(lambda: enrich(engine, progress=False))
    print(f"set-up: enriched {result.customers_enriched:,} customers in {seconds:.1f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def change_file(engine: Engine, round_no: int, rng: np.random.Generator) -> Path:
    """1,000 changed customers as an import file: 500 edited (stage, revenue), 250 moved
    (a new point in the city), 250 new."""
    with engine.connect() as conn:
        picked = pd.read_sql(
            text(
                "SELECT external_id, name, kind, stage, annual_revenue, ST_Y(geom) AS lat, "
                "ST_X(geom) AS lon FROM crm.customers WHERE external_id LIKE 'SYN-%' "
                "ORDER BY hashint8(customer_id * 31 + :seed) LIMIT 750"
            ),
            conn,
            params={"seed": round_no},
        )
    assert len(picked) == 750, len(picked)
    stages = np.array(["prospect", "customer", "client", "supporter", "advocate", "partner"])
    edited, moved = picked.iloc[:500].copy(), picked.iloc[500:].copy()
    edited["stage"] = stages[rng.integers(len(stages), size=len(edited))]
    edited["annual_revenue"] = (edited["annual_revenue"] + 1).round(2)
    min_lon, min_lat, max_lon, max_lat = HELSINKI_BBOX
    moved["lat"] = rng.uniform(min_lat, max_lat, len(moved)).round(7)
    moved["lon"] = rng.uniform(min_lon, max_lon, len(moved)).round(7)
    new = pd.DataFrame(
        {
            "external_id": [f"NEW-{RUN}-{round_no}-{i}" for i in range(250)],
            "name": [f"New Customer {RUN}-{round_no}-{i}" for i in range(250)],
            "kind": "person",
            "stage": "customer",
            "annual_revenue": 100.0,
            "lat": rng.uniform(min_lat, max_lat, 250).round(7),
            "lon": rng.uniform(min_lon, max_lon, 250).round(7),
        }
    )
    out = OUTPUT / f"cube_changes_{round_no}.csv"
    pd.concat([edited, moved, new]).to_csv(out, index=False)
    return out


def refreshed_equals_full_build(engine: Engine) -> bool:
    """Copy the refreshed cube, build it in full, compare row for row (EXCEPT ALL)."""
    with engine.begin() as conn:
        for table in CUBE_TABLES:
            conn.execute(text(f"DROP TABLE IF EXISTS public.bench_{table}"))
            conn.execute(text(f"CREATE TABLE public.bench_{table} AS SELECT * FROM cube.{table}"))
    build_cube(engine)
    same = True
    with engine.begin() as conn:
        for table in CUBE_TABLES:
            differ = conn.execute(
                text(
                    f"SELECT (SELECT count(*) FROM (TABLE cube.{table} EXCEPT ALL "
                    f"TABLE public.bench_{table}) a) + (SELECT count(*) FROM (TABLE "
                    f"public.bench_{table} EXCEPT ALL TABLE cube.{table}) b)"
                )
            ).scalar()
            print(f"  {table}: {differ} rows differ")
            same = same and differ == 0
            conn.execute(text(f"DROP TABLE public.bench_{table}"))
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep an already set-up database")
    args = parser.parse_args()
    OUTPUT.mkdir(parents=True, exist_ok=True)

    engine = bench_engine("geocrm_bench_cube", fresh=not args.reuse)
    if not args.reuse or (_scalar(engine, "SELECT count(*) FROM crm.customers") < args.rows):
        set_up(engine, args.rows)
    customers = _scalar(engine, "SELECT count(*) FROM crm.customer_enrichment")
    interactions = _scalar(engine, "SELECT count(*) FROM crm.interactions")
    print(f"{customers:,} enriched customers, {interactions:,} interactions")

    builds = [_timed(lambda: build_cube(engine)) for _ in range(max(args.runs // 2, 1))]
    summary = builds[-1][0]
    activity_rows = _scalar(engine, "SELECT count(*) FROM cube.activity_facts")
    print(
        f"full build: p50 {statistics.median(s for _, s in builds):.2f} s "
        f"({', '.join(f'{s:.2f}' for _, s in builds)}); {summary['fact_rows']:,} fact rows, "
        f"{activity_rows:,} activity rows, cells per res {summary['cells_per_res']}, "
        f"months {summary['months'][0]}..{summary['months'][-1]}"
    )
    print(
        "  steps of the last: " + ", ".join(f"{k} {v:.2f} s" for k, v in summary["seconds"].items())
    )

    rng = np.random.default_rng(5)
    rounds = []
    for round_no in range(1, args.rounds + 1):
        path = change_file(engine, round_no, rng)
        report, seconds = _timed(
            lambda p=path: pipeline.import_customers(engine, p, progress=False)
        )
        hook = report.cube
        assert hook is not None and hook.error is None, hook
        refresh = _scalar(engine, "SELECT refresh FROM cube.builds")
        rounds.append((seconds, hook, refresh["customers"]))
        print(
            f"round {round_no}: import of 1,000 changed customers + hook {seconds:.2f} s "
            f"(inserted {report.inserted}, updated {report.updated}; import phases "
            f"{_steps(report.seconds)}); hook: {hook.enriched} enriched in "
            f"{hook.seconds['enrich']:.2f} s, {hook.cells} cells ({refresh['customers']:,} "
            f"customers) refreshed in {hook.seconds['refresh']:.2f} s "
            f"({_steps(refresh['seconds'])})"
        )
    print(
        f"p50 over {len(rounds)} rounds: import + hook "
        f"{statistics.median(r[0] for r in rounds):.2f} s, enrichment of the moved and new "
        f"{statistics.median(r[1].seconds['enrich'] for r in rounds):.2f} s, refresh of "
        f"{statistics.median(r[1].cells for r in rounds):.0f} cells holding "
        f"{statistics.median(r[2] for r in rounds):,.0f} customers "
        f"{statistics.median(r[1].seconds['refresh'] for r in rounds):.2f} s"
    )

    # the same number of edits in one neighbourhood: the refresh is proportional to the
    # customers of the changed cells, not to the size of the cube
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE crm.customers SET stage = CASE stage WHEN 'client' THEN 'partner' "
                "ELSE 'client' END WHERE customer_id IN (SELECT customer_id FROM crm.customers "
                "WHERE geom IS NOT NULL ORDER BY geom <-> ST_SetSRID(ST_MakePoint(24.9384, "
                "60.1699), 4326) LIMIT 1000)"
            )
        )
    local = refresh_cube(engine)
    print(
        f"refresh after 1,000 edits in one neighbourhood: {local['cells']} cells "
        f"({local['customers']:,} customers) in {local['seconds']['total']:.2f} s"
    )

    path = change_file(engine, 99, rng)
    report = import_customers(engine, path, progress=False)
    result, seconds = _timed(lambda: pipeline.enrich_city(engine, progress=False))
    print(
        f"geocrm enrich after 1,000 changed customers (import without the hook): {seconds:.2f} s"
        f" for {result.customers_enriched} customers; "
        + ", ".join(f"{k} {v:.2f} s" for k, v in result.seconds.items())
        + f"; {result.cube.summary()}"
    )
    print(
        "  customer steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in result.customer_steps.items())
    )
    _, seconds = _timed(lambda: pipeline.enrich_city(engine, progress=False))
    print(f"geocrm enrich with nothing to do: {seconds:.2f} s")

    noop = _p50(lambda: refresh_cube(engine), max(args.runs, 5) * 2)
    print(f"refresh with nothing queued: p50 {noop * 1000:.1f} ms")

    print(f"refreshed cube == full build: {refreshed_equals_full_build(engine)}")

    month = summary["months"][len(summary["months"]) // 2]
    slices = {
        "unfiltered": {},
        "stage=customer & segment=SME": {"stage": "customer", "segment": "SME"},
        f"month={month}": {"month": month},
        f"month={month} & stage=customer & segment=SME": {
            "month": month,
            "stage": "customer",
            "segment": "SME",
        },
    }
    table = {}
    for name, filters in slices.items():
        table[name] = {}
        for res in (7, 8, 9):
            query_cube(engine, res=res, filters=filters)  # warm
            p50 = _p50(lambda r=res, f=filters: query_cube(engine, res=r, filters=f), args.runs)
            cells = len(query_cube(engine, res=res, filters=filters))
            table[name][f"res {res} (ms)"] = f"{p50 * 1000:.0f} ({cells} cells)"
    print(f"slice queries, p50 of {args.runs}:")
    print(pd.DataFrame(table).T.to_string())
    engine.dispose()


if __name__ == "__main__":
    main()
