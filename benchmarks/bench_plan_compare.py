"""Territory plan comparison at scale: a new version, a territory given another rep, the
comparison with the current assignment and with the published plan, and ``plan_changes``
map tiles at zooms 10-16.

Runs in a database of its own (``geocrm_bench_plans`` in the embedded cluster, re-created;
no city needed): N synthetic customers and 0-8 interactions each, two in three with the
owner rep (``synthetic_plan_customers.sql``), their res-11 cells as the enrichment would
set them and the res-9 hexagons. Statements may take minutes here (publishing a million
customers does): the statement timeout is lifted. Prints one line per figure; copy them
into RESULTS.md.

    python -m benchmarks.bench_plan_compare [--customers 1000000] [--k 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text

from benchmarks.common import bench_engine
from geocrm import hexgrid, pipeline, territories
from geocrm.db import bulk_transaction, copy_rows, raw_connection
from geocrm.tiles import TileServer, tiles_covering

HERE = Path(__file__).parent
BOUNDS = (24.80, 60.12, 25.10, 60.25)


def _timed(label: str, run: Callable[[], object]) -> object:
    started = time.perf_counter()
    result = run()
    print(f"{label}: {time.perf_counter() - started:.2f} s", flush=True)
    return result


def set_up(engine: Engine, rows: int) -> None:
    """Customers, their cells and hexagons, interactions; analysed."""
    script = (HERE / "synthetic_plan_customers.sql").read_text()
    with bulk_transaction(engine) as conn:
        for statement in filter(str.strip, script.split(";\n")):
            conn.execute(text(statement), {"rows": rows})
    with engine.begin() as conn:
        points = conn.execute(
            text("SELECT customer_id, ST_Y(geom), ST_X(geom) FROM crm.customers")
        ).all()
    ids = [p[0] for p in points]
    cells = hexgrid.latlng_to_cells([p[1] for p in points], [p[2] for p in points])
    res9 = sorted(set(hexgrid.cell_to_parent(cells, 9).tolist()))
    with bulk_transaction(engine) as conn:
        copy_rows(
            conn,
            "crm.customer_enrichment",
            ("customer_id", "h3_11"),
            zip(ids, cells.tolist(), strict=True),
        )
        copy_rows(
            conn,
            "ref.h3_cells",
            ("h3", "res", "geom"),
            (
                (c, 9, f"SRID=4326;{shape.wkt}")
                for c, shape in zip(res9, hexgrid.cell_boundaries(res9), strict=True)
            ),
        )
    with raw_connection(engine) as conn:
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    os.environ["GEOCRM_STATEMENT_TIMEOUT_MS"] = str(3_600_000)
    engine = bench_engine("geocrm_bench_plans", with_city=False)
    _timed(f"set-up of {args.customers:,} customers", lambda: set_up(engine, args.customers))
    plan = _timed("design", lambda: territories.design_plan(engine, k=args.k, measure="customers"))
    _timed("publish", lambda: pipeline.publish_plan(engine, plan["plan_id"]))
    with raw_connection(engine) as conn:  # as autovacuum would after a million updates
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE crm.customers")
    copy = _timed("copy_plan", lambda: territories.copy_plan(engine, plan["plan_id"]))
    owners = {t["rep_id"] for t in copy["territories"]}
    with engine.connect() as conn:
        reps = conn.execute(text("SELECT rep_id FROM crm.reps ORDER BY rep_id")).scalars()
        # a rep without a territory (else the territory loses its rep: nobody changes rep)
        spare = next((r for r in reps if r not in owners), None)
    first = copy["territories"][0]["territory_id"]
    _timed(
        "edit_territory (another rep)",
        lambda: territories.edit_territory(engine, copy["plan_id"], first, rep_id=spare),
    )
    report = _timed(
        "compare_plan vs current", lambda: territories.compare_plan(engine, copy["plan_id"])
    )
    print(
        f"  customers {report['customers']:,}, changing rep {report['customers_changing_rep']:,}, "
        f"strong bonds {report['strong_bonds']:,}, broken {report['bonds_broken']:,}"
    )
    _timed(
        "compare_plan vs the published plan",
        lambda: territories.compare_plan(engine, copy["plan_id"], plan["plan_id"]),
    )
    server = TileServer(engine, cache_bytes=0, timeout_ms=600_000)
    for z in (10, 12, 14, 16):
        every = tiles_covering(BOUNDS, z)
        middle = every[len(every) // 2 : len(every) // 2 + 5]
        for name, params in (
            ("current", {"plan_id": str(copy["plan_id"])}),
            ("with plan", {"plan_id": str(copy["plan_id"]), "with": str(plan["plan_id"])}),
        ):
            seconds = []
            for _, x, y in middle:
                started = time.perf_counter()
                server.tile("plan_changes", z, x, y, params)
                seconds.append(time.perf_counter() - started)
            print(
                f"plan_changes z{z} ({name}), {len(middle)} tiles: median "
                f"{statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"
            )


if __name__ == "__main__":
    main()
