"""Leads build benchmark (issue 16): the demo city, then a synthetic city of 1,000,000 POIs.

In a database of its own (``geocrm_bench_leads``): central Helsinki with the demo CRM
(2,000 customers) enriched, ``build_leads`` on it (and again: a rebuild), then a synthetic
city (benchmarks/synthetic_city.py, ``--pois``, buildings one per four POIs) written and
its leads built, step by step, then rebuilt with a status on 1,000 of its leads. Prints
each figure; a build is one transaction per city.

    python -m benchmarks.bench_leads [--pois 1000000] [--reuse]
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import text

from benchmarks.common import bench_engine
from benchmarks.synthetic_city import write_synthetic_city
from geocrm.pipeline import enrich_city, generate_demo_data
from geocrm.prospecting.leads import CityLeads, build_leads


def _line(label: str, city: CityLeads, seconds: float) -> None:
    steps = ", ".join(f"{k} {v:.1f}" for k, v in city.steps.items())
    print(
        f"{label}: {city.total:,} leads ({city.leads.get('poi', 0):,} POIs, "
        f"{city.leads.get('building', 0):,} buildings) from {city.pois:,} POIs in "
        f"{seconds:.1f} s ({city.total / max(seconds, 1e-9):,.0f} leads/s); steps: {steps}; "
        f"matched customers {city.matched.get('total', 0):,}"
    )


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pois", type=int, default=1_000_000)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database set up before (and its synthetic city, if of --pois POIs)",
    )
    args = parser.parse_args()

    engine = bench_engine("geocrm_bench_leads", fresh=not args.reuse)
    with engine.connect() as conn:
        has_crm = conn.execute(text("SELECT count(*) FROM crm.customers")).scalar_one() > 0
    if not has_crm:
        generate_demo_data(engine, customers=2000, seed=1, progress=False)
        enrich_city(engine, "helsinki", progress=False)

    for label in ("demo city (Helsinki), first build", "demo city, rebuild"):
        started = time.perf_counter()
        report = build_leads(engine, "helsinki", progress=False)
        _line(label, report.cities[0], time.perf_counter() - started)

    with engine.connect() as conn:
        dataset_id = conn.execute(
            text(
                "SELECT d.dataset_id FROM ref.datasets d WHERE d.name = 'synthetic' "
                "AND (SELECT count(*) FROM ref.pois p WHERE p.dataset_id = d.dataset_id) = :n"
            ),
            {"n": args.pois},
        ).scalar()
    if dataset_id is None or not args.reuse:
        started = time.perf_counter()
        city = write_synthetic_city(engine, "synthetic", pois=args.pois, seed=1)
        dataset_id = city.dataset_id
        print(
            f"synthetic city: {city.pois:,} POIs, {city.buildings:,} buildings, "
            f"{city.addresses:,} addresses, {city.streets:,} footway edges written in "
            f"{time.perf_counter() - started:.1f} s"
        )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE ref.pois, ref.buildings, ref.addresses, ref.streets"))
    started = time.perf_counter()
    report = build_leads(engine, "synthetic", progress=False)
    _line(
        f"synthetic city of {args.pois:,} POIs, build",
        report.cities[0],
        time.perf_counter() - started,
    )
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO crm.lead_status (lead_id, status) SELECT lead_id, 'contacted' "
                "FROM crm.leads WHERE dataset_id = :d ORDER BY lead_id LIMIT 1000 "
                "ON CONFLICT DO NOTHING"
            ),
            {"d": dataset_id},
        )
    started = time.perf_counter()
    report = build_leads(engine, "synthetic", progress=False)
    _line(
        "synthetic city, rebuild (1,000 statuses kept)",
        report.cities[0],
        time.perf_counter() - started,
    )
    print(f"statuses kept: {report.cities[0].with_status:,}")


if __name__ == "__main__":
    main()
