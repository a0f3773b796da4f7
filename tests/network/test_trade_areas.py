"""A store manager asks how far the shop really reaches: isochrones, rings and Huff."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import Point
from sqlalchemy import text

from geocrm import hexgrid
from geocrm.network import huff_model, huff_trade_areas, isochrones, rings
from tests.network.places import (
    IN_THE_BAY,
    KAISANIEMI_SHORE,
    MARKET_SQUARE,
    SILTASAARI_TIP,
    STATION,
    UTM,
    one_store,
)


def test_isochrones_follow_the_streets_round_the_bay_not_across_it(walk):
    store = one_store(SILTASAARI_TIP)
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


def test_rings_are_true_circles():
    ring = rings(one_store(MARKET_SQUARE), (500, 2000))
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
    two = pd.concat([one_store(STATION, 1, 1.0), one_store(MARKET_SQUARE, 2, 1.0)])
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
