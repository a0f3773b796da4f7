"""Leads API figures (issue 16): a lasso over 50,000 leads, its first page and a full walk.

Runs in a database of its own (``geocrm_bench_leads_query`` in the embedded cluster,
re-created) with Helsinki loaded and synthetic leads inserted set-based: ``--inside``
leads spread uniformly inside the lasso (about 2 x 1.1 km of central Helsinki) and
``--outside`` around it, scored 0..1 (one in ten without a score). The requests go through
the API as the web app serves it (its own database role, row-level security): as an
administrator, and as a manager whose reps' territory holds about half of the lasso's
cells (row-level security tests each lead). Prints one line per figure; copy them into
RESULTS.md.

    python -m benchmarks.bench_leads_query [--inside 50000] [--outside 20000] [--requests 30]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from sqlalchemy import text

from benchmarks.common import api_client, bench_engine
from geocrm.auth.credentials import create_token
from geocrm.auth.users import add_user
from geocrm.hexgrid import latlng_to_cells

WEST, SOUTH, EAST, NORTH = 24.925, 60.160, 24.961, 60.170
LASSO = {
    "type": "Polygon",
    "coordinates": [[[WEST, SOUTH], [EAST, SOUTH], [EAST, NORTH], [WEST, NORTH], [WEST, SOUTH]]],
}
MANAGER = "bench-leads-manager@bench.example"


def _percentiles(ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[max(0, int(np.ceil(0.95 * len(ms))) - 1)]
    return f"p50 {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, max {ms[-1]:.0f} ms"


def _timed(call: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    out = call()
    return (time.perf_counter() - started) * 1000, out


def insert_leads(engine, inside: int, outside: int, seed: int = 16) -> None:
    """Synthetic leads in one INSERT: points in and around the lasso, scores with ties."""
    rng = np.random.default_rng(seed)
    lons = np.concatenate(
        [
            rng.uniform(WEST, EAST, inside),
            rng.uniform(WEST - 0.05, EAST + 0.05, outside * 4),
        ]
    )
    lats = np.concatenate(
        [
            rng.uniform(SOUTH, NORTH, inside),
            rng.uniform(SOUTH - 0.03, NORTH + 0.03, outside * 4),
        ]
    )
    keep = np.ones(len(lons), dtype=bool)
    out_ = (lons[inside:] >= WEST) & (lons[inside:] <= EAST)
    out_ &= (lats[inside:] >= SOUTH) & (lats[inside:] <= NORTH)
    keep[inside:] = ~out_
    lons, lats = lons[keep][: inside + outside], lats[keep][: inside + outside]
    cells = latlng_to_cells(lats.tolist(), lons.tolist())
    scores = np.round(rng.uniform(0, 1, len(lons)), 3)
    scored = rng.uniform(0, 1, len(lons)) >= 0.1
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.leads"))
        conn.execute(
            text(
                """
                INSERT INTO crm.leads (lead_id, dataset_id, osm_type, osm_id, origin, name,
                    category, subcategory, address, building_class, h3_11, score, reasons, geom)
                SELECT 'n' || (9000000000 + s.i), d.dataset_id, 'node', 9000000000 + s.i, 'poi',
                       'Business ' || s.i, (ARRAY['shop', 'amenity', 'office'])[1 + s.i % 3],
                       'bench', 'Benchkatu ' || s.i % 300,
                       (ARRAY['retail', 'office', 'commercial', 'public'])[1 + s.i % 4],
                       s.h3, CASE WHEN s.scored THEN s.score END,
                       CASE WHEN s.scored THEN ARRAY['a reason', 'another', 'a third']
                            ELSE '{}' END,
                       ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)
                FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[]),
                            CAST(:cells AS bigint[]), CAST(:scores AS real[]),
                            CAST(:scored AS boolean[]))
                     WITH ORDINALITY s (lon, lat, h3, score, scored, i),
                     (SELECT max(dataset_id) AS dataset_id FROM ref.datasets) d
                """
            ),
            {
                "lons": lons.tolist(),
                "lats": lats.tolist(),
                "cells": cells.tolist(),
                "scores": scores.tolist(),
                "scored": scored.tolist(),
            },
        )
        conn.execute(text("ANALYZE crm.leads"))


def manager_territory(engine) -> int:
    """An active plan at res 9 whose territory (every other res-9 cell of the leads) is the
    first rep's; a manager of that rep. Returns the rep id."""
    with engine.begin() as conn:
        rep_id = conn.execute(
            text(
                "INSERT INTO crm.reps (external_id, name, region, home_base) VALUES "
                "('bench-rep', 'Bench Rep', 'Helsinki', ST_SetSRID(ST_MakePoint(24.94, 60.17),"
                " 4326)) ON CONFLICT (external_id) DO UPDATE SET name = excluded.name "
                "RETURNING rep_id"
            )
        ).scalar_one()
        conn.execute(text("UPDATE crm.territory_plans SET active = false WHERE active"))
        plan_id = conn.execute(
            text(
                "INSERT INTO crm.territory_plans (name, res, measure, k) "
                "VALUES ('bench leads', 9, 'customers', 2) RETURNING plan_id"
            )
        ).scalar_one()
        territory_id = conn.execute(
            text(
                "INSERT INTO crm.territories (plan_id, name, rep_id) "
                "VALUES (:p, 'bench', :r) RETURNING territory_id"
            ),
            {"p": plan_id, "r": rep_id},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO crm.territory_cells (plan_id, h3, territory_id) "
                "SELECT :p, h3, :t FROM (SELECT DISTINCT ref.h3_cell_to_parent(h3_11, 9) AS h3 "
                "FROM crm.leads) c WHERE (h3 >> 18) & 1 = 0"
            ),
            {"p": plan_id, "t": territory_id},
        )
        conn.execute(
            text(
                "UPDATE crm.territory_plans SET status = 'published', active = true "
                "WHERE plan_id = :p"
            ),
            {"p": plan_id},
        )
    add_user(engine, MANAGER, "manager", reps=(rep_id,), password="bench-password-123")
    return rep_id


