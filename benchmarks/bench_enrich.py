"""Enrichment benchmark: 1,000,000 customers spread over the city, end to end and per stage.

Loads Helsinki and the demo CRM (its 5 stores) into a database of its own
(``geocrm_bench_enrich``), imports the synthetic customers with coordinates
(benchmarks/synthetic_customers.py), runs ``enrich`` (city layers, trade areas / Huff /
foot traffic, customers, hexagons) and prints each stage, and who the walks reach: the
holes left in the stored isochrones and in a 10-minute walk around Kluuvikatu 3, and the
customers inside their outlines that their areas count (all of them, once the holes a walk
encloses are filled). Then, in the same run, the
building and trade-area joins are done again with GeoPandas ``sjoin`` on the same data
(points within footprints, nearest footprint within 30 m for the rest, points within trade
areas) and printed beside the time of the same two steps of ``enrich`` (their SQL files,
summed over the chunks; the points' staging, shared by all steps, not included).

    python -m benchmarks.bench_enrich [--rows 1000000]
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import pandas as pd
from sqlalchemy import text

from benchmarks.common import bench_engine
from benchmarks.synthetic_customers import write_synthetic_customers
from geocrm.demo import generate_demo_data
from geocrm.geocode import Geocoder
from geocrm.ingest import import_customers
from geocrm.network import point_isochrone
from geocrm.pipeline import enrich_city
from geocrm.settings import PROJECT_ROOT


def _timed(func):
    started = time.perf_counter()
    result = func()
    return result, time.perf_counter() - started


def geopandas_joins(engine) -> dict[str, float]:
    """The building and trade-area joins with GeoPandas, timed (reading not included)."""
    with engine.connect() as conn:
        customers = gpd.read_postgis(
            text("SELECT customer_id, geom FROM crm.customers WHERE geom IS NOT NULL"),
            conn,
            geom_col="geom",
        )
        buildings = gpd.read_postgis(
            text("SELECT building_id, footprint FROM ref.buildings"), conn, geom_col="footprint"
        )
        areas = gpd.read_postgis(
            text("SELECT trade_area_id, geom FROM crm.trade_areas"), conn, geom_col="geom"
        )
    metric = customers.estimate_utm_crs()
    figures = {}
    started = time.perf_counter()
    inside = gpd.sjoin(customers, buildings, predicate="within", how="inner")
    rest = customers[~customers["customer_id"].isin(inside["customer_id"])]
    gpd.sjoin_nearest(rest.to_crs(metric), buildings.to_crs(metric), max_distance=30, how="left")
    figures["buildings (within + nearest 30 m)"] = time.perf_counter() - started
    started = time.perf_counter()
    gpd.sjoin(customers, areas, predicate="within", how="left")
    figures["trade areas (within)"] = time.perf_counter() - started
    return figures


def walk_reach(engine) -> None:
    """Holes of the walk isochrones, and customers within their outlines they count."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "WITH areas AS ("
                "  SELECT trade_area_id, minutes, geom, "
                "         (SELECT ST_Union(ST_MakePolygon(ST_ExteriorRing(d.geom))) "
                "          FROM ST_Dump(geom) d) AS outline "
                "  FROM crm.trade_areas WHERE kind = 'isochrone' AND mode = 'walk') "
                "SELECT a.minutes, count(DISTINCT a.trade_area_id) AS areas, "
                "       (SELECT sum(ST_NumInteriorRings(d.geom)) FROM areas b, "
                "        ST_Dump(b.geom) d WHERE b.minutes = a.minutes) AS holes, "
                "       count(*) AS in_outline, "
                "       count(*) FILTER (WHERE ST_Intersects(a.geom, c.geom)) AS counted "
                "FROM areas a JOIN crm.customers c ON ST_Intersects(a.outline, c.geom) "
                "GROUP BY a.minutes ORDER BY a.minutes"
            )
        ).all()
    print("walk isochrones of the stores: customers within the outline, and counted")
    for r in rows:
        print(
            f"  walk {r.minutes:g} min: {r.areas} areas, {r.holes} holes, "
            f"{r.counted:,} of {r.in_outline:,} customer-area pairs counted"
        )
    start = Geocoder.from_database(engine).geocode("Kluuvikatu 3")
    zone, _ = point_isochrone(engine, start.lon, start.lat, mode="walk", minutes=10)
    holes = sum(len(p.interiors) for p in zone.geoms)
    with engine.connect() as conn:
        inside, counted = conn.execute(
            text(
                "WITH z AS (SELECT ST_GeomFromText(:wkt, 4326) AS geom), "
                "o AS (SELECT ST_Union(ST_MakePolygon(ST_ExteriorRing(d.geom))) AS geom "
                "      FROM z, ST_Dump(z.geom) d) "
                "SELECT count(*), count(*) FILTER (WHERE ST_Intersects(z.geom, c.geom)) "
                "FROM crm.customers c, z, o WHERE ST_Intersects(o.geom, c.geom)"
            ),
            {"wkt": zone.wkt},
        ).one()
    print(
        f"10-minute walk around Kluuvikatu 3: {holes} holes; "
        f"{counted:,} of the {inside:,} customers within its outline counted"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    path = PROJECT_ROOT / "benchmarks" / "output" / f"synthetic_{args.rows}.csv"
    if not path.exists():
        write_synthetic_customers(path, args.rows)

    engine = bench_engine("geocrm_bench_enrich")
    generate_demo_data(engine, customers=2000, seed=1, progress=False)
    report, seconds = _timed(lambda: import_customers(engine, path, progress=False))
    print(f"imported {report.inserted:,} synthetic customers in {seconds:.1f} s")

    result, seconds = _timed(lambda: enrich_city(engine, progress=False))
    print(
        f"enrich, end to end: {seconds:.1f} s for {result.customers_enriched:,} customers "
        f"({result.customers_enriched / seconds:,.0f} customers/s)"
    )
    for stage, stage_seconds in result.seconds.items():
        print(f"  {stage}: {stage_seconds:.1f} s")
    print(f"  network layers: {result.network_summary}")

    walk_reach(engine)

    for step, step_seconds in result.customer_steps.items():
        print(f"    customers / {step}: {step_seconds:.1f} s")
    steps = result.customer_steps
    ours = {
        "buildings (within + nearest 30 m)": steps["customer_buildings"],
        "trade areas (within)": steps["customer_trade_areas"],
    }
    theirs = geopandas_joins(engine)
    table = pd.DataFrame({"PostGIS (s)": ours, "GeoPandas sjoin (s)": theirs}).round(2)
    print(f"joins of the same {result.customers_enriched:,} points, side by side:")
    print(table.to_string())
    engine.dispose()


if __name__ == "__main__":
    main()
