"""A store manager asks how far the shop really reaches, and a planner where people walk."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import Point
from sqlalchemy import text

from geocrm import hexgrid
from geocrm.errors import InvalidInput, NotFound
from geocrm.network import (
    STREET_MARGIN_M,
    WALK_SPEED_M_S,
    compute_network_layers,
    edge_betweenness,
    footfall,
    huff_model,
    huff_trade_areas,
    isochrones,
    rings,
    travel_graph,
)

UTM = "EPSG:32635"  # the UTM zone of Helsinki, for areas in square metres
STATION = (24.9413, 60.1707)  # Rautatientori, at the central railway station
MARKET_SQUARE = (24.9523, 60.1676)  # Kauppatori, at the harbour
# Siltasaari's western tip and the shore of Kaisaniemi park, facing each other across the
# Kaisaniemenlahti bay: 220 m apart as the crow flies, ~930 m on foot round the bridge.
SILTASAARI_TIP = (24.9450, 60.1785)
KAISANIEMI_SHORE = (24.9430, 60.1768)
IN_THE_BAY = (24.9435, 60.17765)
MAIN_PEDESTRIAN_STREETS = (
    "Aleksanterinkatu",
    "Pohjoisesplanadi",
    "Eteläesplanadi",
    "Keskuskatu",
    "Rautatientori",
    "Kaivokatu",
    "Asema-aukio",
)


def _one_store(lon_lat, store_id=1, attractiveness=1.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "store_id": [store_id],
            "lon": [lon_lat[0]],
            "lat": [lon_lat[1]],
            "attractiveness": [attractiveness],
        }
    )


def _to_utm(lonlat_geoms: np.ndarray) -> np.ndarray:
    forward = pyproj.Transformer.from_crs("EPSG:4326", UTM, always_xy=True)
    return shapely.transform(lonlat_geoms, lambda c: np.column_stack(forward.transform(*c.T)))


def travel_minutes_per_km(graph) -> float:
    seconds = sum(e["travel_time"] for _, _, e in graph.edges(data=True))
    metres = sum(e["length"] for _, _, e in graph.edges(data=True))
    return seconds / metres * 1000 / 60


@pytest.fixture(scope="module")
def walk(engine, city):
    return travel_graph(engine, None, "walk")


@pytest.fixture(scope="module")
def drive(engine, city):
    return travel_graph(engine, None, "drive")


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


def test_a_kilometre_on_foot_takes_twelve_and_a_half_minutes_and_cars_are_quicker(walk, drive):
    for _, _, edge in walk.edges(data=True):
        assert edge["travel_time"] == pytest.approx(edge["length"] / WALK_SPEED_M_S)
    assert travel_minutes_per_km(walk) == pytest.approx(12.5)
    # from the railway station to the Market Square: about 1 km on foot, a few minutes by car
    station_cell = hexgrid.latlng_to_cells([STATION[1]], [STATION[0]], hexgrid.HUFF_RES)
    on_foot = huff_model(walk, _one_store(MARKET_SQUARE), station_cell, "walk")
    by_car = huff_model(drive, _one_store(MARKET_SQUARE), station_cell, "drive")
    assert 10 < on_foot["travel_minutes"].item() < 15
    assert 2 < by_car["travel_minutes"].item() < on_foot["travel_minutes"].item() / 2
    # driving honours speed limits: no street is driven faster than 50 km/h in the centre
    speeds = [e["length"] / e["travel_time"] * 3.6 for _, _, e in drive.edges(data=True)]
    assert min(speeds) > 10 and max(speeds) <= 50


def test_isochrones_follow_the_streets_round_the_bay_not_across_it(walk):
    store = _one_store(SILTASAARI_TIP)
    bands = isochrones(walk, store, (5, 10, 15), "walk")
    circle = rings(store, (400,)).geometry[0]
    five, ten, fifteen = bands.sort_values("minutes").geometry
    shore, bay = Point(KAISANIEMI_SHORE), Point(IN_THE_BAY)
    # the shore across the water is inside the 5-minute circle but a 12-minute walk away
    assert circle.contains(shore) and circle.contains(bay)
    assert not five.contains(shore) and not ten.contains(shore) and fifteen.contains(shore)
    assert not any(band.contains(bay) for band in (five, ten, fifteen))
    # a walk of 5 minutes reaches far less than the 400 m circle around the store
    areas = bands.to_crs(UTM).sort_values("minutes").area.to_numpy()
    circle_area = rings(store, (400,)).to_crs(UTM).area.item()
    assert areas[0] < 0.4 * circle_area
    assert list(areas) == sorted(areas)


def test_stored_isochrones_are_nested_hold_the_store_and_stay_on_the_streets(
    engine, layers, walk, drive
):
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
            shapely.buffer(_to_utm(streets), STREET_MARGIN_M[mode] + 1.0, quad_segs=4)
        )
        for _, bands in stored[stored["mode"] == mode].groupby("store_id"):
            assert bands["minutes"].tolist() == minutes
            metric = bands.to_crs(UTM).geometry.to_numpy()
            assert metric[0].difference(metric[1]).area < 1.0  # m², floating-point noise
            assert metric[1].difference(metric[2]).area < 1.0
            door = Point(bands["lon"].iloc[0], bands["lat"].iloc[0])
            assert bands.geometry.iloc[0].contains(door)
            # off the streets only along the walk between the store's door and the street
            door_m = _to_utm(np.array([door]))[0]
            assert metric[2].difference(on_streets).difference(door_m.buffer(100)).area < 1.0


def test_rings_are_true_circles():
    ring = rings(_one_store(MARKET_SQUARE), (500, 2000))
    geod = pyproj.Geod(ellps="WGS84")
    for radius, circle in zip(ring["radius_m"], ring.geometry, strict=True):
        area = abs(geod.geometry_area_perimeter(circle)[0])
        assert area == pytest.approx(np.pi * radius**2, rel=0.005)
        assert circle.contains(Point(MARKET_SQUARE))


def test_huff_shoppers_share_out_between_stores_by_size_and_travel_time(engine, walk):
    with engine.connect() as conn:
        extent = shapely.from_wkb(
            bytes(conn.execute(text("SELECT ST_AsBinary(extent) FROM ref.datasets")).scalar())
        )
    cells = hexgrid.polygon_to_cells(extent, hexgrid.HUFF_RES)
    two = pd.concat([_one_store(STATION, 1, 1.0), _one_store(MARKET_SQUARE, 2, 1.0)])
    huff = huff_model(walk, two, cells, "walk")
    assert set(huff["h3"]) == set(cells)
    assert huff.groupby("h3")["probability"].sum().to_numpy() == pytest.approx(1.0)
    wide = huff.pivot(index="h3", columns="store_id")
    station_nearer = wide["travel_minutes"][1] < wide["travel_minutes"][2]
    assert (wide["probability"][1][station_nearer] > 0.5).all()
    assert (wide["probability"][2][~station_nearer] >= 0.5).all()
    # twice the attractiveness: odds = 2 * (t_station / t_market) ** -2, cell by cell
    bigger = huff_model(walk, two.assign(attractiveness=[2.0, 1.0]), cells, "walk", decay=2.0)
    wide = bigger.pivot(index="h3", columns="store_id")
    odds = wide["probability"][1] / wide["probability"][2]
    expected = 2.0 * (wide["travel_minutes"][1] / wide["travel_minutes"][2]) ** -2
    assert odds.to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-9)

    areas = huff_trade_areas(huff)
    assert set(areas["kind"]) <= {"huff_primary", "huff_secondary"}
    station_primary = areas[(areas["store_id"] == 1) & (areas["kind"] == "huff_primary")]
    assert station_primary.geometry.item().contains(Point(STATION))
    primary_cells = huff[(huff["store_id"] == 1) & (huff["probability"] >= 0.6)]["h3"]
    hexagon = hexgrid.cell_boundaries(primary_cells[:1])[0]
    assert station_primary.geometry.item().area == pytest.approx(
        hexagon.area * len(primary_cells), rel=0.05
    )


def test_one_trip_walks_one_shortest_path(walk):
    origin = pd.DataFrame({"lon": [STATION[0]], "lat": [STATION[1]], "weight": [100.0]})
    destination = pd.DataFrame(
        {"lon": [MARKET_SQUARE[0]], "lat": [MARKET_SQUARE[1]], "weight": [1.0]}
    )
    flows = footfall(walk, origin, destination, beta_per_m=0.0)
    used = flows[flows["flow"] > 0]
    # all 100 trips go to the one destination, along one path of ~1 km
    assert used["flow"].to_numpy() == pytest.approx(100.0)
    length = {e["street_id"]: e["length"] for _, _, e in walk.edges(data=True)}
    assert 700 < sum(length[s] for s in used["street_id"]) < 1300
    assert used["footfall_index"].to_numpy() == pytest.approx(100.0)
    assert len(flows) == len(length)
    # a trip longer than anyone walks is not walked
    too_far = footfall(walk, origin, destination, max_trip_m=300)
    assert (too_far["flow"] == 0).all() and (too_far["footfall_index"] == 0).all()


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


def test_betweenness_counts_paths_not_people(walk):
    scores = edge_betweenness(walk, k=10, seed=1)
    again = edge_betweenness(walk, k=10, seed=1)
    assert scores.equals(again)
    assert scores["betweenness"].max() > 0 and (scores["betweenness"] >= 0).all()
    assert len(scores) == len({e["street_id"] for _, _, e in walk.edges(data=True)})


def test_bad_requests_say_what_is_wrong(engine, city, walk):
    with pytest.raises(InvalidInput, match="mode must be one of"):
        travel_graph(engine, None, "bicycle")
    with pytest.raises(NotFound, match="No loaded city named 'atlantis'"):
        compute_network_layers(engine, "atlantis", progress=False)
    with pytest.raises(InvalidInput, match="No stores given"):
        isochrones(walk, pd.DataFrame(columns=["store_id", "lon", "lat"]), (5,), "walk")
    with pytest.raises(InvalidInput, match="the graph is the 'walk' network"):
        isochrones(walk, _one_store(STATION), (5,), "drive")
    with pytest.raises(InvalidInput, match="minutes must be"):
        isochrones(walk, _one_store(STATION), (0,), "walk")
    with pytest.raises(InvalidInput, match="lack the column"):
        huff_model(walk, _one_store(STATION).drop(columns="attractiveness"), [1], "walk")
    with pytest.raises(InvalidInput, match="secondary < primary"):
        huff_trade_areas(
            pd.DataFrame(columns=["h3", "store_id", "mode", "probability"]),
            primary=0.3,
            secondary=0.6,
        )
