"""A planner asks where people walk: one trip on the Helsinki streets, and betweenness."""

from __future__ import annotations

import pandas as pd
import pytest

from geocrm.network import edge_betweenness, footfall
from tests.network.places import MARKET_SQUARE, STATION


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


def test_betweenness_counts_paths_not_people(walk):
    scores = edge_betweenness(walk, k=10, seed=1)
    again = edge_betweenness(walk, k=10, seed=1)
    assert scores.equals(again)
    assert scores["betweenness"].max() > 0 and (scores["betweenness"] >= 0).all()
    assert len(scores) == len({e["street_id"] for _, _, e in walk.edges(data=True)})
