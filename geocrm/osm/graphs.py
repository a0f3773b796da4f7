"""The stored walk and drive street networks of a city, back out as networkx graphs."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import shapely
from sqlalchemy import Engine

from geocrm.db import loaded_city, query
from geocrm.errors import InvalidInput

#: pyrosm network types for GeoCRM's two networks.
NETWORKS = {"walk": "walking", "drive": "driving"}


def street_graph(engine: Engine, dataset: str, network: str = "walk") -> nx.MultiDiGraph:
    """The stored walk or drive network as an OSMnx-compatible ``MultiDiGraph``.

    Nodes carry ``x``/``y`` (lon/lat), edges ``street_id`` (the ``ref.streets`` row; both
    directions of a two-way street share it), ``osmid``, ``name``, ``highway``, ``length``
    (m) and ``geometry``; the walk network is two-way, the drive network honours ``oneway``.
    """
    if network not in NETWORKS:
        raise InvalidInput(f"network must be one of {sorted(NETWORKS)}, not {network!r}")
    with engine.connect() as conn:
        params = {"dataset_id": loaded_city(conn, dataset).dataset_id, "network": network}
        nodes = pd.read_sql(query("osm/network_nodes"), conn, params=params)
        edges = pd.read_sql(query("osm/network_edges"), conn, params=params)
    graph = nx.MultiDiGraph(crs="EPSG:4326", name=f"{dataset} {network}")
    graph.add_nodes_from(
        (int(n), {"x": x, "y": y})
        for n, x, y in nodes[["node_id", "x", "y"]].itertuples(index=False)
    )
    geoms = shapely.from_wkb(edges["wkb"].map(bytes).to_numpy())
    for row, geom in zip(edges.itertuples(index=False), geoms, strict=True):
        attrs = {
            "street_id": row.street_id,
            "osmid": row.osm_id,
            "name": row.name_fi,
            "highway": row.highway,
            "length": row.length_m,
            "oneway": row.oneway,
            "geometry": geom,
        }
        graph.add_edge(row.u, row.v, **attrs)
        if network == "walk" or not row.oneway:
            graph.add_edge(row.v, row.u, **{**attrs, "geometry": geom.reverse()})
    return graph
