"""A planner checks that a kilometre takes as long as it should, on foot and by car."""

from __future__ import annotations

import pandas as pd
import pytest

from geocrm import hexgrid
from geocrm.errors import InvalidInput, NotFound
from geocrm.network import (
    WALK_SPEED_M_S,
    compute_network_layers,
    huff_model,
    huff_trade_areas,
    isochrones,
    travel_graph,
)
from tests.network.places import MARKET_SQUARE, STATION, one_store


def travel_minutes_per_km(graph) -> float:
    seconds = sum(e["travel_time"] for _, _, e in graph.edges(data=True))
    metres = sum(e["length"] for _, _, e in graph.edges(data=True))
    return seconds / metres * 1000 / 60


def test_a_kilometre_on_foot_takes_twelve_and_a_half_minutes_and_cars_are_quicker(walk, drive):
    for _, _, edge in walk.edges(data=True):
        assert edge["travel_time"] == pytest.approx(edge["length"] / WALK_SPEED_M_S)
    assert travel_minutes_per_km(walk) == pytest.approx(12.5)
    # from the railway station to the Market Square: about 1 km on foot, a few minutes by car
    station_cell = hexgrid.latlng_to_cells([STATION[1]], [STATION[0]], hexgrid.HUFF_RES)
    on_foot = huff_model(walk, one_store(MARKET_SQUARE), station_cell, "walk")
    by_car = huff_model(drive, one_store(MARKET_SQUARE), station_cell, "drive")
    assert 10 < on_foot["travel_minutes"].item() < 15
    assert 2 < by_car["travel_minutes"].item() < on_foot["travel_minutes"].item() / 2
    # driving honours speed limits: no street is driven faster than 50 km/h in the centre
    speeds = [e["length"] / e["travel_time"] * 3.6 for _, _, e in drive.edges(data=True)]
    assert min(speeds) > 10 and max(speeds) <= 50


def test_bad_requests_say_what_is_wrong(engine, city, walk):
    with pytest.raises(InvalidInput, match="mode must be one of"):
        travel_graph(engine, None, "bicycle")
    with pytest.raises(NotFound, match="No loaded city named 'atlantis'"):
        compute_network_layers(engine, "atlantis", progress=False)
    with pytest.raises(InvalidInput, match="No stores given"):
        isochrones(walk, pd.DataFrame(columns=["store_id", "lon", "lat"]), (5,), "walk")
    with pytest.raises(InvalidInput, match="the graph is the 'walk' network"):
        isochrones(walk, one_store(STATION), (5,), "drive")
    with pytest.raises(InvalidInput, match="minutes must be"):
        isochrones(walk, one_store(STATION), (0,), "walk")
    with pytest.raises(InvalidInput, match="lack the column"):
        huff_model(walk, one_store(STATION).drop(columns="attractiveness"), [1], "walk")
    with pytest.raises(InvalidInput, match="secondary < primary"):
        huff_trade_areas(
            pd.DataFrame(columns=["h3", "store_id", "mode", "probability"]),
            primary=0.3,
            secondary=0.6,
        )
