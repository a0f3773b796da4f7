"""Foundation figures: city load, demo CRM generation at scale, /api/customers latency.

Runs in a database of its own (``geocrm_bench`` in the embedded cluster, re-created) so it
never touches the demo. Prints one line per figure; copy them into RESULTS.md.

    python -m benchmarks.bench_foundation [--customers 100000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import api_client, bench_engine
from geocrm.demo import generate_demo_data
from geocrm.osm import load_osm


def _timed(label: str, func):
    started = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.2f} s", flush=True)
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    engine = bench_engine("geocrm_bench", with_city=False)
    _timed(
        "load-osm (central Helsinki, forced)", lambda: load_osm(engine, force=True, progress=False)
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.customers:
            report, seconds = _timed(
                f"demo-data {n:,} customers",
                lambda n=n: generate_demo_data(
                    engine,
                    customers=n,
                    seed=1,
                    force=True,
                    out=Path(tmp) / f"c{n}.csv",
                    progress=False,
                ),
            )
            print(
                f"  -> {n / seconds:,.0f} customers/s, {report.interactions:,} interactions "
                f"({report.interactions / seconds:,.0f}/s)"
            )

    client = api_client(engine)
    rng = np.random.default_rng(0)
    latencies = []
    for _ in range(args.requests):
        lon, lat = rng.uniform(24.925, 24.955), rng.uniform(60.160, 60.175)
        bbox = f"{lon:.5f},{lat:.5f},{lon + 0.005:.5f},{lat + 0.0025:.5f}"
        started = time.perf_counter()
        res = client.get("/api/customers", params={"bbox": bbox, "limit": 500})
        latencies.append((time.perf_counter() - started) * 1000)
        assert res.status_code == 200
    latencies.sort()
    p95 = latencies[int(0.95 * len(latencies)) - 1]
    print(
        f"/api/customers bbox (~280x280 m, limit 500) over {args.customers[-1]:,} customers: "
        f"p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
