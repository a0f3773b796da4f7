"""The walk and drive street graphs of a loaded city, with travel times, as arrays.

:func:`travel_graph` puts ``travel_time`` (seconds) on every edge of
:func:`geocrm.osm.street_graph`: walking at :data:`WALK_SPEED_M_S`, driving at the street's
posted speed or its class default, slowed by :data:`URBAN_FACTOR`. :func:`street_network`
turns such a graph into numpy arrays, and :func:`dijkstra` is the one shortest-path search
that isochrones, the Huff model, foot traffic, visit routes and territories all run on.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry import MultiPolygon
from sqlalchemy import Engine

from geocrm.db import loaded_city, query
from geocrm.errors import InvalidInput
from geocrm.network.outline import city_water
from geocrm.osm import street_graph

#: Walking speed (m/s): 4.8 km/h, so 1 km takes 12.5 minutes.
WALK_SPEED_M_S = 4.8 / 3.6
#: The travel modes (and street networks) trade areas are computed for.
MODES = ("walk", "drive")
#: Posted speed (km/h) by OSM highway class where the street has no usable ``maxspeed``:
#: the Finnish urban defaults (50 km/h in built-up areas, 30 km/h on residential streets).
DRIVE_SPEED_KMH = {
    "motorway": 80.0,
    "motorway_link": 50.0,
    "trunk": 60.0,
    "trunk_link": 40.0,
    "primary": 50.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 40.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "residential": 30.0,
    "living_street": 20.0,
    "service": 20.0,
}
#: Speed of a class not listed above.
DEFAULT_DRIVE_SPEED_KMH = 30.0
#: Share of the posted speed a car averages in a city centre (lights, junctions, traffic):
#: 30 km/h streets are driven at 18 km/h, so 1 km takes 3.3 minutes.
URBAN_FACTOR = 0.6
#: Speeds of OSM's implicit ``maxspeed`` values (``FI:urban`` and the like).
_IMPLICIT_MAXSPEED_KMH = {"urban": 50.0, "rural": 80.0, "motorway": 120.0, "living_street": 20.0}

#: One node's adjacency: ``(weight, neighbour, edge)`` per edge.
Adjacency = list[list[tuple[float, int, int]]]


class LocalMetric:
    """The UTM zone of an area (from its mean coordinates) and transforms to and fro.

    UTM keeps lengths within 0.1% across a zone, so buffers in metres are true anywhere.
    """

    def __init__(self, lon: np.ndarray, lat: np.ndarray):
        zone = int((float(np.mean(lon)) + 180.0) // 6.0) % 60 + 1
        self.crs = pyproj.CRS.from_epsg((32600 if np.mean(lat) >= 0 else 32700) + zone)
        self._forward = pyproj.Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        self._back = pyproj.Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)

    def xy(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Metric coordinates of lon/lat arrays."""
        x, y = self._forward.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x), np.asarray(y)

    def to_metric(self, geoms):
        """Geometries (lon/lat) in metres."""
        return shapely.transform(geoms, lambda c: np.column_stack(self._forward.transform(*c.T)))

    def to_lonlat(self, geoms):
        """Geometries (metres) back in lon/lat."""
        return shapely.transform(geoms, lambda c: np.column_stack(self._back.transform(*c.T)))


