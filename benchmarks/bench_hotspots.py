"""Getis-Ord Gi* hotspots (issue 16): over every res-9 and res-10 (and res-11) cell of the
demo city, through the API (computed, then kept), a tile of the layer, and over a big
synthetic H3 grid (100,000 cells by default) for the statistic alone.

Runs in a database of its own (``geocrm_bench_hotspots`` in the embedded cluster,
re-created) with the demo CRM (2,000 customers). Prints one line per figure; copy them into
RESULTS.md.

    python -m benchmarks.bench_hotspots [--customers 2000] [--cells 10000 100000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import h3
import numpy as np

from benchmarks.common import api_client, bench_engine
from geocrm.cube import build_cube
from geocrm.demo import generate_demo_data
from geocrm.pipeline import enrich_city
from geocrm.prospecting.hotspot_stats import PERMUTATIONS, gi_star, ring_neighbours
from geocrm.prospecting.hotspots import city_cover, hotspots
from geocrm.tiles import tile_xy

CENTRE = (60.1700, 24.9450)  # lat, lon: Esplanadi, central Helsinki


def _timed(call):
    started = time.perf_counter()
    out = call()
    return out, time.perf_counter() - started


def demo_city(customers: int) -> None:
    """Gi* over the demo city's cells, by the domain function, the API and the tiles."""
    engine = bench_engine("geocrm_bench_hotspots")
    with tempfile.TemporaryDirectory() as tmp:
        generate_demo_data(
            engine, customers=customers, seed=42, out=Path(tmp) / "c.csv", progress=False
        )
    enrich_city(engine, progress=False)
    build_cube(engine)
    for res in (9, 10, 11):
        with engine.connect() as conn:
            cover = city_cover(conn, res)
        values = np.random.default_rng(res).lognormal(8, 1, len(cover))
        _, seconds = _timed(lambda cover=cover, values=values: gi_star(cover, values, min_cells=1))
        print(
            f"demo city res {res}: Gi* alone over its {len(cover)} cells, {PERMUTATIONS} "
            f"permutations: {seconds * 1000:.0f} ms"
        )
        if res == 9:
            continue  # too few for the API (the test refuses them)
        result, seconds = _timed(lambda res=res: hotspots(engine, "revenue", res, use_cache=False))
        print(
            f"demo city res {res}: hotspots of revenue ({len(result.cells)} cells, read from "
            f"the cube, Gi*, no keeping): {seconds * 1000:.0f} ms; classes {result.counts()}"
        )
    client = api_client(engine)
    for res in (10, 11):
        url = "/api/hotspots"
        params = {"measure": "revenue", "res": res}
        first, seconds = _timed(lambda url=url, params=params: client.get(url, params=params))
        assert first.status_code == 200, first.text
        again, kept = _timed(lambda url=url, params=params: client.get(url, params=params))
        assert again.json()["cached"]
        print(
            f"GET /api/hotspots?measure=revenue&res={res}: first {seconds * 1000:.0f} ms "
            f"(computed and kept), again {kept * 1000:.0f} ms (kept result)"
        )
    z = 14
    x, y = tile_xy(CENTRE[1], CENTRE[0], z)
    url = f"/tiles/hotspots/{z}/{x}/{y}.mvt"
    first, seconds = _timed(lambda: client.get(url, params={"measure": "customers"}))
    assert first.status_code == 200, first.text
    again, cached = _timed(lambda: client.get(url, params={"measure": "customers"}))
    print(
        f"tile hotspots z{z} (res 10, customers): first {seconds * 1000:.0f} ms (computes "
        f"the result), again {cached * 1000:.0f} ms ({again.headers.get('x-tile-cache')})"
    )


def synthetic(cells: int) -> None:
    """Gi* alone over a synthetic grid of about ``cells`` res-10 cells: a hexagon of rings
    around central Helsinki, gamma-distributed values and one planted cluster per 500 cells
    (a cell and 3 rings, 37 cells, +8,000 each over a background of mean 2,000)."""
    rings = int(np.ceil((-3 + np.sqrt(9 + 12 * (cells - 1))) / 6))  # 1 + 3k(k+1) cells
    centre = h3.latlng_to_cell(*CENTRE, 10)
    grid = sorted(h3.str_to_int(c) for c in h3.grid_disk(centre, rings))
    rng = np.random.default_rng(16)
    values = rng.gamma(2.0, 1000.0, len(grid))
    position = {c: i for i, c in enumerate(grid)}
    planted: set[int] = set()
    cores: set[int] = set()
    near: set[int] = set()
    for spot in rng.choice(grid, len(grid) // 500, replace=False):
        for group, k in ((planted, 3), (cores, 2), (near, 4)):
            group.update(
                position.get(h3.str_to_int(n), -1)
                for n in h3.grid_disk(h3.int_to_str(int(spot)), k)
            )
    for group in (planted, cores, near):
        group.discard(-1)
    values[sorted(planted)] += 8000.0
    _, weights = _timed(lambda: ring_neighbours(grid))
    stat, seconds = _timed(lambda: gi_star(grid, values))
    hot = {i for i, c in enumerate(stat.classes) if str(c).startswith("hot")}
    print(
        f"synthetic grid {len(grid):,} cells (res 10, gamma values, {len(grid) // 500} planted "
        f"clusters of 37 cells): neighbours {weights:.1f} s; Gi* with {PERMUTATIONS} "
        f"permutations and FDR {seconds:.1f} s (incl. neighbours); hot {len(hot):,} cells: "
        f"{len(hot & cores):,} of the {len(cores):,} cluster cores (cell and 2 rings), "
        f"{len(hot - near):,} farther than one ring from a cluster"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--cells", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--no-demo", action="store_true", help="only the synthetic grids")
    args = parser.parse_args()
    if not args.no_demo:
        demo_city(args.customers)
    for cells in args.cells:
        synthetic(cells)


if __name__ == "__main__":
    main()
