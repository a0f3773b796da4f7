"""The stored street networks come back as graphs OSMnx can work with."""

import networkx as nx
import osmnx as ox
import pytest

from geocrm.errors import InvalidInput, NotFound
from geocrm.osm import street_graph


def test_street_networks_are_osmnx_compatible_graphs(city, engine):
    walk = street_graph(engine, "helsinki", "walk")
    drive = street_graph(engine, "helsinki", "drive")
    assert walk.number_of_nodes() == city.counts["walk_nodes"]
    assert drive.number_of_nodes() == city.counts["drive_nodes"]
    nodes, edges = ox.convert.graph_to_gdfs(walk)
    assert len(nodes) == city.counts["walk_nodes"] and len(edges) == walk.number_of_edges()

    # walking is two-way; a path across the centre exists and has a plausible length
    def nearest(lon, lat):
        return ((nodes.x - lon) ** 2 + (nodes.y - lat) ** 2).idxmin()

    a = nearest(24.9414, 60.1699)  # railway station square
    b = nearest(24.9522, 60.1675)  # Esplanadi, east end
    metres = nx.shortest_path_length(walk, a, b, weight="length")
    assert 500 < metres < 2000
    with pytest.raises(InvalidInput):
        street_graph(engine, "helsinki", "bike")
    with pytest.raises(NotFound):
        street_graph(engine, "atlantis", "walk")