@dataclass
class StreetNetwork:
    """A street graph as arrays: nodes by position, directed edges ``u -> v``."""

    node_ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    u: np.ndarray
    v: np.ndarray
    street_id: np.ndarray
    length: np.ndarray
    travel_time: np.ndarray
    geometry: np.ndarray
    snappable: np.ndarray
    metric: LocalMetric
    _tree: shapely.STRtree | None = None

    @property
    def size(self) -> int:
        return len(self.node_ids)

    def adjacency(self, weight: np.ndarray, *, reverse: bool) -> Adjacency:
        """Per node, ``(weight, neighbour, edge)`` of its out-edges (in-edges if ``reverse``)."""
        tails, heads = (self.v, self.u) if reverse else (self.u, self.v)
        return adjacency_lists(self.size, tails, heads, weight)

    def snap(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node (of the main connected part) of many points, and the distance in m."""
        if self._tree is None:
            x, y = self.metric.xy(self.lon[self.snappable], self.lat[self.snappable])
            self._tree = shapely.STRtree(shapely.points(x, y))
        x, y = self.metric.xy(lon, lat)
        (source, nearest), distance = self._tree.query_nearest(
            shapely.points(x, y), return_distance=True, all_matches=False
        )
        node = np.empty(len(x), dtype=np.int64)
        metres = np.empty(len(x))
        node[source], metres[source] = self.snappable[nearest], distance
        return node, metres


def street_network(graph: nx.MultiDiGraph, *, timed: bool = False) -> StreetNetwork:
    """Arrays of a street graph; ``timed`` requires :func:`travel_graph`'s ``travel_time``."""
    if graph.number_of_edges() == 0:
        raise InvalidInput("The street graph has no edges: is a city loaded?")
    node_ids = np.fromiter(graph.nodes, dtype=np.int64, count=graph.number_of_nodes())
    position = {node: i for i, node in enumerate(node_ids.tolist())}
    lon = np.array([graph.nodes[n]["x"] for n in node_ids.tolist()])
    lat = np.array([graph.nodes[n]["y"] for n in node_ids.tolist()])
    u, v, street_id, length, travel_time, geometry = [], [], [], [], [], []
    for a, b, data in graph.edges(data=True):
        u.append(position[a])
        v.append(position[b])
        street_id.append(data["street_id"])
        length.append(data["length"])
        travel_time.append(data.get("travel_time", math.nan))
        geometry.append(data["geometry"])
    travel_time_arr = np.asarray(travel_time, dtype=float)
    if timed and np.isnan(travel_time_arr).any():
        raise InvalidInput(
            "The street graph has no travel times: build it with geocrm.network.travel_graph."
        )
    # Snap only to the largest strongly connected part: a store snapped to an isolated
    # footway in a courtyard would reach nothing.
    main_part = max(nx.strongly_connected_components(graph), key=len)
    snappable = np.sort(np.fromiter((position[n] for n in main_part), dtype=np.int64))
    return StreetNetwork(
        node_ids=node_ids,
        lon=lon,
        lat=lat,
        u=np.asarray(u, dtype=np.int64),
        v=np.asarray(v, dtype=np.int64),
        street_id=np.asarray(street_id, dtype=np.int64),
        length=np.asarray(length, dtype=float),
        travel_time=travel_time_arr,
        geometry=np.asarray(geometry, dtype=object),
        snappable=snappable,
        metric=LocalMetric(lon, lat),
    )


def adjacency_lists(
    size: int, tails: np.ndarray, heads: np.ndarray, weight: np.ndarray
) -> Adjacency:
    """Per node of ``size`` nodes, ``(weight, head, edge)`` of the edges ``tails -> heads``."""
    adjacency: Adjacency = [[] for _ in range(size)]
    for edge, (tail, head, w) in enumerate(
        zip(
            np.asarray(tails).tolist(),
            np.asarray(heads).tolist(),
            np.asarray(weight, dtype=float).tolist(),
            strict=True,
        )
    ):
        adjacency[tail].append((w, head, edge))
    return adjacency


def dijkstra(
    adjacency: Adjacency, sources: dict[int, float], cutoff: float = math.inf
) -> tuple[list[float], list[int], list[int]]:
    """Shortest distances from ``sources`` (node -> starting distance) up to ``cutoff``.

    Returns the distance of every node (``inf`` beyond the cutoff), the edge each node is
    reached by on its shortest path (-1 for sources and unreached nodes), and the reached
    nodes in the order they were settled (nearest first). Plain lists: this is the inner
    loop of everything here.
    """
    push, pop = heapq.heappush, heapq.heappop
    dist = [math.inf] * len(adjacency)
    pred = [-1] * len(adjacency)
    order: list[int] = []
    heap = [(d, node) for node, d in sources.items()]
    for node, d in sources.items():
        dist[node] = d
    heapq.heapify(heap)
    while heap:
        d, node = pop(heap)
        if d > dist[node]:  # a stale entry: the node was settled nearer
            continue
        order.append(node)
        for weight, head, edge in adjacency[node]:
            candidate = d + weight
            if candidate < dist[head] and candidate <= cutoff:
                dist[head] = candidate
                pred[head] = edge
                push(heap, (candidate, head))
    return dist, pred, order


def check_mode(mode: str, graph: nx.MultiDiGraph | None = None) -> None:
    """Refuse a mode other than walk/drive, or one the graph was not built for."""
    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {list(MODES)}, not {mode!r}")
    built_for = graph.graph.get("mode") if graph is not None else None
    if built_for is not None and built_for != mode:
        raise InvalidInput(f"mode is {mode!r} but the graph is the {built_for!r} network")


def points_frame(frame: pd.DataFrame, columns: Sequence[str], what: str) -> pd.DataFrame:
    """``frame`` with ``columns`` checked: present, finite coordinates, at least one row."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInput(f"{what} lack the column(s) {missing} (expected {list(columns)})")
    if frame.empty:
        raise InvalidInput(f"No {what} given: there is nothing to compute.")
    numeric = [c for c in columns if c in ("lon", "lat", "attractiveness", "weight")]
    values = frame[numeric].to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise InvalidInput(f"{what} have missing or infinite values in {numeric}")
    return frame.reset_index(drop=True)


def sorted_positive(values: Sequence[float], what: str) -> list[float]:
    """The distinct values, ascending; refuse none or any that is not positive."""
    out = sorted({float(v) for v in values})
    if not out or out[0] <= 0:
        raise InvalidInput(f"{what} must be one or more positive numbers, not {list(values)}")
    return out


def as_multipolygon(geom) -> MultiPolygon:
    """A polygon as a one-part MultiPolygon (a MultiPolygon as it is)."""
    if isinstance(geom, MultiPolygon):
        return geom
    return MultiPolygon([geom])


# -- travel times -----------------------------------------------------------------------------
def _maxspeed_kmh(value: str | None) -> float | None:
    """Speed (km/h) of an OSM ``maxspeed`` value (``50``, ``30 mph``, ``FI:urban``), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    first = value.split(";")[0].strip().lower()
    number = re.match(r"(\d+(?:\.\d+)?)\s*(mph)?", first)
    if number:
        kmh = float(number.group(1)) * (1.609344 if number.group(2) else 1.0)
        return kmh if kmh > 0 else None
    return _IMPLICIT_MAXSPEED_KMH.get(first.split(":")[-1])


def travel_graph(engine: Engine, dataset: str | None, mode: str) -> nx.MultiDiGraph:
    """The walk or drive network of a city with ``travel_time`` (seconds) on every edge.

    Walking is at :data:`WALK_SPEED_M_S`. Driving is at the street's posted ``maxspeed``
    (numbers, mph, ``FI:urban``-style codes) or else the class default of
    :data:`DRIVE_SPEED_KMH`, times :data:`URBAN_FACTOR` for lights, junctions and traffic.
    The graph's ``water`` attribute holds the city's water (lon/lat polygons,
    :func:`geocrm.network.outline.city_water`) that isochrones and Huff areas leave out.

    Parameters
    ----------
    engine : the database.
    dataset : the loaded city; ``None`` for the most recently loaded one.
    mode : ``"walk"`` or ``"drive"``.
    """
    check_mode(mode)
    with engine.connect() as conn:
        city = loaded_city(conn, dataset)
        speeds = (
            pd.read_sql(
                query("network/street_speeds"), conn, params={"dataset_id": city.dataset_id}
            )
            if mode == "drive"
            else None
        )
    graph = street_graph(engine, city.name, mode)
    # the city's water goes with its streets: areas drawn on them leave it out
    graph.graph.update(mode=mode, dataset=city.name, water=city_water(engine, city.name))
    if mode == "walk":
        for _, _, data in graph.edges(data=True):
            data["travel_time"] = data["length"] / WALK_SPEED_M_S
        return graph
    posted = dict(zip(speeds["street_id"], speeds["maxspeed"].map(_maxspeed_kmh), strict=True))
    for _, _, data in graph.edges(data=True):
        kmh = posted.get(data["street_id"])
        if kmh is None or kmh != kmh:  # no usable maxspeed (None or NaN)
            kmh = DRIVE_SPEED_KMH.get(data["highway"], DEFAULT_DRIVE_SPEED_KMH)
        data["speed_kph"] = kmh
        data["travel_time"] = data["length"] / (kmh * URBAN_FACTOR / 3.6)
    return graph
