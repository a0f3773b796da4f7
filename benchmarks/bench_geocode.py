"""Geocoder figures: accuracy on noisy addresses, throughput, and scaling to 1M addresses.

Runs in a database of its own (``geocrm_bench_geo`` in the embedded cluster, re-created)
so it never touches the demo. Prints the figures; copy them into RESULTS.md.

    python -m benchmarks.bench_geocode [--rows 20000] [--scales 10000 100000 1000000]

1. Accuracy: ``--rows`` customer addresses of central Helsinki typed with the demo
   generator's noise (lower case, no diacritics, abbreviations, apartment suffixes,
   Swedish names, number first, punctuation, typos, and streets that do not exist), per
   noise kind: share within 50 m / 300 m of the true point, answers for nonexistent
   streets (must be 0) and match levels; numbers held out of the index; real streets with
   numbers they do not have (answered at the street, confidence <= 0.5).
2. Throughput on the city: the normalised path (clean, lower case, no diacritics,
   abbreviations) and typo inputs (fuzzy matching).
3. Scaling: geocoders built from 10k, 100k and 1M synthetic addresses (random street names,
   30 numbers per street along a short line, streets anywhere in Finland): build time,
   memory, and geocodes/s on the normalised path and with typos.
"""

from __future__ import annotations

import argparse
import math
import resource
import time
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from benchmarks.common import bench_engine
from geocrm.db import loaded_city, query
from geocrm.demo import NOISE_KINDS, build_demo_frames
from geocrm.geocode import MATCH_LEVELS, Geocoder, GeocodeResult

NORMALISED = ("clean", "lower_case", "no_diacritics", "abbreviation")


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Haversine distance in metres (arrays)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(np.asarray(lon2) - np.asarray(lon1)) / 2) ** 2
    )
    return 2 * 6_371_000 * np.arcsin(np.sqrt(a))


def rate(geocode: Callable[[str], GeocodeResult], texts: Sequence[str], min_s: float = 1.0):
    """Geocodes per second over ``texts`` (repeated until ``min_s`` has passed)."""
    done, started = 0, time.perf_counter()
    results = [geocode(t) for t in texts]
    done += len(texts)
    while time.perf_counter() - started < min_s:
        for t in texts:
            geocode(t)
        done += len(texts)
    return done / (time.perf_counter() - started), results


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- 1 and 2: the real city ----------------------------------------------------------------------
def accuracy(geocoder: Geocoder, customers: pd.DataFrame) -> None:
    results = [geocoder.geocode(t) for t in customers["typed_address"]]
    lat = np.array([np.nan if r.lat is None else r.lat for r in results])
    lon = np.array([np.nan if r.lon is None else r.lon for r in results])
    frame = pd.DataFrame(
        {
            "noise": customers["noise"].to_numpy(),
            "level": [r.match_level for r in results],
            "d": metres(customers["lon"].to_numpy(), customers["lat"].to_numpy(), lon, lat),
        }
    )
    print(f"  {'noise':<18}{'n':>6}{'<=50 m':>9}{'<=300 m':>9}{'answered':>10}   match levels")
    for kind in NOISE_KINDS:
        part = frame[frame["noise"] == kind]
        if part.empty:
            continue
        levels = part["level"].value_counts()
        counts = ", ".join(f"{lv} {levels[lv]}" for lv in MATCH_LEVELS if lv in levels)
        print(
            f"  {kind:<18}{len(part):>6}{(part['d'] < 50).mean():>9.1%}"
            f"{(part['d'] < 300).mean():>9.1%}{(part['level'] != 'none').mean():>10.1%}"
            f"   {counts}"
        )
    real = frame[frame["noise"] != "nonexistent"]
    fake = frame[frame["noise"] == "nonexistent"]
    print(
        f"  real addresses: {(real['d'] < 50).mean():.2%} within 50 m (target >= 97%); "
        f"nonexistent streets answered: {(fake['level'] != 'none').sum()} of {len(fake)} "
        "(target 0)"
    )


