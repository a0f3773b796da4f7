"""Territory design: runtime, balance, contiguity and compactness for K = 5, 10, 20.

Two areas: the demo city's cells at res 9 (a database with enriched demo customers: pass
its URL with ``--database-url``; without one, that part is skipped) and a synthetic disk of
10,267 res-9 cells around central Helsinki with Poisson(2) customers per cell. GeoCRM's
design (``geocrm.territories.best_partition``) is compared with PySAL spopt's region
k-means heuristic and SKATER on the same cells and the same (rook-like H3) adjacency,
when spopt is importable (``pip install .[bench]``); spopt is never used by the product.

With a database, a second table measures the design objectives on the demo city (res 9
and 10): ``geocrm.territories.design`` with travel time and bonds against the baseline
of the same call growing by distance alone, on the same cells and reps: balance, the
customers' mean travel minutes by car from their rep's base, strong bonds kept,
compactness. The granularity bound is the best balance the cells allow at all:
max(1, heaviest cell x K / total).

    .venv/bin/python -m benchmarks.bench_territories [--database-url URL] [--no-spopt]
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import time
from collections.abc import Callable, Sequence

import h3
import numpy as np

from geocrm import territories

KS = (5, 10, 20)
SPOPT_SECONDS = 60


def _synthetic() -> tuple[list[int], np.ndarray]:
    centre = h3.latlng_to_cell(60.17, 24.94, 9)
    cells = sorted(h3.str_to_int(c) for c in h3.grid_disk(centre, 58))
    weights = np.random.default_rng(3).poisson(2.0, len(cells)).astype(float)
    return cells, weights


def _city(url: str) -> tuple[list[int], np.ndarray]:
    from geocrm.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        area = territories.load_area(conn, territories.DEFAULT_RES)
    return area.cells.tolist(), area.workload("customers")


def _figures(cells: Sequence[int], weights: np.ndarray, labels: np.ndarray, k: int) -> dict:
    loads = np.bincount(labels, weights=weights, minlength=k)
    compact = [
        territories.polsby_popper(
            territories.territory_polygon([c for c, t in zip(cells, labels, strict=True) if t == i])
        )
        for i in range(k)
    ]
    return {
        "balance": territories.balance(loads),
        "contiguous": territories.is_contiguous(cells, labels),
        "compactness": round(float(np.mean(compact)), 3),
    }


class _Timeout(Exception):
    pass


def _timed(run: Callable[[], np.ndarray], seconds: int) -> tuple[np.ndarray | None, float]:
    def _alarm(*_):
        raise _Timeout

    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    started = time.perf_counter()
    try:
        labels = run()
    except _Timeout:
        labels = None
    finally:
        signal.alarm(0)
    return labels, time.perf_counter() - started


def _spopt_runs(cells: Sequence[int], weights: np.ndarray, k: int) -> dict[str, Callable]:
    import geopandas as gpd
    from libpysal.weights import W
    from spopt.region import RegionKMeansHeuristic, Skater

    nbrs = territories.neighbours(cells)
    w = W({i: n for i, n in enumerate(nbrs)}, silence_warnings=True)
    xy = territories.planar_km(cells)
    gdf = gpd.GeoDataFrame(
        {"x": xy[:, 0], "y": xy[:, 1], "load": weights},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
    )

    def kmeans() -> np.ndarray:
        model = RegionKMeansHeuristic(gdf[["x", "y"]].to_numpy(), k, w)
        model.solve()
        return np.asarray(model.labels_)

    def skater() -> np.ndarray:
        # floor: the fewest cells per region (SKATER bounds cells, not a workload)
        floor = int(0.5 * len(cells) / k)
        model = Skater(gdf, w, ["x", "y"], n_clusters=k, floor=floor, islands="increase")
        model.solve()
        return np.asarray(model.labels_)

    return {"spopt region k-means": kmeans, "spopt SKATER": skater}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a database with enriched demo customers")
    parser.add_argument("--no-spopt", action="store_true")
    parser.add_argument(
        "--objectives-only", action="store_true", help="only the objectives table (needs a DB)"
    )
    args = parser.parse_args()
    if args.database_url and args.objectives_only:
        objectives(args.database_url)
        return
    areas = {"synthetic 10,267 cells": _synthetic()}
    if args.database_url:
        areas = {"demo city res 9": _city(args.database_url), **areas}
    print("| area | K | method | runtime | balance | contiguous | compactness |")
    print("|---|---|---|---|---|---|---|")
    for name, (cells, weights) in areas.items():
        for k in KS:
            if k > len(cells):
                continue
            runs: dict[str, Callable] = {
                "GeoCRM": lambda cells=cells, weights=weights, k=k: (
                    territories.best_partition(cells, weights, k).labels
                )
            }
            if not args.no_spopt:
                with contextlib.suppress(ImportError):
                    runs.update(_spopt_runs(cells, weights, k))
            for method, run in runs.items():
                try:
                    labels, seconds = _timed(run, SPOPT_SECONDS)
                except Exception as exc:  # a baseline that fails is reported, not fatal
                    print(f"| {name} | {k} | {method} | failed: {type(exc).__name__} | | | |")
                    continue
                if labels is None:
                    print(f"| {name} | {k} | {method} | > {SPOPT_SECONDS} s | | | |")
                    continue
                f = _figures(cells, weights, labels, k)
                print(
                    f"| {name} | {k} | {method} | {seconds:.2f} s | {f['balance']} | "
                    f"{f['contiguous']} | {f['compactness']} |",
                    flush=True,
                )
    if args.database_url:
        objectives(args.database_url)


def objectives(url: str) -> None:
    """Print the objectives table (see the module docstring)."""
    from geocrm.db import make_engine

    engine = make_engine(url)
    travel = territories.network_travel(engine)
    print()
    print(
        "| res | cells | K | bound | design | runtime | balance | travel min | bonds kept "
        "| compactness |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for res in (9, 10):
        with engine.connect() as conn:
            area = territories.load_area(conn, res)
            reps = territories.rep_bases(conn)
        work = area.workload("customers")
        for k in (3, *KS):
            if k > len(area.cells):
                continue
            bound = max(1.0, float(work.max()) * k / float(work.sum()))
            for name, on in (("distance only", False), ("travel + bonds", True)):
                started = time.perf_counter()
                result, owners = territories.design(
                    area, "customers", k, reps, travel=travel, objectives=on
                )
                seconds = time.perf_counter() - started
                plan, per = territories.evaluate(area, result.labels, "customers", owners, travel)
                customers = sum(t["customers"] for t in per)
                minutes = (
                    sum((t["rep_mean_travel_minutes"] or 0) * t["customers"] for t in per)
                    / customers
                )
                print(
                    f"| {res} | {len(area.cells)} | {k} | {bound:.2f} | {name} | {seconds:.2f} s "
                    f"| {plan['balance']} | {minutes:.2f} | {plan['bonds_kept']} of "
                    f"{plan['strong_bonds']} | {plan['compactness']:.3f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
