"""Travel on the streets: the prepared travel graph of a city, the travel-time matrix
between places, and the line of each leg.

Driving at the posted ``maxspeed`` or the highway class's default
(``network.DRIVE_SPEED_KMH``) times ``network.URBAN_FACTOR``, walking at
``network.WALK_SPEED_M_S``. Each place is snapped to the nearest node of the graph's main
strongly connected part (the straight walk to it is added at walking speed, both ways).
One Dijkstra per place (on ``travel_time``; its edges give the metres and the geometry of
each leg) fills the matrix. Graphs are built once per process (and again when the city is
re-loaded); territory design shares them (:func:`geocrm.territories.network_travel`).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from shapely.geometry import LineString
from sqlalchemy import Engine

from geocrm import network
from geocrm.errors import InvalidInput


@dataclass
class TravelGraph:
    """A travel graph as arrays, with the adjacency to search (built once per process)."""

    net: network.StreetNetwork
    adjacency: list[list[tuple]]


_GRAPHS: OrderedDict[tuple, TravelGraph] = OrderedDict()
_GRAPHS_SIZE = 4
_GRAPHS_LOCK = threading.Lock()


def prepared_graph(engine: Engine, city: Any, mode: str) -> TravelGraph:
    """The prepared travel graph of a loaded ``city`` and ``mode``, cached per process.

    Parameters
    ----------
    engine
        The database holding the city's street graph.
    city
        The loaded city (:func:`geocrm.db.loaded_city`).
    mode
        ``"drive"`` or ``"walk"``.
    """
    key = (str(engine.url), city.dataset_id, city.loaded_at, mode)
    with _GRAPHS_LOCK:
        prepared = _GRAPHS.get(key)
        if prepared is None:
            net = network.street_network(network.travel_graph(engine, city.name, mode), timed=True)
            prepared = TravelGraph(net=net, adjacency=net.adjacency(net.travel_time, reverse=False))
            _GRAPHS[key] = prepared
            while len(_GRAPHS) > _GRAPHS_SIZE:
                _GRAPHS.popitem(last=False)
        _GRAPHS.move_to_end(key)
        return prepared


@dataclass
class Matrix:
    """Travel between every pair of places (place 0 is the base)."""

    seconds: np.ndarray  # [i, j]: travel time from place i to place j
    metres: np.ndarray
    paths: dict[tuple[int, int], list[int]]  # edges of the leg i -> j
    nodes: np.ndarray
    access_m: np.ndarray


def travel_matrix(graph: TravelGraph, lon: Sequence[float], lat: Sequence[float]) -> Matrix:
    """Travel times, metres and edge paths between every pair of places (``InvalidInput``
    when one cannot be reached from another)."""
    net = graph.net
    nodes, access_m = net.snap(np.asarray(lon, float), np.asarray(lat, float))
    n = len(nodes)
    access_s = access_m / network.WALK_SPEED_M_S
    seconds = np.zeros((n, n))
    metres = np.zeros((n, n))
    paths: dict[tuple[int, int], list[int]] = {}
    length = net.length.tolist()
    tails = net.u.tolist()
    for i in range(n):
        dist, pred, _ = network.dijkstra(graph.adjacency, {int(nodes[i]): 0.0})
        for j in range(n):
            if i == j:
                continue
            target = int(nodes[j])
            if math.isinf(dist[target]):
                raise InvalidInput(
                    "A stop cannot be reached on the street network from another one."
                )
            edges: list[int] = []
            node = target
            while pred[node] != -1:
                edges.append(pred[node])
                node = tails[pred[node]]
            edges.reverse()
            paths[(i, j)] = edges
            seconds[i, j] = access_s[i] + dist[target] + access_s[j]
            metres[i, j] = access_m[i] + sum(length[e] for e in edges) + access_m[j]
    return Matrix(seconds=seconds, metres=metres, paths=paths, nodes=nodes, access_m=access_m)


def leg_line(graph: TravelGraph, matrix: Matrix, lonlat: list[tuple], a: int, b: int) -> LineString:
    """The leg a -> b along the edges' geometries, with the walks to and from the street."""
    net = graph.net
    coords: list[tuple[float, float]] = [lonlat[a]]
    node_a = int(matrix.nodes[a])
    coords.append((float(net.lon[node_a]), float(net.lat[node_a])))
    for edge in matrix.paths[(a, b)]:
        geom = net.geometry[edge]
        points = list(geom.coords) if geom is not None else []
        if not points:
            u, v = int(net.u[edge]), int(net.v[edge])
            points = [(net.lon[u], net.lat[u]), (net.lon[v], net.lat[v])]
        coords.extend((float(x), float(y)) for x, y in points)
    node_b = int(matrix.nodes[b])
    coords.append((float(net.lon[node_b]), float(net.lat[node_b])))
    coords.append(lonlat[b])
    deduped = [c for k, c in enumerate(coords) if k == 0 or c != coords[k - 1]]
    if len(deduped) < 2:
        deduped = [lonlat[a], lonlat[b]]
    return LineString(deduped)