def held_out(engine, dataset_id: int, seed: int, share: float = 0.15) -> None:
    """Numbers the city lacks: hold out a share of the plain street numbers, build the
    geocoder without them, then geocode them (interpolated and street-level answers)."""
    with engine.connect() as conn:
        params = {"dataset_id": dataset_id}
        addresses = pd.read_sql(query("geocode/addresses"), conn, params=params)
        streets = pd.read_sql(query("geocode/streets"), conn, params=params)
        pois = pd.read_sql(query("geocode/pois"), conn, params=params)
    key = addresses["street"] + "|" + addresses["housenumber"]
    plain = key[addresses["housenumber"].str.fullmatch(r"\d+")].drop_duplicates()
    out = plain.sample(frac=share, random_state=seed)
    hidden = key.isin(out).to_numpy()
    geocoder = Geocoder.from_frames(addresses[~hidden], streets, pois)
    truth = addresses[hidden].drop_duplicates(["street", "housenumber"])
    results = [
        geocoder.geocode(f"{s} {h}")
        for s, h in zip(truth["street"], truth["housenumber"], strict=True)
    ]
    lat = np.array([np.nan if r.lat is None else r.lat for r in results])
    lon = np.array([np.nan if r.lon is None else r.lon for r in results])
    d = metres(truth["lon"].to_numpy(), truth["lat"].to_numpy(), lon, lat)
    levels = np.array([r.match_level for r in results])
    print(
        f"(1b) {len(truth)} addresses held out of the index ({share:.0%} of the plain numbers), "
        "then geocoded:"
    )
    for level in MATCH_LEVELS:
        mine = levels == level
        if mine.any():
            print(
                f"  {level:<13}{mine.sum():>5}   within 50 m {(d[mine] < 50).mean():>6.1%}, "
                f"100 m {(d[mine] < 100).mean():>6.1%}, 300 m {(d[mine] < 300).mean():>6.1%}"
            )


def unknown_numbers(geocoder: Geocoder, engine, dataset_id: int, seed: int) -> None:
    """Real streets with numbers the city does not have (``Vuorikatu 799``): 41 streets of
    three or more plain numbers, a number 300-900 above each street's highest."""
    with engine.connect() as conn:
        addresses = pd.read_sql(query("geocode/addresses"), conn, params={"dataset_id": dataset_id})
    plain = addresses[
        addresses["housenumber"].str.fullmatch(r"\d+") & ~addresses["street"].str.contains(r"[\d,]")
    ]
    numbers = plain.assign(n=plain["housenumber"].astype(int))
    top = numbers.groupby("street")["n"].agg(["size", "max"])
    picked = top[top["size"] >= 3].sample(n=41, random_state=seed)
    rng = np.random.default_rng(seed)
    typed = [f"{s} {int(m) + int(rng.integers(300, 900))}" for s, m in picked["max"].items()]
    results = [geocoder.geocode(t) for t in typed]
    levels = pd.Series([r.match_level for r in results]).value_counts()
    confidence = max((r.confidence for r in results if r.match_level != "none"), default=0.0)
    print(
        f"(1c) {len(typed)} real streets with a number they do not have: "
        f"{len(typed) - levels.get('none', 0)} answered ("
        + ", ".join(f"{lv} {levels[lv]}" for lv in MATCH_LEVELS if lv in levels)
        + f"), highest confidence {confidence:.2f}"
    )


def city_figures(engine, rows: int, seed: int) -> None:
    started = time.perf_counter()
    geocoder = Geocoder.from_database(engine)
    print(f"geocoder built from the city in {time.perf_counter() - started:.2f} s")
    with engine.connect() as conn:
        dataset_id = loaded_city(conn).dataset_id
        pool = pd.read_sql(query("demo/address_pool"), conn, params={"dataset_id": dataset_id})
    customers = build_demo_frames(pool, rows, seed, region="helsinki")["customers"]
    print(f"(1) accuracy on {len(customers):,} noisy addresses ({len(pool)} real ones):")
    accuracy(geocoder, customers)

    held_out(engine, dataset_id, seed)
    unknown_numbers(geocoder, engine, dataset_id, seed)

    print("(2) throughput on the city (one address at a time, 1 core):")
    for label, kinds, target in (
        ("normalised path", NORMALISED, 5000),
        ("typo inputs", ("typo",), 1000),
    ):
        texts = customers.loc[customers["noise"].isin(kinds), "typed_address"].tolist()
        per_s, _ = rate(geocoder.geocode, texts)
        print(
            f"  {label:<16} {per_s:>9,.0f} addresses/s over {len(texts):,} (target >= {target:,})"
        )


