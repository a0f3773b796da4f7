"""Every layer of the city is computed, stored, and replaced by the next run."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point
from sqlalchemy import text

from geocrm.network import STREET_MARGIN_M, city_water, compute_network_layers
from tests.network.places import MAIN_PEDESTRIAN_STREETS, UTM, to_utm


@pytest.fixture(scope="module")
def layers(engine, demo):
    """The layers computed twice: a first run with other bands, then the defaults."""
    first = compute_network_layers(
        engine,
        walk_minutes=(7,),
        drive_minutes=(4,),
        ring_radii_m=(300,),
        betweenness_k=5,
        progress=False,
    )
    second = compute_network_layers(engine, betweenness_k=20, progress=False)
    return first, second


def test_stored_isochrones_are_nested_hold_the_store_and_stay_on_the_streets(
    engine, layers, walk, drive
):
    water = shapely.union_all(to_utm(city_water(engine)))
    with engine.connect() as conn:
        stored = gpd.read_postgis(
            text(
                "SELECT t.store_id, t.mode, t.minutes, t.geom, ST_X(s.geom) AS lon, "
                "ST_Y(s.geom) AS lat FROM crm.trade_areas t JOIN crm.stores s USING (store_id) "
                "WHERE t.kind = 'isochrone' ORDER BY t.store_id, t.mode, t.minutes"
            ),
            conn,
            geom_col="geom",
        )
    assert (stored.geom_type == "MultiPolygon").all() and stored.is_valid.all()
    for mode, graph, minutes in (("walk", walk, [5, 10, 15]), ("drive", drive, [3, 5, 10])):
        streets = np.array([e["geometry"] for _, _, e in graph.edges(data=True)], dtype=object)
        on_streets = shapely.union_all(
            shapely.buffer(to_utm(streets), STREET_MARGIN_M[mode] + 1.0, quad_segs=4)
        )
        for _, bands in stored[stored["mode"] == mode].groupby("store_id"):
            assert bands["minutes"].tolist() == minutes
            metric = bands.to_crs(UTM).geometry.to_numpy()
            assert metric[0].difference(metric[1]).area < 1.0  # m², floating-point noise
            assert metric[1].difference(metric[2]).area < 1.0
            door = Point(bands["lon"].iloc[0], bands["lat"].iloc[0])
            assert bands.geometry.iloc[0].contains(door)
            # its outline follows the streets, but along the walk between the store's door
            # and the street, and where water cuts it; the blocks within are filled
            door_m = to_utm(np.array([door]))[0]
            outline = shapely.boundary(metric[2])
            off = outline.difference(on_streets).difference(door_m.buffer(100))
            assert off.difference(water.buffer(1.0)).length < 1.0
            for part in metric[2].geoms:  # the only holes left are water
                for ring in part.interiors:
                    assert shapely.Polygon(ring).difference(water).area < 1.0


def test_main_pedestrian_streets_are_busier_than_service_alleys(engine, layers):
    with engine.connect() as conn:
        scores = pd.read_sql(
            text(
                "SELECT s.name_fi, s.highway, f.flow, f.footfall_index, f.betweenness "
                "FROM ref.street_footfall f JOIN ref.streets s USING (street_id)"
            ),
            conn,
        )
    assert scores["footfall_index"].between(0, 100).all()
    assert scores["footfall_index"].max() == pytest.approx(100.0)
    main = scores[scores["name_fi"].isin(MAIN_PEDESTRIAN_STREETS)]
    alleys = scores[scores["highway"].isin(["service", "track"]) & scores["name_fi"].isna()]
    assert len(main) > 100 and len(alleys) > 100
    assert main["footfall_index"].mean() > 1.5 * alleys["footfall_index"].mean()
    assert main["footfall_index"].median() > 1.5 * alleys["footfall_index"].median()
    assert (scores["betweenness"] >= 0).all()


def test_layers_are_stored_and_a_second_run_replaces_the_first(engine, layers):
    first, second = layers
    with engine.connect() as conn:
        stores = conn.execute(text("SELECT count(*) FROM crm.stores")).scalar()
        kinds = dict(
            conn.execute(text("SELECT kind, count(*) FROM crm.trade_areas GROUP BY kind")).all()
        )
        leftovers = conn.execute(
            text("SELECT count(*) FROM crm.trade_areas WHERE minutes IN (7, 4) OR radius_m = 300")
        ).scalar()
        invalid = conn.execute(
            text(
                "SELECT count(*) FROM crm.trade_areas "
                "WHERE NOT ST_IsValid(geom) OR ST_SRID(geom) <> 4326"
            )
        ).scalar()
        huff_rows, cells, bad_sums = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM crm.huff_cells), "
                "(SELECT count(DISTINCT h3) FROM crm.huff_cells), "
                "(SELECT count(*) FROM (SELECT h3, mode FROM crm.huff_cells GROUP BY h3, mode "
                " HAVING abs(sum(probability) - 1) > 1e-4) bad)"
            )
        ).one()
        own_isochrone = conn.execute(
            text(
                "SELECT bool_and(ST_Contains(t.geom, s.geom)) FROM crm.trade_areas t "
                "JOIN crm.stores s USING (store_id) WHERE t.kind = 'isochrone'"
            )
        ).scalar()
        footfall_rows, walk_streets = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM ref.street_footfall), "
                "(SELECT count(*) FROM ref.streets WHERE network = 'walk')"
            )
        ).one()
    assert first["isochrones"] == 2 * stores and first["rings"] == stores
    assert second["isochrones"] == 6 * stores and second["rings"] == 3 * stores
    assert kinds["isochrone"] == second["isochrones"] and kinds["ring"] == second["rings"]
    assert (
        kinds.get("huff_primary", 0) + kinds.get("huff_secondary", 0) == second["huff_trade_areas"]
    )
    assert leftovers == 0 and invalid == 0 and own_isochrone
    assert huff_rows == second["huff_cells"] == first["huff_cells"]
    assert cells == second["cells"] and huff_rows == 2 * stores * cells and bad_sums == 0
    assert footfall_rows == walk_streets == second["street_footfall"]
    assert {"isochrones_seconds", "huff_seconds", "footfall_seconds"} <= set(second)
