"""What filling the holes of isochrones and taking out the water costs, in one process.

Isochrones of stores (walk 5/10/15, drive 3/5/10 minutes) and point isochrones (a 10-minute
walk) are drawn with :func:`geocrm.network.outline.solid` as it is ("new") and with it
replaced by the identity ("base": the outline as the buffered streets leave it, holes and
water included), in alternating rounds (ABBA) on the same graphs and stores, so that a busy
machine weighs on both alike; each side's figure is the median of its rounds. The stores
are addresses of the loaded city picked at random (seeded).

    python -m benchmarks.bench_solid_ab [--stores 20] [--rounds 6]
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time

import numpy as np
import pandas as pd

from benchmarks.common import bench_engine
from geocrm.db import loaded_city, query
from geocrm.network import point_isochrone, travel_graph
from geocrm.network.outline import solid

# the module (``geocrm.network.isochrones`` is also the name of its function)
isochrone_module = importlib.import_module("geocrm.network.isochrones")
SIDES = {"base": lambda areas, water: areas, "new": solid}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    engine = bench_engine("geocrm_bench_geo_ab", fresh=False)
    with engine.connect() as conn:
        params = {"dataset_id": loaded_city(conn).dataset_id}
        addresses = pd.read_sql(query("geocode/addresses"), conn, params=params)
    picked = addresses.sample(n=args.stores, random_state=args.seed)
    stores = pd.DataFrame(
        {"store_id": np.arange(args.stores), "lon": picked["lon"], "lat": picked["lat"]}
    )
    graphs = {mode: travel_graph(engine, None, mode) for mode in ("walk", "drive")}
    bands = {"walk": (5, 10, 15), "drive": (3, 5, 10)}
    points = list(zip(picked["lon"][:10], picked["lat"][:10], strict=True))
    point_isochrone(engine, *points[0], mode="walk", minutes=10)  # builds the graph once

    timings: dict[tuple[str, str], list[float]] = {}
    holes: dict[tuple[str, str], int] = {}
    for r in range(args.rounds):
        for side in SIDES if r % 2 == 0 else list(SIDES)[::-1]:
            isochrone_module.solid = SIDES[side]
            for mode, graph in graphs.items():
                started = time.perf_counter()
                areas = isochrone_module.isochrones(graph, stores, bands[mode], mode)
                timings.setdefault((mode, side), []).append(time.perf_counter() - started)
                holes[(mode, side)] = sum(len(p.interiors) for g in areas.geometry for p in g.geoms)
            started = time.perf_counter()
            for lon, lat in points:
                point_isochrone(engine, lon, lat, mode="walk", minutes=10)
            spent = (time.perf_counter() - started) / len(points)
            timings.setdefault(("point", side), []).append(spent)
    isochrone_module.solid = solid

    print(f"{args.stores} stores, {args.rounds} interleaved rounds per side (median seconds)")
    for what, label in (
        ("walk", f"store isochrones, walk 5/10/15 ({args.stores} stores)"),
        ("drive", f"store isochrones, drive 3/5/10 ({args.stores} stores)"),
        ("point", "point isochrone, walk 10 min (per call, graph built)"),
    ):
        base = statistics.median(timings[(what, "base")])
        new = statistics.median(timings[(what, "new")])
        extra = ""
        if (what, "base") in holes:
            extra = f", holes {holes[(what, 'base')]} -> {holes[(what, 'new')]}"
        print(f"  {label}: {base:.3f} -> {new:.3f} s ({new / base:.2f}){extra}")
    engine.dispose()


if __name__ == "__main__":
    main()
