"""The gravity model of walking trips on tiny hand-made street graphs: no database.

``T_ij = O_i * D_j / sum(D) * exp(-beta d_ij)``, every trip walked on its shortest path;
the flows below are worked out by hand.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString

from geocrm.network import footfall, footfall_index, gravity_flows

# beta so that 100 m halve the odds of a trip: exp(-beta * 100) == 0.5
HALF_PER_100_M = math.log(2) / 100


def _two_way(edges: list[tuple[int, int, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tails, heads and lengths of two-way streets: edge ``2k`` is ``a -> b``, ``2k+1`` back."""
    tails, heads, length = [], [], []
    for a, b, metres in edges:
        tails += [a, b]
        heads += [b, a]
        length += [metres, metres]
    return np.array(tails), np.array(heads), np.array(length)


def test_trips_along_a_street_are_conserved_hop_by_hop():
    # 0 --100 m-- 1 --100 m-- 2; 10 trips start at 0, half drawn to 1 and half to 2
    tails, heads, length = _two_way([(0, 1, 100.0), (1, 2, 100.0)])
    flow = gravity_flows(
        3,
        tails,
        heads,
        length,
        produced=np.array([10.0, 0.0, 0.0]),
        attracted=np.array([0.0, 0.5, 0.5]),
        beta_per_m=HALF_PER_100_M,
    )
    # to 1: 10 * 0.5 * 0.5 = 2.5; to 2: 10 * 0.5 * 0.25 = 1.25
    to_1, to_2 = 2.5, 1.25
    assert flow[0] == pytest.approx(to_1 + to_2)  # every trip leaves 0 on 0 -> 1
    assert flow[2] == pytest.approx(to_2)  # only the trips to 2 go on to 2
    assert flow[1] == flow[3] == 0.0  # nobody walks back towards 0
    # trips are conserved: the metres walked are each trip times its length
    assert (flow * length).sum() == pytest.approx(to_1 * 100 + to_2 * 200)


def test_a_trip_longer_than_anyone_walks_is_not_walked():
    tails, heads, length = _two_way([(0, 1, 100.0), (1, 2, 100.0)])
    flow = gravity_flows(
        3,
        tails,
        heads,
        length,
        produced=np.array([10.0, 0.0, 0.0]),
        attracted=np.array([0.0, 0.5, 0.5]),
        beta_per_m=HALF_PER_100_M,
        max_trip_m=150.0,
    )
    assert flow.tolist() == pytest.approx([2.5, 0.0, 0.0, 0.0])


def test_the_busier_streets_are_those_on_the_shortest_path():
    # a diamond: 0 -> 1 -> 3 is 200 m, 0 -> 2 -> 3 is 300 m; everyone goes from 0 to 3
    tails, heads, length = _two_way([(0, 1, 100.0), (1, 3, 100.0), (0, 2, 150.0), (2, 3, 150.0)])
    flow = gravity_flows(
        4,
        tails,
        heads,
        length,
        produced=np.array([8.0, 0.0, 0.0, 0.0]),
        attracted=np.array([0.0, 0.0, 0.0, 1.0]),
        beta_per_m=0.0,
    )
    assert flow[0] == flow[2] == pytest.approx(8.0)  # 0 -> 1 and 1 -> 3
    assert flow[4] == flow[6] == 0.0  # 0 -> 2 and 2 -> 3: the long way round is empty
    assert flow.sum() == pytest.approx(16.0)  # 8 trips of two hops each


def test_trips_from_two_origins_add_up_on_the_streets_they_share():
    # 0 -- 1 -- 2 -- 3: trips from 0 and from 1 both end at 3, and share 1 -> 2 -> 3
    tails, heads, length = _two_way([(0, 1, 100.0), (1, 2, 100.0), (2, 3, 100.0)])
    flow = gravity_flows(
        4,
        tails,
        heads,
        length,
        produced=np.array([4.0, 6.0, 0.0, 0.0]),
        attracted=np.array([0.0, 0.0, 0.0, 1.0]),
        beta_per_m=HALF_PER_100_M,
    )
    from_0, from_1 = 4.0 * 0.125, 6.0 * 0.25  # 300 m and 200 m away
    assert flow[0] == pytest.approx(from_0)
    assert flow[2] == flow[4] == pytest.approx(from_0 + from_1)


def test_the_index_is_a_log_scale_from_0_to_100():
    # log1p(9) / log1p(99) = ln 10 / ln 100 = 1/2
    assert footfall_index(np.array([0.0, 9.0, 99.0])) == pytest.approx([0.0, 50.0, 100.0])
    assert footfall_index(np.array([0.0, 0.0])).tolist() == [0.0, 0.0]


def _street_graph() -> tuple[nx.MultiDiGraph, dict[str, tuple[float, float]]]:
    """Three two-way streets in a T: A - B - C, and a side street B - D."""
    at = {"A": (24.9400, 60.1700), "B": (24.9420, 60.1700), "C": (24.9440, 60.1700)}
    at["D"] = (24.9420, 60.1710)
    ids = {"A": 1, "B": 2, "C": 3, "D": 4}
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    for name, (x, y) in at.items():
        graph.add_node(ids[name], x=x, y=y)
    for street_id, (a, b, metres) in enumerate(
        [("A", "B", 111.0), ("B", "C", 111.0), ("B", "D", 111.0)], start=10
    ):
        line = LineString([at[a], at[b]])
        attrs = {"street_id": street_id, "length": metres, "highway": "footway"}
        graph.add_edge(ids[a], ids[b], geometry=line, **attrs)
        graph.add_edge(ids[b], ids[a], geometry=line.reverse(), **attrs)
    return graph, at


def test_footfall_on_a_street_graph_walks_every_trip_to_its_destination():
    graph, at = _street_graph()
    origins = pd.DataFrame({"lon": [at["A"][0]], "lat": [at["A"][1]], "weight": [30.0]})
    destinations = pd.DataFrame(
        {"lon": [at["C"][0], at["D"][0]], "lat": [at["C"][1], at["D"][1]], "weight": [2.0, 1.0]}
    )
    flows = footfall(graph, origins, destinations, beta_per_m=0.0).set_index("street_id")
    # two thirds of the 30 trips go to C, one third to D; all of them walk A - B first
    assert flows.loc[10, "flow"] == pytest.approx(30.0)
    assert flows.loc[11, "flow"] == pytest.approx(20.0)
    assert flows.loc[12, "flow"] == pytest.approx(10.0)
    assert flows.loc[10, "footfall_index"] == pytest.approx(100.0)
    assert flows.loc[12, "footfall_index"] == pytest.approx(
        100 * math.log1p(10.0) / math.log1p(30.0)
    )
