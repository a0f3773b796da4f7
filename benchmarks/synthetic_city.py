"""Write a synthetic city into the ref tables: buildings, addresses, POIs and a walk network.

THE generator of synthetic city data for benchmarks (issue 16; the scale work extends it):
one loaded dataset (``ref.datasets``) of any size, made set-based in PostgreSQL
(``benchmarks/synthetic_city.sql``) in seconds per million rows, seeded (a seed gives the
same city). It is sized by its number of POIs; the area grows with it (``density``: POIs
per km², 2,000 like a busy centre), buildings default to one per four POIs, and a grid of
footways covers the area. OSM ids are ``dataset_id x 10^12 + n``, so they never clash
with a real extract's or with another synthetic city's. Writing a city of a name that
exists replaces it (its leads go with it).

    python -m benchmarks.synthetic_city --pois 1000000 [--name synthetic] [--seed 1]
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

from geocrm.db import bulk_transaction

SQL = Path(__file__).with_suffix(".sql")
#: Where a synthetic city lies by default: east of Helsinki, in no loaded extract
CENTRE = (25.30, 60.30)
ID_STRIDE = 10**12


@dataclass
class SyntheticCity:
    """What ``write_synthetic_city`` wrote."""

    name: str
    dataset_id: int
    pois: int
    buildings: int
    addresses: int
    streets: int
    bbox: tuple[float, float, float, float]
    seconds: float


def synthetic_bbox(
    pois: int, *, centre: tuple[float, float] = CENTRE, density: float = 2000.0
) -> tuple[float, float, float, float]:
    """A square around ``centre`` of the area ``pois`` take at ``density`` per km² (1 km²
    at least)."""
    side_km = math.sqrt(max(pois / density, 1.0))
    lon, lat = centre
    half_lat = side_km / 2 / 111.32
    half_lon = side_km / 2 / (111.32 * math.cos(math.radians(lat)))
    return (lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat)


def write_synthetic_city(
    engine: Engine,
    name: str = "synthetic",
    *,
    pois: int = 100_000,
    buildings: int | None = None,
    seed: int = 1,
    centre: tuple[float, float] = CENTRE,
    density: float = 2000.0,
    street_spacing_m: float = 150.0,
) -> SyntheticCity:
    """Write (or replace) the synthetic city ``name``: ``pois`` POIs, ``buildings``
    buildings (default ``pois // 4``), in one transaction; see the module docstring."""
    if pois < 0 or (buildings is not None and buildings < 0):
        raise ValueError("pois and buildings are counts: 0 or more")
    buildings = pois // 4 if buildings is None else buildings
    bbox = synthetic_bbox(max(pois, buildings), centre=centre, density=density)
    min_lon, min_lat, max_lon, max_lat = bbox
    kx = math.cos(math.radians(centre[1]))
    width_m = (max_lon - min_lon) * 111320 * kx
    height_m = (max_lat - min_lat) * 111320
    started = time.perf_counter()
    with bulk_transaction(engine) as conn:
        conn.execute(text("DELETE FROM ref.datasets WHERE name = :name"), {"name": name})
        dataset_id = conn.execute(
            text(
                "INSERT INTO ref.datasets (name, source_path, source_sha256, extent) "
                "VALUES (:name, 'synthetic', :sha, ST_MakeEnvelope(:w, :s, :e, :n, 4326)) "
                "RETURNING dataset_id"
            ),
            {
                "name": name,
                "sha": f"synthetic:{seed}:{pois}:{buildings}",
                "w": min_lon,
                "s": min_lat,
                "e": max_lon,
                "n": max_lat,
            },
        ).scalar_one()
        conn.execute(
            text(
                "CREATE TEMP TABLE synthetic_settings ON COMMIT DROP AS SELECT "
                "CAST(:dataset_id AS integer) AS dataset_id, CAST(:id_base AS bigint) AS id_base, "
                "CAST(:pois AS bigint) AS pois, CAST(:buildings AS bigint) AS buildings, "
                "CAST(:seed AS float8) AS seed, CAST(:kx AS float8) AS kx, "
                "CAST(:min_lon AS float8) AS min_lon, CAST(:min_lat AS float8) AS min_lat, "
                "CAST(:max_lon AS float8) AS max_lon, CAST(:max_lat AS float8) AS max_lat, "
                "CAST(:nx AS integer) AS nx, CAST(:ny AS integer) AS ny"
            ),
            {
                "dataset_id": dataset_id,
                "id_base": dataset_id * ID_STRIDE,
                "pois": pois,
                "buildings": buildings,
                "seed": (seed % 1000) / 1000,  # setseed takes -1..1
                "kx": kx,
                "min_lon": min_lon,
                "min_lat": min_lat,
                "max_lon": max_lon,
                "max_lat": max_lat,
                "nx": max(1, round(width_m / street_spacing_m)),
                "ny": max(1, round(height_m / street_spacing_m)),
            },
        )
        conn.connection.driver_connection.execute(SQL.read_text())
        counts = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM ref.addresses WHERE dataset_id = :d), "
                "(SELECT count(*) FROM ref.streets WHERE dataset_id = :d)"
            ),
            {"d": dataset_id},
        ).one()
    return SyntheticCity(
        name,
        dataset_id,
        pois,
        buildings,
        counts[0],
        counts[1],
        bbox,
        time.perf_counter() - started,
    )


def main() -> None:
    """``python -m benchmarks.synthetic_city``: write a synthetic city into the database
    GeoCRM is configured with (``DATABASE_URL``, else the embedded cluster)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pois", type=int, default=100_000)
    parser.add_argument("--buildings", type=int, default=None)
    parser.add_argument("--name", default="synthetic")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from geocrm.db import get_engine
    from geocrm.pipeline import migrate

    engine = get_engine()
    migrate(engine)
    city = write_synthetic_city(
        engine, args.name, pois=args.pois, buildings=args.buildings, seed=args.seed
    )
    print(
        f"synthetic city '{city.name}' (dataset {city.dataset_id}): {city.pois:,} POIs, "
        f"{city.buildings:,} buildings, {city.addresses:,} addresses, {city.streets:,} "
        f"footway edges over {city.bbox} in {city.seconds:.1f} s"
    )


if __name__ == "__main__":
    main()
