"""The geocoder of a base commit against this checkout's, in one process, interleaved.

On a busy machine two benchmark processes minutes apart see different loads; here both
geocoders are built in the same process from the same city (the base's
``geocrm/geocode/index.py`` is read with ``git show`` and loaded beside this checkout's;
the rest of ``geocrm`` is this checkout's, so this suits a change confined to that file),
then timed in alternating short rounds (base, new, new, base, ...); each side's figure is
the median of its rounds. Inputs: the demo generator's noisy addresses of the city (the
normalised path and typos, as ``bench_geocode``) and real streets with numbers they do not
have.

    python -m benchmarks.bench_geocode_ab BASE_REV [--rows 5000] [--rounds 20]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.bench_geocode import NORMALISED
from benchmarks.common import bench_engine
from geocrm.db import loaded_city, query
from geocrm.demo import build_demo_frames
from geocrm.geocode import Geocoder

ROOT = Path(__file__).resolve().parent.parent


def base_geocoder_class(rev: str) -> type:
    """``Geocoder`` as ``geocrm/geocode/index.py`` of ``rev`` defines it."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:geocrm/geocode/index.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "base_index.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("base_geocode_index", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.Geocoder


def interleaved(sides: dict[str, object], texts: list[str], rounds: int) -> dict[str, float]:
    """Median addresses/s of each geocoder over ``rounds`` ABBA rounds on ``texts``."""
    names = list(sides)
    rates: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            geocode = sides[name].geocode
            started = time.perf_counter()
            for t in texts:
                geocode(t)
            rates[name].append(len(texts) / (time.perf_counter() - started))
    return {n: statistics.median(v) for n, v in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the base revision")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--same", action="store_true", help="both sides this checkout's")
    args = parser.parse_args()

    engine = bench_engine("geocrm_bench_geo_ab", fresh=False)
    with engine.connect() as conn:
        dataset_id = loaded_city(conn).dataset_id
        params = {"dataset_id": dataset_id}
        addresses = pd.read_sql(query("geocode/addresses"), conn, params=params)
        streets = pd.read_sql(query("geocode/streets"), conn, params=params)
        pois = pd.read_sql(query("geocode/pois"), conn, params=params)
        pool = pd.read_sql(query("demo/address_pool"), conn, params=params)
    # built new first, then base: a geocoder built later is no slower or faster for it
    # (checked with --same: both sides this checkout's)
    new = Geocoder(addresses, streets, pois)
    base_class = Geocoder if args.same else base_geocoder_class(args.base)
    sides = {"base": base_class(addresses, streets, pois), "new": new}
    customers = build_demo_frames(pool, args.rows, args.seed, region="helsinki")["customers"]
    plain = addresses[
        addresses["housenumber"].str.fullmatch(r"\d+") & ~addresses["street"].str.contains(r"[\d,]")
    ]
    top = plain.assign(n=plain["housenumber"].astype(int)).groupby("street")["n"].max()
    rng = np.random.default_rng(args.seed)
    unknown = [f"{s} {int(m) + int(rng.integers(300, 900))}" for s, m in top.items()]
    inputs = {
        "normalised path": customers.loc[customers["noise"].isin(NORMALISED), "typed_address"],
        "typo inputs": customers.loc[customers["noise"] == "typo", "typed_address"],
        "streets, numbers they lack": pd.Series(unknown),
    }
    print(f"base {args.base} against this checkout, {args.rounds} interleaved rounds each")
    print(f"  {'inputs':<28}{'n':>6}{'base /s':>10}{'new /s':>10}{'new/base':>10}  answered")
    for label, texts in inputs.items():
        texts = texts.tolist()
        rates = interleaved(sides, texts, args.rounds)
        answered = {
            n: sum(g.geocode(t).match_level != "none" for t in texts) for n, g in sides.items()
        }
        print(
            f"  {label:<28}{len(texts):>6,}{rates['base']:>10,.0f}{rates['new']:>10,.0f}"
            f"{rates['new'] / rates['base']:>10.2f}  {answered['base']:,} -> {answered['new']:,}"
        )
    engine.dispose()


if __name__ == "__main__":
    main()
