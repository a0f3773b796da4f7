"""Visit routes: OR-Tools (guided local search, 1 s) against a nearest-neighbour tour.

On a database with demo data (``--database-url``): every rep, a few days, drive and walk,
the rep's most due customers (``max_stops`` 12) planned with :func:`geocrm.visits.plan_route`;
the figures are the travel minutes of both tours of the same scheduled stops and the solve
time. Without a database, only the synthetic part runs: random places in a 10 x 10 km
square at 30 km/h straight-line (12 and 25 stops, no day limit binding).

    .venv/bin/python -m benchmarks.bench_routes [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import numpy as np

from geocrm import visits


def _report(name: str, rows: list[tuple[float, float, float]]) -> None:
    """rows: (OR-Tools minutes, NN minutes, solve seconds)."""
    if not rows:
        print(f"{name}: no routes")
        return
    gains = [100.0 * (nn - ot) / nn for ot, nn, _ in rows if nn > 0]
    print(
        f"{name}: {len(rows)} routes; travel minutes OR-Tools mean "
        f"{statistics.mean(r[0] for r in rows):.1f} vs nearest neighbour "
        f"{statistics.mean(r[1] for r in rows):.1f}; saving mean {statistics.mean(gains):.1f}% "
        f"(max {max(gains):.1f}%, OR-Tools worse in {sum(g < -0.01 for g in gains)}); "
        f"solve {statistics.mean(r[2] for r in rows):.2f} s a route"
    )


def synthetic(n_routes: int = 20, stops: int = 12, seed: int = 1) -> list[tuple]:
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n_routes):
        xy = rng.uniform(0, 10_000, (stops + 1, 2))
        seconds = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) / (30 / 3.6)
        clock = time.perf_counter()
        order = visits.solve_ortools(seconds, 0.0, 24 * 3600.0)
        took = time.perf_counter() - clock
        nn = visits.nearest_neighbour(seconds, order)
        rows.append(
            (
                visits.tour_totals(seconds, seconds, order)["travel_minutes"],
                visits.tour_totals(seconds, seconds, nn)["travel_minutes"],
                took,
            )
        )
    return rows


def city(url: str, days: int = 3) -> dict[str, list[tuple]]:
    from sqlalchemy import text

    from geocrm.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        reps = list(conn.execute(text("SELECT rep_id FROM crm.reps ORDER BY rep_id")).scalars())
        latest = conn.execute(text("SELECT max(occurred_at) FROM crm.interactions")).scalar()
    out: dict[str, list[tuple]] = {"drive": [], "walk": []}
    for mode in out:
        for rep_id in reps:
            for k in range(days):
                day = latest.date() + dt.timedelta(days=1 + 7 * k)
                plan = visits.plan_route(engine, rep_id, day=day, mode=mode)
                if plan["stops"]:
                    out[mode].append(
                        (
                            plan["totals"]["travel_minutes"],
                            plan["baseline"]["travel_minutes"],
                            plan["solve_seconds"],
                        )
                    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a database with demo data (else synthetic only)")
    args = parser.parse_args()
    for stops in (12, 25):
        _report(f"synthetic, {stops} stops", synthetic(stops=stops))
    if args.database_url:
        for mode, rows in city(args.database_url).items():
            _report(f"demo city, {mode}, due customers (max 12)", rows)


if __name__ == "__main__":
    main()
