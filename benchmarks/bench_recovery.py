"""Recovery benchmark (issue 14): an import of 200,000 customers killed with ``kill -9``
right after its commit (before any enrichment: the issue's case), then the recovery timed.

Loads Helsinki and the demo CRM into a database of its own (``geocrm_bench_recovery``),
enriches it and builds the hex cube; then runs ``geocrm import customers`` on N synthetic
customers with the test-only pause point ``after-change`` (``geocrm.pause``), kills it
there, and times ``pipeline.recover`` (what ``geocrm cube refresh`` and the server's start
run): the enrichment of the N customers, the hexagons, the cube refresh, the job. Prints
what ``/health`` said before and after, and checks that the cube counts every customer.

    python -m benchmarks.bench_recovery [--rows 200000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from sqlalchemy import text

from benchmarks.common import bench_engine
from benchmarks.synthetic_customers import write_synthetic_customers
from geocrm.cube import build_cube
from geocrm.db.status import pending_work
from geocrm.demo import generate_demo_data
from geocrm.ingest import job_status
from geocrm.pipeline import enrich_city, recover
from geocrm.settings import PROJECT_ROOT


def import_killed_after_commit(url: str, path) -> float:
    """``geocrm import customers PATH`` killed with SIGKILL at ``after-change``; seconds."""
    env = {**os.environ, "DATABASE_URL": url, "GEOCRM_TEST_PAUSE_AT": "after-change"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "geocrm.cli", "import", "customers", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("GEOCRM_TEST_PAUSED after-change"):
            break
    else:
        raise SystemExit(f"the import ended (exit {proc.wait()}) before its pause point")
    seconds = time.perf_counter() - started
    proc.kill()
    proc.wait()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    path = PROJECT_ROOT / "benchmarks" / "output" / f"synthetic_{args.rows}.csv"
    if not path.exists():
        write_synthetic_customers(path, args.rows)

    engine = bench_engine("geocrm_bench_recovery")
    url = engine.url.render_as_string(hide_password=False).replace("+psycopg", "")
    generate_demo_data(engine, customers=2000, seed=1, progress=False)
    enrich_city(engine, progress=False)
    build_cube(engine)

    seconds = import_killed_after_commit(url, path)
    print(f"import of {args.rows:,} customers, killed (-9) after its commit: {seconds:.1f} s")
    with engine.connect() as conn:
        import_id = conn.execute(text("SELECT max(import_id) FROM crm.import_jobs")).scalar()
    print(f"  job #{import_id}: {job_status(engine, import_id)['status']}")
    started = time.perf_counter()
    before = pending_work(engine)
    print(f"  /health cube: {before} ({(time.perf_counter() - started) * 1000:.0f} ms)")

    started = time.perf_counter()
    report = recover(engine)
    total = time.perf_counter() - started
    fresh = report.fresh
    print(
        f"recovery: {total:.1f} s — {fresh.enriched:,} customers enriched "
        f"({fresh.seconds.get('enrich', 0):.1f} s, hexagons included), {fresh.cells:,} cells "
        f"refreshed ({fresh.seconds.get('refresh', 0):.1f} s), jobs finished "
        f"{report.finished_jobs}"
    )
    print(f"  job #{import_id}: {job_status(engine, import_id)['status']}")
    started = time.perf_counter()
    after = pending_work(engine)
    print(f"  /health cube: {after} ({(time.perf_counter() - started) * 1000:.0f} ms)")
    with engine.connect() as conn:
        placed, counted = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM crm.customers WHERE geom IS NOT NULL), "
                "(SELECT sum(customers + prospects) FROM cube.rollup WHERE res = 5)"
            )
        ).one()
    print(f"  placed customers {placed:,}, counted in the cube {counted:,}")
    started = time.perf_counter()
    again = recover(engine)
    print(
        f"recovery with nothing pending: {(time.perf_counter() - started) * 1000:.0f} ms "
        f"({again.fresh.summary()})"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
