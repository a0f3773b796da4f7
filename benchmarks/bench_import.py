"""Import benchmark: 1,000,000 customers with coordinates, target ≤ 60 s on this machine.

Generates the synthetic file (benchmarks/synthetic_customers.py) if missing, imports it
into a database of its own (``geocrm_bench_import`` in the embedded cluster, re-created,
with Helsinki loaded for reverse geocoding), then imports it again (nothing changes), and
prints rows/s and the peak memory of the process (the file is streamed, never held).

    python -m benchmarks.bench_import [--rows 1000000]
"""

from __future__ import annotations

import argparse
import resource
import time

from benchmarks.common import bench_engine
from benchmarks.synthetic_customers import write_synthetic_customers
from geocrm.ingest import import_customers
from geocrm.settings import PROJECT_ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    path = PROJECT_ROOT / "benchmarks" / "output" / f"synthetic_{args.rows}.csv"
    if not path.exists():
        started = time.perf_counter()
        write_synthetic_customers(path, args.rows)
        print(f"generated {path} in {time.perf_counter() - started:.1f} s")
    size_mb = path.stat().st_size / 1e6

    engine = bench_engine("geocrm_bench_import")

    for label in ("first import", "same file again"):
        started = time.perf_counter()
        report = import_customers(engine, path, progress=False)
        seconds = time.perf_counter() - started
        print(
            f"{label}: {args.rows:,} rows ({size_mb:.0f} MB CSV) in {seconds:.1f} s = "
            f"{args.rows / seconds:,.0f} rows/s; inserted {report.inserted:,}, updated "
            f"{report.updated:,}, unchanged {report.unchanged:,}, rejected {report.rejected:,}"
        )
        print("  phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items()))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the importing process: {peak_mb:.0f} MB (file: {size_mb:.0f} MB)")
    engine.dispose()


if __name__ == "__main__":
    main()