# -- 3: scaling on synthetic addresses -----------------------------------------------------------
# fmt: off
_SYLLABLES = (
    "ka", "le", "va", "mi", "ko", "nu", "sa", "ri", "to", "pe", "hi", "lo", "ju", "na",
    "ve", "ta", "si", "ro", "ma", "ki", "po", "lu", "he", "tu", "ne", "ai", "ou", "ei",
    "pä", "lö", "hä", "mö", "sä", "kö", "yl", "ny", "ar", "el", "in", "on", "us",
)
# fmt: on
_SUFFIXES = ("katu", "tie", "kuja", "polku", "kaari", "rinne", "gatan", "vägen")
_SHORT = {"katu": "k.", "tie": "t.", "kuja": "kj.", "gatan": "g.", "vägen": "v."}
_FOLD = str.maketrans("äöå", "aoa")


def synthetic_addresses(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` addresses: ~30 numbers per street along a line of ~300 m, streets anywhere."""
    n_streets = math.ceil(n / 30)
    names: set[str] = set()
    while len(names) < n_streets:
        stems = rng.choice(_SYLLABLES, size=(n_streets, 4))
        lengths = rng.integers(2, 5, n_streets)
        suffixes = rng.choice(_SUFFIXES, n_streets)
        for stem, k, suffix in zip(stems, lengths, suffixes, strict=True):
            names.add("".join(stem[:k]).capitalize() + suffix)
    street_names = np.array(sorted(names))[rng.permutation(len(names))[:n_streets]]
    street = np.repeat(np.arange(n_streets), 30)[:n]
    number = np.tile(np.arange(1, 31), n_streets)[:n]
    lon0, lat0 = rng.uniform(21, 30, n_streets), rng.uniform(60, 66, n_streets)
    angle = rng.uniform(0, np.pi, n_streets)
    step = 1e-4  # ~10 m between numbers
    return pd.DataFrame(
        {
            "street": street_names[street],
            "street_sv": None,
            "housenumber": number.astype(str),
            "postcode": None,
            "city": None,
            "lon": lon0[street] + number * step * 2 * np.cos(angle[street]),
            "lat": lat0[street] + number * step * np.sin(angle[street]),
        }
    )


def _typed(street: str, number: str, kind: int) -> str:
    if kind == 0:
        return f"{street} {number}"
    if kind == 1:
        return f"{street.lower()} {number}"
    if kind == 2:
        return f"{street.translate(_FOLD)} {number}"
    for full, short in _SHORT.items():
        if street.endswith(full):
            return f"{street[: -len(full)]}{short} {number}"
    return f"{street} {number}"


def scaling(sizes: Sequence[int], queries: int, seed: int) -> None:
    print("(3) scaling on synthetic addresses:")
    print(
        f"  {'addresses':>10}{'streets':>9}{'build s':>9}{'peak MiB':>10}"
        f"{'normalised/s':>14}{'exact':>8}{'typo/s':>9}{'<=50 m':>8}"
    )
    rng = np.random.default_rng(seed)
    for n in sizes:
        frame = synthetic_addresses(n, rng)
        started = time.perf_counter()
        geocoder = Geocoder.from_frames(frame)
        build = time.perf_counter() - started
        pick = rng.choice(len(frame), size=min(queries, len(frame)), replace=False)
        sample = frame.iloc[pick]
        pairs = list(zip(sample["street"], sample["housenumber"], strict=True))
        normalised = [_typed(s, h, i % 4) for i, (s, h) in enumerate(pairs)]
        typos = []
        for s, h in pairs:
            i = len(s) // 2
            typos.append(f"{s[:i]}{s[i + 1]}{s[i]}{s[i + 2 :]} {h}")
        norm_rate, norm_results = rate(geocoder.geocode, normalised)
        typo_rate, typo_results = rate(geocoder.geocode, typos)
        truth_lon, truth_lat = sample["lon"].to_numpy(), sample["lat"].to_numpy()

        def within(results, metres_max, lon=truth_lon, lat=truth_lat):
            got_lon = np.array([np.nan if r.lon is None else r.lon for r in results])
            got_lat = np.array([np.nan if r.lat is None else r.lat for r in results])
            return (metres(lon, lat, got_lon, got_lat) < metres_max).mean()

        print(
            f"  {n:>10,}{math.ceil(n / 30):>9,}{build:>9.1f}{peak_rss_mib():>10,.0f}"
            f"{norm_rate:>14,.0f}{within(norm_results, 1):>8.1%}"
            f"{typo_rate:>9,.0f}{within(typo_results, 50):>8.1%}"
        )
        del geocoder, frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--scales", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=5000)
    args = parser.parse_args()

    engine = bench_engine("geocrm_bench_geo")
    city_figures(engine, args.rows, args.seed)
    engine.dispose()
    scaling(args.scales, args.queries, args.seed)


if __name__ == "__main__":
    main()
