"""Stream N synthetic customers with coordinates over a city's extent to a CSV file.

For benchmarks at real-customer scale (a million rows and more): written in chunks with
numpy, so memory stays flat whatever N is. Points are spread like a city (a few dense
centres plus a uniform background) inside the extent of the loaded dataset, or inside
``--bbox``. Columns follow the import format of the demo file, plus ``lat`` and ``lon``.

    python -m benchmarks.synthetic_customers --rows 1000000 --out data/generated/synthetic_1m.csv
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from geocrm.demo import STAGES

HELSINKI_BBOX = (24.920, 60.155, 24.965, 60.180)  # the bundled extract's streets
CHUNK = 100_000


def write_synthetic_customers(
    out: Path,
    rows: int,
    *,
    seed: int = 1,
    bbox: tuple[float, float, float, float] = HELSINKI_BBOX,
    segments: Sequence[str] = (),
) -> Path:
    """Write ``rows`` synthetic customers to ``out`` (CSV), chunk by chunk.

    With ``segments``, a ``segment`` column draws one of them per customer (uniformly)."""
    rng = np.random.default_rng(seed)
    min_lon, min_lat, max_lon, max_lat = bbox
    centres = rng.uniform((min_lon, min_lat), (max_lon, max_lat), size=(6, 2))
    out.parent.mkdir(parents=True, exist_ok=True)
    for start in range(0, rows, CHUNK):
        n = min(CHUNK, rows - start)
        clustered = rng.random(n) < 0.7
        which = rng.integers(len(centres), size=n)
        spread = (max_lon - min_lon) / 12
        lon = np.where(
            clustered,
            centres[which, 0] + rng.normal(0, spread, n),
            rng.uniform(min_lon, max_lon, n),
        )
        lat = np.where(
            clustered,
            centres[which, 1] + rng.normal(0, spread / 2, n),
            rng.uniform(min_lat, max_lat, n),
        )
        lon, lat = np.clip(lon, min_lon, max_lon), np.clip(lat, min_lat, max_lat)
        ids = np.arange(start + 1, start + n + 1)
        frame = pd.DataFrame(
            {
                "external_id": np.char.add("SYN-", ids.astype(str)),
                "name": np.char.add("Synthetic Customer ", ids.astype(str)),
                "kind": np.where(rng.random(n) < 0.2, "business", "person"),
                "stage": np.array(STAGES)[rng.integers(len(STAGES), size=n)],
                "annual_revenue": np.round(rng.lognormal(np.log(900), 1.3, n), 2),
                "churn_risk": np.round(rng.beta(2, 8, n), 3),
                "lat": np.round(lat, 7),
                "lon": np.round(lon, 7),
            }
        )
        if segments:
            frame.insert(4, "segment", np.array(segments)[rng.integers(len(segments), size=n)])
        frame.to_csv(out, mode="w" if start == 0 else "a", header=start == 0, index=False)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("data/generated/synthetic_customers.csv"))
    args = parser.parse_args()
    started = time.perf_counter()
    write_synthetic_customers(args.out, args.rows, seed=args.seed)
    seconds = time.perf_counter() - started
    size = args.out.stat().st_size / 1e6
    print(
        f"{args.rows} synthetic customers -> {args.out} ({size:.0f} MB) in {seconds:.1f} s "
        f"({args.rows / seconds:,.0f} rows/s)"
    )


if __name__ == "__main__":
    main()
