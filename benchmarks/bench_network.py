"""Trade-area and foot-traffic figures: isochrones, the Huff model, the gravity model.

Runs in a database of its own (``geocrm_bench_net`` in the embedded cluster, re-created)
with central Helsinki, the demo CRM (2,000 customers, seed 1) and synthetic stores added
(``source = 'bench'``) up to 20 stores spread over the city. Prints the figures; copy them
into RESULTS.md.

    python -m benchmarks.bench_network [--stores 20] [--betweenness-k 200]

1. Isochrones of every store, walk 5/10/15 and drive 3/5/10 minutes: seconds, and the
   mean area of each band beside the circle of the same straight-line reach.
2. The Huff model on the city's H3 cells (``hexgrid.HUFF_RES``): cells x stores, seconds.
3. Foot traffic (gravity model) and edge betweenness (``k`` sampled sources): seconds.
4. The sanity table: footfall index and betweenness of the main pedestrian streets of
   central Helsinki against service alleys and car roads.
5. ``compute_network_layers`` end to end (everything above, written to PostGIS).
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine, text

from benchmarks.common import bench_engine
from geocrm import hexgrid
from geocrm.db import query
from geocrm.demo import generate_demo_data
from geocrm.network import (
    MODES,
    URBAN_FACTOR,
    WALK_SPEED_M_S,
    compute_network_layers,
    edge_betweenness,
    footfall,
    huff_model,
    isochrones,
    rings,
    travel_graph,
    trip_ends,
)

BANDS = {"walk": (5, 10, 15), "drive": (3, 5, 10)}
UTM = "EPSG:32635"
MAIN_PEDESTRIAN_STREETS = (
    "Aleksanterinkatu",
    "Pohjoisesplanadi",
    "Eteläesplanadi",
    "Keskuskatu",
    "Rautatientori",
    "Kaivokatu",
    "Asema-aukio",
)


def _timed(label: str, func):
    started = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.2f} s", flush=True)
    return result, seconds


def add_bench_stores(engine: Engine, total: int, seed: int = 1) -> pd.DataFrame:
    """Stores at addresses spread over the city (farthest-point sampling) up to ``total``."""
    rng = np.random.default_rng(seed)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.stores WHERE source = 'bench'"))
        stores = pd.read_sql(query("network/stores"), conn)
        addresses = pd.read_sql(
            text("SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM ref.addresses"), conn
        )
        region = conn.execute(text("SELECT region FROM crm.stores LIMIT 1")).scalar() or "city"
        # roughly metres: a degree of longitude is half a degree of latitude at 60° N
        points = addresses[["lon", "lat"]].to_numpy() * [0.5, 1.0]
        chosen = stores[["lon", "lat"]].to_numpy() * [0.5, 1.0]
        nearest = np.min(np.linalg.norm(points[:, None] - chosen[None], axis=2), axis=1)
        for k in range(total - len(stores)):
            pick = int(np.argmax(nearest))
            nearest = np.minimum(nearest, np.linalg.norm(points - points[pick], axis=1))
            size = float(rng.lognormal(6.5, 0.5))
            conn.execute(
                text(
                    "INSERT INTO crm.stores (external_id, name, region, size_m2, attractiveness,"
                    " geom, source) VALUES (:external_id, :name, :region, :size, :size / 800.0,"
                    " ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'bench')"
                ),
                {
                    "external_id": f"BENCH-{k + 1:02d}",
                    "name": f"Bench store {k + 1}",
                    "region": region,
                    "size": size,
                    "lon": float(addresses["lon"].iloc[pick]),
                    "lat": float(addresses["lat"].iloc[pick]),
                },
            )
        return pd.read_sql(query("network/stores"), conn)


def sanity_table(engine: Engine) -> pd.DataFrame:
    """Footfall index and betweenness by kind of street, as stored."""
    with engine.connect() as conn:
        scores = pd.read_sql(
            text(
                "SELECT s.name_fi, s.highway, f.footfall_index, f.betweenness "
                "FROM ref.street_footfall f JOIN ref.streets s USING (street_id)"
            ),
            conn,
        )
    scores["betweenness_pct"] = 100 * scores["betweenness"].rank(pct=True)
    main = scores["name_fi"].isin(MAIN_PEDESTRIAN_STREETS)
    groups = {
        "main pedestrian streets": main,
        "service alleys (unnamed service/track)": scores["highway"].isin(["service", "track"])
        & scores["name_fi"].isna(),
        "other primary/secondary roads": scores["highway"].isin(["primary", "secondary", "trunk"])
        & ~main,
        "footways": scores["highway"] == "footway",
        "all walkable edges": pd.Series(True, index=scores.index),
    }
    rows = []
    for label, mask in groups.items():
        group = scores[mask]
        rows.append(
            {
                "streets": label,
                "edges": len(group),
                "footfall mean": group["footfall_index"].mean(),
                "footfall median": group["footfall_index"].median(),
                "betweenness mean x1000": 1000 * group["betweenness"].mean(),
                "betweenness pct mean": group["betweenness_pct"].mean(),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=20)
    parser.add_argument("--betweenness-k", type=int, default=200)
    args = parser.parse_args()

    engine = bench_engine("geocrm_bench_net")
    generate_demo_data(engine, customers=2000, seed=1, progress=False)
    stores = add_bench_stores(engine, args.stores)
    print(f"{len(stores)} stores; walk {WALK_SPEED_M_S * 3.6:.1f} km/h, drive x{URBAN_FACTOR}")
    graphs, _ = _timed(
        "travel graphs (walk + drive)", lambda: {m: travel_graph(engine, None, m) for m in MODES}
    )
    for mode, graph in graphs.items():
        print(f"  {mode}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges")

    # 1. isochrones, beside circles of the same straight-line reach (clipped to the city,
    # which is smaller than the larger circles)
    with engine.connect() as conn:
        extent = conn.execute(text("SELECT ST_AsText(extent) FROM ref.datasets")).scalar()
    city = gpd.GeoSeries([shapely.from_wkt(extent)], crs="EPSG:4326").to_crs(UTM).item()
    for mode in MODES:
        areas, _ = _timed(
            f"isochrones {mode} {BANDS[mode]} min x {len(stores)} stores",
            lambda m=mode: isochrones(graphs[m], stores, BANDS[m], m),
        )
        areas["km2"] = areas.to_crs(UTM).area / 1e6
        for minutes, band in areas.groupby("minutes"):
            line = f"  {minutes:>4.0f} min: mean {band['km2'].mean():.3f} km²"
            if mode == "walk":
                radius = minutes * WALK_SPEED_M_S * 60
                circles = rings(stores, (radius,)).to_crs(UTM).intersection(city)
                line += (
                    f" (circle of {radius:.0f} m in the city: {circles.area.mean() / 1e6:.3f} km²)"
                )
            print(line)

    # 2. the Huff model
    cells = hexgrid.polygon_to_cells(shapely.from_wkt(extent), hexgrid.HUFF_RES)
    for mode in MODES:
        _timed(
            f"Huff {mode}: {len(cells)} cells x {len(stores)} stores",
            lambda m=mode: huff_model(graphs[m], stores, cells, m),
        )

    # 3. foot traffic and betweenness
    with engine.connect() as conn:
        dataset_id = conn.execute(text("SELECT dataset_id FROM ref.datasets")).scalar()
        places = pd.read_sql(
            query("network/footfall_places"), conn, params={"dataset_id": dataset_id}
        )
    origins, destinations = trip_ends(places)
    print(f"trip ends: {len(origins)} origins, {len(destinations)} destinations")
    _timed("foot traffic (gravity model)", lambda: footfall(graphs["walk"], origins, destinations))
    _timed(
        f"edge betweenness (k={args.betweenness_k})",
        lambda: edge_betweenness(graphs["walk"], k=args.betweenness_k),
    )

    # 5. everything, written; 4. the sanity table from what was written
    summary, _ = _timed(
        "compute_network_layers (all of the above, written)",
        lambda: compute_network_layers(engine, betweenness_k=args.betweenness_k, progress=False),
    )
    print("  " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    with pd.option_context("display.width", 160, "display.precision", 1):
        print(sanity_table(engine).to_string(index=False))


if __name__ == "__main__":
    main()
