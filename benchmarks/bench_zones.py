"""Target-zone figures: the live count while drawing, account search, isochrones.

Runs in a database of its own (``geocrm_bench_zones`` in the embedded cluster, re-created)
with the demo CRM (``make demo``'s 2,000 customers by default). Prints one line per figure;
copy them into RESULTS.md.

    python -m benchmarks.bench_zones [--customers 2000 100000] [--requests 200] [--reuse]

``--reuse`` keeps the database of an earlier run when it holds the demo CRM of that many
customers (one size only): generating 100,000 takes minutes.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import text

from benchmarks.common import api_client, bench_engine
from geocrm import zones
from geocrm.demo import generate_demo_data
from geocrm.network.isochrones import _POINT_NETWORKS

#: ~1 km² in central Helsinki: 0.018° of longitude x 0.009° of latitude at 60.17° N.
BOX_DLON, BOX_DLAT = 0.018, 0.009


def _box(lon: float, lat: float) -> dict:
    west, south, east, north = lon, lat, lon + BOX_DLON, lat + BOX_DLAT
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _latencies(calls: list[Callable[[], object]]) -> str:
    ms = []
    for call in calls:
        started = time.perf_counter()
        call()
        ms.append((time.perf_counter() - started) * 1000)
    ms.sort()
    p95 = ms[max(0, int(0.95 * len(ms)) - 1)]
    return f"p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms"


def _generate(engine, customers: int, out: Path) -> None:
    """The demo CRM. The hex cube's change queue is off meanwhile: this benchmark builds no
    cube, and the queue's statement trigger on crm.customers takes minutes over the
    geocoder's 100,000-row update (2 minutes for 20,000 customers; 18 s without it)."""
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE crm.customers DISABLE TRIGGER cube_customers_updated"))
    try:
        generate_demo_data(
            engine, customers=customers, seed=42, force=True, out=out, progress=False
        )
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE crm.customers ENABLE TRIGGER cube_customers_updated"))


def _customers(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM crm.customers")).scalar_one()


def _ok(response):
    assert response.status_code == 200, response.text
    return response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[2000])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="keep a database of that size")
    args = parser.parse_args()
    if args.reuse and len(args.customers) > 1:
        parser.error("--reuse takes one --customers size")

    engine = bench_engine("geocrm_bench_zones", fresh=not args.reuse)
    client = api_client(engine)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.customers:
            if not (args.reuse and _customers(engine) == n):
                _generate(engine, n, Path(tmp) / "c.csv")
            # what autovacuum does within a minute of an import: without statistics the
            # planner does not know the trigram index is selective
            with engine.begin() as conn:
                conn.execute(text("ANALYZE crm.customers"))
            boxes = [
                _box(rng.uniform(24.930, 24.942), rng.uniform(60.163, 60.171))
                for _ in range(args.requests)
            ]
            sizes = [zones.count_audience(engine, b, None)["total"] for b in boxes]
            for _ in range(5):  # warm the pool and the plans
                client.post("/api/zones/count", json={"geometry": boxes[0]})
            print(
                f"POST /api/zones/count, ~1 km² box, {n:,} customers "
                f"(median {statistics.median(sizes):,.0f} inside): "
                + _latencies(
                    [
                        lambda b=b: _ok(client.post("/api/zones/count", json={"geometry": b}))
                        for b in boxes
                    ]
                )
            )
            filters = {"stage": "client,partner", "kind": "business"}
            print(
                f"  same with filters {filters}: "
                + _latencies(
                    [
                        lambda b=b, f=filters: _ok(
                            client.post("/api/zones/count", json={"geometry": b, "filters": f})
                        )
                        for b in boxes
                    ]
                )
            )
            print(
                "  domain function only (no HTTP): "
                + _latencies([lambda b=b: zones.count_audience(engine, b, None) for b in boxes])
            )
            queries = ["bulevardi", "lonnrot", "Manerheimintei", "virtanen", "aleksanterinkatu 5"]
            print(
                f"GET /api/customers/search, {n:,} customers: "
                + _latencies(
                    [
                        lambda q=q: _ok(client.get("/api/customers/search", params={"q": q}))
                        for q in queries * max(1, args.requests // len(queries))
                    ]
                )
            )

    _POINT_NETWORKS.clear()
    for mode in ("walk", "drive"):
        started = time.perf_counter()
        params = {"lon": 24.9384, "lat": 60.1699, "mode": mode, "minutes": 5}
        _ok(client.get("/api/isochrone", params=params))
        print(
            f"GET /api/isochrone {mode}, first call (builds the graph): "
            f"{time.perf_counter() - started:.2f} s"
        )
        for minutes in (5, 10, 15):
            params = {"lon": 24.9384, "lat": 60.1699, "mode": mode, "minutes": minutes}
            print(
                f"  {mode} {minutes} min, warm: "
                + _latencies([lambda p=params: _ok(client.get("/api/isochrone", params=p))] * 10)
            )
    engine.dispose()


if __name__ == "__main__":
    main()
