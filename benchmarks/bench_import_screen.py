"""What the per-row checks of an import cost: the reading pass of a customer CSV with and
without ``geocrm.ingest.limits.screen_row`` (no database: the rest of an import is as
before). Uses the synthetic file of ``bench_import`` (generated if missing).

    python -m benchmarks.bench_import_screen [--rows 1000000]
"""

from __future__ import annotations

import argparse
import time

from benchmarks.synthetic_customers import write_synthetic_customers
from geocrm.ingest import FIELDS, open_customer_file, screen_row
from geocrm.settings import PROJECT_ROOT


def _read(path, screen: bool) -> tuple[float, int, int]:
    started = time.perf_counter()
    _fmt, columns, rows = open_customer_file(path)
    order = [columns.get(f) for f in FIELDS]
    count = flagged = 0
    for _line, problem, fields in rows:
        values = [None if i is None else fields[i] for i in order]
        if screen:
            problem, values = screen_row(values, problem)
            flagged += problem is not None
        count += 1
    return time.perf_counter() - started, count, flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    path = PROJECT_ROOT / "benchmarks" / "output" / f"synthetic_{args.rows}.csv"
    if not path.exists():
        write_synthetic_customers(path, args.rows)
    results = {}
    for _ in range(3):  # interleaved, the median of 3
        for screen in (False, True):
            results.setdefault(screen, []).append(_read(path, screen))
    for screen, runs in results.items():
        seconds = sorted(r[0] for r in runs)[1]
        count, flagged = runs[0][1], runs[0][2]
        label = "read + screen_row" if screen else "read only"
        print(
            f"{label:<18} {count:,} rows: {seconds:.2f} s "
            f"({seconds / count * 1e6:.2f} µs/row), {flagged} rows flagged"
        )


if __name__ == "__main__":
    main()
