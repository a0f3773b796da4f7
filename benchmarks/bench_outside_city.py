"""Customers outside the loaded city (issue 14): what the ``outside_city`` flag costs.

Imports N synthetic customers (benchmarks/synthetic_customers.py) of which a share lies
outside the city (points spread over Europe, at 0,0 and with lat/lon swapped: a
country-wide file), into a database of its own (``geocrm_bench_outside``, re-created, with
Helsinki loaded), and times the import, then the re-evaluation of every customer's flag
(``flag_outside_city``, what ``load-osm`` and ``enrich`` run): once with nothing to change,
once after a margin change that flags more customers; and the flag's own cost per row: the
same scan of every customer with and without evaluating it (median of 7 interleaved runs,
robust on a busy machine). The import's cost against the code before the flag is measured
with ``compare_commits`` on ``bench_import`` (RESULTS.md).

    python -m benchmarks.bench_outside_city [--rows 100000] [--outside 0.05]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import pandas as pd
from sqlalchemy import text

from benchmarks.common import bench_engine
from benchmarks.synthetic_customers import write_synthetic_customers
from geocrm.db import bulk_transaction
from geocrm.db.extent import flag_outside_city
from geocrm.ingest import import_customers
from geocrm.settings import PROJECT_ROOT, city_settings


def _with_outside_rows(path, out, share: float, seed: int = 3):
    """``path``'s customers with ``share`` of them moved outside the city."""
    frame = pd.read_csv(path)
    rng = np.random.default_rng(seed)
    moved = rng.random(len(frame)) < share
    n = int(moved.sum())
    lat = rng.uniform(36, 70, n)
    lon = rng.uniform(-10, 40, n)
    kind = rng.integers(3, size=n)  # 0: Europe, 1: 0,0, 2: Helsinki swapped
    lat = np.where(kind == 1, 0.0, np.where(kind == 2, frame.loc[moved, "lon"], lat))
    lon = np.where(kind == 1, 0.0, np.where(kind == 2, frame.loc[moved, "lat"], lon))
    frame.loc[moved, "lat"], frame.loc[moved, "lon"] = np.round(lat, 7), np.round(lon, 7)
    frame.to_csv(out, index=False)
    return n


#: the same scan of every customer, without and with the flag's expression (as resolve.sql
#: and flag_outside_city.sql evaluate it: the area once, then one test per point)
SCANS = {
    "scan": "SELECT count(*) FILTER (WHERE c.geom IS NOT NULL) FROM crm.customers c",
    "scan + flag": "WITH x AS MATERIALIZED (SELECT ref.city_area(10000) AS area) "
    "SELECT count(*) FILTER (WHERE crm.outside_city(c.geom, x.area)) "
    "FROM crm.customers c CROSS JOIN x",
}


def _per_row_cost(conn, rows: int, repeat: int = 7) -> None:
    """Median milliseconds of each scan, interleaved, and the flag's microseconds per row."""
    times: dict[str, list[float]] = {k: [] for k in SCANS}
    for _ in range(repeat):
        for name, sql in SCANS.items():
            started = time.perf_counter()
            conn.execute(text(sql)).scalar_one()
            times[name].append((time.perf_counter() - started) * 1000)
    plain, flagged = (statistics.median(times[k]) for k in SCANS)
    print(
        f"every customer scanned: {plain:.0f} ms; with the flag evaluated: {flagged:.0f} ms "
        f"(+{(flagged - plain) * 1000 / rows:.2f} us a row, median of {repeat})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--outside", type=float, default=0.05, help="share of rows outside")
    args = parser.parse_args()
    folder = PROJECT_ROOT / "benchmarks" / "output"
    base = folder / f"synthetic_{args.rows}.csv"
    if not base.exists():
        write_synthetic_customers(base, args.rows)
    path = folder / f"synthetic_{args.rows}_outside.csv"
    moved = _with_outside_rows(base, path, args.outside)

    engine = bench_engine("geocrm_bench_outside")
    started = time.perf_counter()
    report = import_customers(engine, path, progress=False)
    seconds = time.perf_counter() - started
    print(
        f"import of {args.rows:,} rows ({moved:,} moved outside the city) in {seconds:.1f} s = "
        f"{args.rows / seconds:,.0f} rows/s; inserted {report.inserted:,}, flagged "
        f"outside_city {report.outside_city:,}, rejected {report.rejected:,}"
    )
    print("  phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items()))
    for label, margin_km in (("nothing to change", None), ("margin 10 -> 0.5 km", 0.5)):
        if margin_km is not None:
            os.environ["GEOCRM_EXTENT_MARGIN_KM"] = str(margin_km)
            city_settings.cache_clear()
        started = time.perf_counter()
        with bulk_transaction(engine) as conn:  # as `geocrm enrich` and `load-osm` run it
            changed = flag_outside_city(conn)
        print(
            f"re-evaluating every customer's flag ({label}): {time.perf_counter() - started:.2f} s,"
            f" {changed.flagged:,} newly flagged, {changed.unflagged:,} unflagged"
        )
    with engine.connect() as conn:
        outside = conn.execute(
            text("SELECT count(*) FROM crm.customers WHERE outside_city")
        ).scalar_one()
        print(f"customers flagged outside_city at the end: {outside:,}")
        _per_row_cost(conn, args.rows)
    engine.dispose()


if __name__ == "__main__":
    main()