def _post(client, body: dict) -> dict:
    res = client.post("/api/leads/query", json=body)
    assert res.status_code == 200, res.text
    return res.json()


def measure(client, label: str, requests: int) -> None:
    """First pages of the lasso (limit 100), then full walks (limit 1000)."""
    first = [_timed(lambda: _post(client, {"polygon": LASSO, "limit": 100})) for _ in range(3)]
    matched = first[0][1]["numberMatched"]
    ms = [
        _timed(lambda: _post(client, {"polygon": LASSO, "limit": 100}))[0] for _ in range(requests)
    ]
    print(f"{label}: lasso first page (100 of {matched:,} leads): {_percentiles(ms)}")
    walks, pages = [], []
    for _ in range(max(2, requests // 10)):
        seen, cursor, started = 0, None, time.perf_counter()
        while True:
            took, page = _timed(
                lambda c=cursor: _post(client, {"polygon": LASSO, "limit": 1000, "cursor": c})
            )
            pages.append(took)
            seen += page["numberReturned"]
            cursor = page["next"]
            if cursor is None:
                break
        assert seen == matched, (seen, matched)
        walks.append((time.perf_counter() - started) * 1000)
    print(
        f"{label}: full walk of the lasso, {matched:,} leads in pages of 1000: "
        f"{statistics.median(walks) / 1000:.2f} s (median of {len(walks)}); "
        f"each page {_percentiles(pages)}"
    )
    bbox = f"{WEST},{SOUTH},{EAST},{NORTH}"
    ms = []
    for _ in range(requests):
        took, res = _timed(lambda: client.get("/api/leads", params={"bbox": bbox}))
        assert res.status_code == 200
        ms.append(took)
    print(f"{label}: GET /api/leads?bbox= first page (100): {_percentiles(ms)}")
    ms = []
    for _ in range(max(3, requests // 10)):
        took, res = _timed(
            lambda: client.get("/api/leads/export", params={"bbox": bbox, "format": "csv"})
        )
        assert res.status_code == 200
        ms.append(took)
    print(f"{label}: CSV export of the box ({matched:,} leads): {_percentiles(ms)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inside", type=int, default=50_000)
    parser.add_argument("--outside", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    engine = bench_engine("geocrm_bench_leads_query")
    started = time.perf_counter()
    insert_leads(engine, args.inside, args.outside)
    print(
        f"{args.inside + args.outside:,} synthetic leads inserted in "
        f"{time.perf_counter() - started:.1f} s ({args.inside:,} inside the lasso)"
    )
    measure(api_client(engine, "admin"), "admin", args.requests)
    manager_territory(engine)
    client = api_client(engine, "admin")  # the app as served; signed in as the manager
    client.headers["Authorization"] = f"Bearer {create_token(engine, MANAGER, name='bench')}"
    measure(client, "manager (row-level security: half the cells)", args.requests)


if __name__ == "__main__":
    main()
