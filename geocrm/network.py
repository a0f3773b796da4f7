"""Street-network trade areas, the Huff model and foot traffic of a loaded city.

Everything here runs on the street graphs of :func:`geocrm.osm.street_graph` with
:func:`travel_graph`'s ``travel_time`` (seconds) on every edge:

* **Isochrones** follow the streets: the parts of edges from which a store is reached
  within the time (boundary edges included up to the reachable fraction, interpolated
  along their geometry), buffered by a street-side margin in the city's UTM zone. They do
  not cross water or blocks that no street reaches, and the bands of a store are nested.
  Times are *to* the store (the shopper's trip), which honours one-way streets by car.
* **Rings** are geodesic circles (buffered in an azimuthal equidistant projection centred
  on the store), the naive trade area that isochrones are compared with.
* **The Huff model** gives, for every H3 cell (``hexgrid.HUFF_RES``) of the city, the
  probability that a shopper there patronises each store:
  ``P(j | i) = A_j t_ij^-decay / sum_k A_k t_ik^-decay`` with ``t`` the network travel time
  in minutes from the cell's centre (floored at :data:`MIN_TRAVEL_MINUTES`). One Dijkstra
  per store gives the times of all cells. Primary / secondary trade areas are the unions
  of the hexagons where a store's probability is at least 0.6 / between 0.3 and 0.6.
* **Foot traffic** is a gravity model of walking trips from open data only. Trips start at
  homes (households: the enrichment's estimate, else residential floor area / 70 m², with
  four storeys when OSM does not say)
  and transit stops, and end at shops, food and drink, services, sights, transit stops and
  workplaces (office, commercial and retail floor area / 25 m²); weights are in
  :data:`TRIPS_PER_HOUSEHOLD`, :data:`TRANSIT_STOP_TRIPS` and :data:`DESTINATION_VISITS`.
  ``T_ij = O_i * D_j / sum(D) * exp(-beta d_ij)`` with ``d`` the shortest walking distance
  (trips longer than ``max_trip_m`` are not walked), every trip routed on its shortest path.
  Origins and destinations are gathered on their nearest street nodes (the walk from the
  door to the street joins the decay), and each origin node's trips are routed with one
  Dijkstra and accumulated back along its shortest-path tree (as in Brandes' algorithm):
  O(E log V) per origin node, never one path per pair. ``footfall_index`` is
  ``100 * log1p(flow) / log1p(max flow)``: flows span orders of magnitude, and the log
  keeps the quiet streets apart from each other as well as from the busy ones.

Edge betweenness (:func:`edge_betweenness`) is computed beside the gravity flows for
comparison. Betweenness counts every shortest path between every pair of street nodes
once, whatever their length and whoever is at either end: it rewards the through-routes of
the graph's geometry and knows nothing of where people are. The gravity model weights each
trip by how many people live or arrive at its start, how much draws them to its end and how
far apart the two are, so its flows gather on the short walks between homes, stations,
shops and restaurants. In central Helsinki betweenness ranks the waterfront and park routes
high (Kaisaniemenranta, Siltavuorenpenger, the paths of the Botanic Garden, which no trip
starts or ends at and which the gravity model leaves empty), while the gravity model ranks
the shopping and residential grid south-west of the Esplanadi (Annankatu, Uudenmaankatu,
Korkeavuorenkatu) and the pedestrian streets higher; see ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry import MultiPolygon
from shapely.ops import substring
from sqlalchemy import Engine
from tqdm import tqdm

from geocrm import hexgrid
from geocrm.db import bulk_transaction, copy_rows, ewkb_hex, loaded_city, query
from geocrm.errors import InvalidInput, NotFound
from geocrm.geometry import Point
from geocrm.osm import street_graph
from geocrm.settings import NETWORK_DEFAULTS

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
#: Street-side margin (m) of an isochrone: the frontage reached from a street.
STREET_MARGIN_M = {"walk": 30.0, "drive": 50.0}
#: Floor of the Huff model's travel time, so that a store's own cell does not take it all.
MIN_TRAVEL_MINUTES = 0.5

#: Foot traffic: walking trips a day from a household, and from a transit stop (people
#: getting off). Only relative sizes matter: the footfall index is relative.
TRIPS_PER_HOUSEHOLD = 2.0
TRANSIT_STOP_TRIPS = 200.0
#: Floor area (m²) per household (residential buildings) and per workplace (office,
#: commercial, retail), used where the enrichment has not estimated them.
FLOOR_M2_PER_HOUSEHOLD = 70.0
FLOOR_M2_PER_WORKPLACE = 25.0
#: Storeys of a building OSM gives no ``building:levels`` for (central Helsinki's blocks).
DEFAULT_LEVELS = 4
#: Visits a day that draw walking trips, by kind of destination ("workplace" is per job).
DESTINATION_VISITS = {
    "shop": 100.0,
    "food_and_drink": 150.0,
    "service": 50.0,
    "sight": 50.0,
    "transit": 200.0,
    "workplace": 2.0,
}
#: ``amenity`` values that are food and drink, services and (``tourism``) sights; other
#: POIs (benches, vending machines, parking, bicycle racks...) draw no trips of their own.
FOOD_AND_DRINK = frozenset(
    {"restaurant", "cafe", "bar", "pub", "fast_food", "food_court", "ice_cream", "nightclub"}
)
SERVICES = frozenset(
    {
        "bank",
        "pharmacy",
        "library",
        "theatre",
        "cinema",
        "arts_centre",
        "post_office",
        "marketplace",
        "townhall",
        "university",
        "college",
        "school",
        "place_of_worship",
        "doctors",
        "dentist",
        "clinic",
        "community_centre",
        "bus_station",
    }
)
SIGHTS = frozenset({"museum", "gallery", "attraction", "hotel", "hostel", "viewpoint"})


# -- graphs as arrays -------------------------------------------------------------------------
class _LocalMetric:
    """The UTM zone of an area (from its mean coordinates) and transforms to and fro.

    UTM keeps lengths within 0.1% across a zone, so buffers in metres are true anywhere.
    """

    def __init__(self, lon: np.ndarray, lat: np.ndarray):
        zone = int((float(np.mean(lon)) + 180.0) // 6.0) % 60 + 1
        self.crs = pyproj.CRS.from_epsg((32600 if np.mean(lat) >= 0 else 32700) + zone)
        self._forward = pyproj.Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        self._back = pyproj.Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)

    def xy(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._forward.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x), np.asarray(y)

    def to_metric(self, geoms):
        return shapely.transform(geoms, lambda c: np.column_stack(self._forward.transform(*c.T)))

    def to_lonlat(self, geoms):
        return shapely.transform(geoms, lambda c: np.column_stack(self._back.transform(*c.T)))


@dataclass
class _Network:
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
    metric: _LocalMetric
    _tree: shapely.STRtree | None = None

    @property
    def size(self) -> int:
        return len(self.node_ids)

    def adjacency(self, weight: np.ndarray, *, reverse: bool) -> list[list[tuple]]:
        """Per node, ``(weight, neighbour, edge)`` of its out-edges (in-edges if ``reverse``)."""
        adjacency: list[list[tuple]] = [[] for _ in range(self.size)]
        tails, heads = (self.v, self.u) if reverse else (self.u, self.v)
        for edge, (tail, head, w) in enumerate(
            zip(tails.tolist(), heads.tolist(), weight.tolist(), strict=True)
        ):
            adjacency[tail].append((w, head, edge))
        return adjacency

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


def _network(graph: nx.MultiDiGraph, *, timed: bool = False) -> _Network:
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
    return _Network(
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
        metric=_LocalMetric(lon, lat),
    )


def _dijkstra(
    adjacency: list[list[tuple]], sources: dict[int, float], cutoff: float = math.inf
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


# -- inputs --------------------------------------------------------------------------------------
def _check_mode(mode: str, graph: nx.MultiDiGraph | None = None) -> None:
    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {list(MODES)}, not {mode!r}")
    built_for = graph.graph.get("mode") if graph is not None else None
    if built_for is not None and built_for != mode:
        raise InvalidInput(f"mode is {mode!r} but the graph is the {built_for!r} network")


def _points_frame(frame: pd.DataFrame, columns: Sequence[str], what: str) -> pd.DataFrame:
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


def _sorted_positive(values: Sequence[float], what: str) -> list[float]:
    out = sorted({float(v) for v in values})
    if not out or out[0] <= 0:
        raise InvalidInput(f"{what} must be one or more positive numbers, not {list(values)}")
    return out


def _multipolygon(geom) -> MultiPolygon:
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

    Parameters
    ----------
    engine : the database.
    dataset : the loaded city; ``None`` for the most recently loaded one.
    mode : ``"walk"`` or ``"drive"``.
    """
    _check_mode(mode)
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
    graph.graph.update(mode=mode, dataset=city.name)
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


# -- isochrones and rings --------------------------------------------------------------------
def _reachable_streets(
    net: _Network,
    lines_m: np.ndarray,
    time_to_store: np.ndarray,
    budget_s: float,
    already_whole: np.ndarray,
) -> tuple[list, np.ndarray]:
    """Metric pieces of edges from which the store is reached within ``budget_s``.

    A point at fraction ``f`` along edge ``u -> v`` needs ``(1 - f) * t_uv + T(v)``, so the
    reachable piece is the edge's last ``(budget - T(v)) / t_uv``. Edges already whole in a
    shorter band are left out (that band's polygon covers them). Returns the pieces and
    which edges are now whole.
    """
    left = budget_s - time_to_store[net.v]
    tt = net.travel_time
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(tt > 0, left / np.where(tt > 0, tt, 1.0), (left >= 0).astype(float))
    share = np.clip(np.nan_to_num(share, nan=0.0, neginf=0.0), 0.0, 1.0)
    whole = share >= 1.0
    new_whole = whole & ~already_whole
    # a two-way street is two directed edges with the same geometry: keep one
    _, first = np.unique(net.street_id[new_whole], return_index=True)
    pieces = list(lines_m[new_whole][first])
    partial = np.flatnonzero((share > 0) & ~whole)
    pieces += [substring(lines_m[e], 1.0 - share[e], 1.0, normalized=True) for e in partial]
    return pieces, whole


def isochrones(
    graph: nx.MultiDiGraph,
    stores: pd.DataFrame,
    minutes: Sequence[float],
    mode: str,
    *,
    progress: bool = False,
) -> gpd.GeoDataFrame:
    """Areas from which each store is reached within each number of minutes, on the streets.

    A store is snapped to its nearest node (the straight-line walk to it is added at walking
    speed), one Dijkstra gives every node's time to the store, and each band is the union of
    the reachable (parts of) edges, buffered by :data:`STREET_MARGIN_M` in the city's UTM
    zone. Bands are nested: each contains the shorter ones. A band nothing is reached in
    (a store far from every street) has no row.

    Parameters
    ----------
    graph : :func:`travel_graph` of ``mode``.
    stores : ``store_id``, ``lon``, ``lat``.
    minutes : the bands, e.g. ``(5, 10, 15)``.
    mode : ``"walk"`` or ``"drive"`` (sets the margin; must match the graph).
    progress : show a progress bar over the stores.

    Returns
    -------
    GeoDataFrame with ``store_id``, ``mode``, ``minutes`` and ``geometry`` (MultiPolygon,
    lon/lat, EPSG:4326).
    """
    _check_mode(mode, graph)
    bands = _sorted_positive(minutes, "minutes")
    stores = _points_frame(stores, ("store_id", "lon", "lat"), "stores")
    net = _network(graph, timed=True)
    lines_m = net.metric.to_metric(net.geometry)
    to_store = net.adjacency(net.travel_time, reverse=True)
    nodes, access_m = net.snap(stores["lon"], stores["lat"])
    store_x, store_y = net.metric.xy(stores["lon"], stores["lat"])
    node_x, node_y = net.metric.xy(net.lon[nodes], net.lat[nodes])
    margin = STREET_MARGIN_M[mode]
    rows = []
    for i, store_id in enumerate(
        tqdm(stores["store_id"], desc=f"{mode} isochrones", unit=" store", disable=not progress)
    ):
        access_s = access_m[i] / WALK_SPEED_M_S
        time_to_store = np.asarray(
            _dijkstra(to_store, {int(nodes[i]): access_s}, bands[-1] * 60)[0]
        )
        access_line = shapely.linestrings([[store_x[i], store_y[i]], [node_x[i], node_y[i]]])
        area = shapely.Polygon()
        whole = np.zeros(len(net.u), dtype=bool)
        for band in bands:
            budget = band * 60.0
            pieces, whole = _reachable_streets(net, lines_m, time_to_store, budget, whole)
            if access_m[i] > 0:  # the walk between the store and the street
                reach = min(1.0, budget * WALK_SPEED_M_S / access_m[i])
                pieces.append(substring(access_line, 0.0, reach, normalized=True))
            # union of small buffers: far faster in GEOS than buffering one multi-line;
            # the previous band is in the union, so bands are nested by construction
            area = shapely.union_all([area, *shapely.buffer(pieces, margin, quad_segs=4)])
            if not area.is_empty:
                rows.append((store_id, mode, band, area))
    frame = pd.DataFrame(rows, columns=["store_id", "mode", "minutes", "geometry"])
    geometry = net.metric.to_lonlat(frame["geometry"].to_numpy())
    return gpd.GeoDataFrame(
        frame.drop(columns="geometry"),
        geometry=[_multipolygon(g) for g in geometry],
        crs="EPSG:4326",
    )


def rings(stores: pd.DataFrame, radii_m: Sequence[float]) -> gpd.GeoDataFrame:
    """Circles of given radii around each store, geodesically correct.

    Each store's circles are buffered in an azimuthal equidistant projection centred on the
    store, where distances from the centre are true on the ellipsoid.

    Parameters
    ----------
    stores : ``store_id``, ``lon``, ``lat``.
    radii_m : radii in metres, e.g. ``(500, 1000, 2000)``.

    Returns
    -------
    GeoDataFrame with ``store_id``, ``radius_m`` and ``geometry`` (MultiPolygon, lon/lat).
    """
    radii = _sorted_positive(radii_m, "radii_m")
    stores = _points_frame(stores, ("store_id", "lon", "lat"), "stores")
    rows, geometry = [], []
    for store_id, lon, lat in stores[["store_id", "lon", "lat"]].itertuples(index=False):
        local = pyproj.CRS.from_proj4(
            f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs"
        )
        back = pyproj.Transformer.from_crs(local, "EPSG:4326", always_xy=True)
        circles = shapely.buffer(shapely.points(np.zeros(len(radii)), 0.0), radii, quad_segs=32)
        lonlat = shapely.transform(circles, lambda c, t=back: np.column_stack(t.transform(*c.T)))
        rows += [(store_id, radius) for radius in radii]
        geometry += [_multipolygon(g) for g in lonlat]
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["store_id", "radius_m"]), geometry=geometry, crs="EPSG:4326"
    )


# -- the Huff model ---------------------------------------------------------------------------
def huff_model(
    graph: nx.MultiDiGraph,
    stores: pd.DataFrame,
    cells: Sequence[int],
    mode: str,
    *,
    decay: float = 2.0,
    progress: bool = False,
) -> pd.DataFrame:
    """Probability that a shopper in each H3 cell patronises each store (Huff model).

    ``P(j | i) = A_j t_ij^-decay / sum_k A_k t_ik^-decay``, ``t_ij`` the network travel time
    (minutes) from the cell's centre to store ``j``: the centre and the store are snapped to
    their nearest nodes, the straight-line walks to them are added at walking speed, and
    times are floored at :data:`MIN_TRAVEL_MINUTES`. One Dijkstra per store. Cells from
    which no store can be reached are left out.

    Parameters
    ----------
    graph : :func:`travel_graph` of ``mode``.
    stores : ``store_id``, ``lon``, ``lat``, ``attractiveness`` (> 0).
    cells : H3 cell ids (see :mod:`geocrm.hexgrid`), usually the city at ``HUFF_RES``.
    mode : ``"walk"`` or ``"drive"``.
    decay : the distance-decay exponent.
    progress : show a progress bar over the stores.

    Returns
    -------
    DataFrame with ``h3``, ``store_id``, ``mode``, ``travel_minutes``, ``probability``; the
    probabilities of a cell sum to 1.
    """
    _check_mode(mode, graph)
    stores = _points_frame(stores, ("store_id", "lon", "lat", "attractiveness"), "stores")
    attractiveness = stores["attractiveness"].to_numpy(dtype=float)
    if (attractiveness <= 0).any():
        raise InvalidInput("Store attractiveness must be positive.")
    if decay <= 0:
        raise InvalidInput(f"decay must be positive, not {decay}")
    cell_ids = np.unique(np.asarray(list(cells), dtype=np.int64))
    if cell_ids.size == 0:
        raise InvalidInput("No H3 cells given: there is nowhere to compute the Huff model for.")
    net = _network(graph, timed=True)
    to_store = net.adjacency(net.travel_time, reverse=True)
    cell_nodes, cell_access_m = net.snap(*hexgrid.cell_centroids(cell_ids))
    store_nodes, store_access_m = net.snap(stores["lon"], stores["lat"])
    seconds = np.empty((cell_ids.size, len(stores)))
    for j in tqdm(range(len(stores)), desc=f"{mode} Huff", unit=" store", disable=not progress):
        sources = {int(store_nodes[j]): store_access_m[j] / WALK_SPEED_M_S}
        time_to_store = np.asarray(_dijkstra(to_store, sources)[0])
        seconds[:, j] = time_to_store[cell_nodes] + cell_access_m / WALK_SPEED_M_S
    travel_minutes = np.maximum(seconds / 60.0, MIN_TRAVEL_MINUTES)
    utility = attractiveness[None, :] * travel_minutes**-decay  # unreachable: inf**-d == 0
    total = utility.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        probability = np.clip(utility / total, 0.0, 1.0)
    keep = np.isfinite(travel_minutes) & (total > 0)
    cell_index, store_index = np.nonzero(keep)
    return pd.DataFrame(
        {
            "h3": cell_ids[cell_index],
            "store_id": stores["store_id"].to_numpy()[store_index],
            "mode": mode,
            "travel_minutes": travel_minutes[keep],
            "probability": probability[keep],
        }
    )


def huff_trade_areas(
    huff: pd.DataFrame, *, primary: float = 0.6, secondary: float = 0.3
) -> gpd.GeoDataFrame:
    """Primary and secondary trade areas of each store from the Huff model.

    Parameters
    ----------
    huff : :func:`huff_model`'s rows (``h3``, ``store_id``, ``mode``, ``probability``).
    primary : the probability from which a cell is in a store's primary trade area.
    secondary : the probability from which (below ``primary``) it is in the secondary one.

    Returns
    -------
    GeoDataFrame with ``store_id``, ``mode``, ``kind`` (``huff_primary``,
    ``huff_secondary``) and ``geometry``: the union of the cells' hexagons (MultiPolygon,
    lon/lat). A store with no such cell has no row.
    """
    missing = {"h3", "store_id", "mode", "probability"} - set(huff.columns)
    if missing:
        raise InvalidInput(f"The Huff rows lack the column(s) {sorted(missing)}")
    if not 0 < secondary < primary <= 1:
        raise InvalidInput(
            f"Need 0 < secondary < primary <= 1, not secondary {secondary}, primary {primary}"
        )
    kind = np.select(
        [huff["probability"] >= primary, huff["probability"] >= secondary],
        ["huff_primary", "huff_secondary"],
        default="",
    )
    chosen = huff.assign(kind=kind)[kind != ""]
    cells = chosen["h3"].unique()
    # snapped to a 0.1 mm grid so that neighbouring hexagons share their vertices exactly
    hexagons = dict(
        zip(cells, shapely.set_precision(hexgrid.cell_boundaries(cells), 1e-9), strict=True)
    )
    rows = [
        (store_id, mode, kind, _multipolygon(shapely.union_all([hexagons[c] for c in group])))
        for (store_id, mode, kind), group in chosen.groupby(["store_id", "mode", "kind"])["h3"]
    ]
    frame = pd.DataFrame(rows, columns=["store_id", "mode", "kind", "geometry"])
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


# -- foot traffic ----------------------------------------------------------------------------
def trip_ends(places: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Origins and destinations of walking trips (``lon``, ``lat``, ``weight``) from places.

    Parameters
    ----------
    places : rows of ``spatial_sql/queries/network/footfall_places.sql``: ``source``
        (``building`` / ``poi``), ``kind`` (building class or POI category),
        ``subcategory``, ``area_m2``, ``levels``, ``households_est``, ``workplaces_est``,
        ``lon``, ``lat``.

    Returns
    -------
    (origins, destinations), weighted as the module docstring says.
    """
    buildings = places[places["source"] == "building"]
    pois = places[places["source"] == "poi"]
    floor_m2 = buildings["area_m2"] * buildings["levels"].fillna(DEFAULT_LEVELS).clip(lower=1)
    households = buildings["households_est"].fillna(floor_m2 / FLOOR_M2_PER_HOUSEHOLD)
    workplaces = buildings["workplaces_est"].fillna(floor_m2 / FLOOR_M2_PER_WORKPLACE)
    homes = buildings["kind"] == "residential"
    stops = pois[pois["kind"] == "transit"]

    origins = pd.concat(
        [
            buildings.loc[homes, ["lon", "lat"]].assign(
                weight=TRIPS_PER_HOUSEHOLD * households[homes]
            ),
            stops[["lon", "lat"]].assign(weight=TRANSIT_STOP_TRIPS),
        ],
        ignore_index=True,
    )
    poi_kind = np.select(
        [
            pois["kind"] == "shop",
            (pois["kind"] == "amenity") & pois["subcategory"].isin(FOOD_AND_DRINK),
            (pois["kind"] == "amenity") & pois["subcategory"].isin(SERVICES),
            (pois["kind"] == "tourism") & pois["subcategory"].isin(SIGHTS),
            pois["kind"] == "transit",
        ],
        ["shop", "food_and_drink", "service", "sight", "transit"],
        default="",
    )
    visits = pd.Series(poi_kind, index=pois.index).map(DESTINATION_VISITS).fillna(0.0)
    destinations = pd.concat(
        [
            pois[["lon", "lat"]].assign(weight=visits),
            buildings.loc[~homes, ["lon", "lat"]].assign(
                weight=DESTINATION_VISITS["workplace"] * workplaces[~homes]
            ),
        ],
        ignore_index=True,
    )
    return (
        origins[origins["weight"] > 0].reset_index(drop=True),
        destinations[destinations["weight"] > 0].reset_index(drop=True),
    )


def _accumulate_trips(
    flow: list[float], trips: list[float], order: list[int], pred: list[int], tails: list[int]
) -> None:
    """Add one origin's trips to the flow of the edges of its shortest-path tree.

    ``trips[n]`` are the trips ending at node ``n``; going through the nodes farthest
    first, each node hands what ends at or passes through it to the edge it is reached by
    and on to that edge's tail, so every edge gets the trips of its whole subtree.
    """
    for node in reversed(order):
        passing = trips[node]
        edge = pred[node]
        if passing == 0.0 or edge < 0:
            continue
        flow[edge] += passing
        trips[tails[edge]] += passing


def footfall(
    graph_walk: nx.MultiDiGraph,
    origins: pd.DataFrame,
    destinations: pd.DataFrame,
    *,
    beta_per_m: float = 0.002,
    max_trip_m: float = 1500.0,
    progress: bool = False,
) -> pd.DataFrame:
    """Pedestrian flow on every street of the walk network from a gravity model of trips.

    ``T_ij = O_i * D_j / sum(D) * exp(-beta_per_m * d_ij)`` walked on the shortest path
    (``d`` in metres, door to door: the walks between the doors and the nearest street nodes
    count); trips longer than ``max_trip_m`` on the network are not walked. One Dijkstra
    per origin node, flows accumulated along its shortest-path tree.

    Parameters
    ----------
    graph_walk : the walk network (:func:`travel_graph` or :func:`geocrm.osm.street_graph`).
    origins, destinations : ``lon``, ``lat``, ``weight`` (>= 0); see :func:`trip_ends`.
    beta_per_m : distance decay per metre (0.002: a trip of 350 m is half as likely as a
        trip next door).
    max_trip_m : the longest walk on the network.
    progress : show a progress bar over the origins.

    Returns
    -------
    DataFrame with ``street_id``, ``flow`` (trips a day, both directions) and
    ``footfall_index`` (0..100, ``100 * log1p(flow) / log1p(max flow)``), one row per
    street of the graph.
    """
    origins = _points_frame(origins, ("lon", "lat", "weight"), "origins")
    destinations = _points_frame(destinations, ("lon", "lat", "weight"), "destinations")
    if (origins["weight"] < 0).any() or (destinations["weight"] < 0).any():
        raise InvalidInput("Origin and destination weights must not be negative.")
    if beta_per_m < 0 or max_trip_m <= 0:
        raise InvalidInput("beta_per_m must be >= 0 and max_trip_m > 0.")
    total_visits = destinations["weight"].sum()
    if total_visits <= 0 or origins["weight"].sum() <= 0:
        raise InvalidInput("Origins and destinations need some positive weight.")
    net = _network(graph_walk)

    def at_nodes(points: pd.DataFrame) -> np.ndarray:
        node, access_m = net.snap(points["lon"], points["lat"])
        # exp(-b (a + d + a')) = exp(-b a) exp(-b d) exp(-b a'): the door-to-street walks
        # go into the weights gathered on the nodes
        weight = points["weight"].to_numpy(dtype=float) * np.exp(-beta_per_m * access_m)
        return np.bincount(node, weights=weight, minlength=net.size)

    produced = at_nodes(origins)
    attracted = at_nodes(destinations) / total_visits
    adjacency = net.adjacency(net.length, reverse=False)
    tails = net.u.tolist()
    flow = [0.0] * len(net.u)
    starts = np.flatnonzero(produced > 0)
    for origin in tqdm(starts, desc="foot traffic", unit=" origin", disable=not progress):
        dist, pred, order = _dijkstra(adjacency, {int(origin): 0.0}, max_trip_m)
        reached = np.asarray(order)
        trips = np.zeros(net.size)
        trips[reached] = attracted[reached] * np.exp(-beta_per_m * np.asarray(dist)[reached])
        _accumulate_trips(flow, (produced[origin] * trips).tolist(), order, pred, tails)
    per_street = (
        pd.DataFrame({"street_id": net.street_id, "flow": flow})
        .groupby("street_id", as_index=False)["flow"]
        .sum()
    )
    busiest = per_street["flow"].max()
    per_street["footfall_index"] = (
        100.0 * np.log1p(per_street["flow"]) / np.log1p(busiest) if busiest > 0 else 0.0
    )
    return per_street


def edge_betweenness(
    graph_walk: nx.MultiDiGraph, *, k: int | None = None, seed: int = 0
) -> pd.DataFrame:
    """Edge betweenness of every street (networkx, shortest paths by length).

    Parameters
    ----------
    graph_walk : the walk network.
    k : sample this many source nodes (``None``: all of them, exact but slow).
    seed : the sample's random seed.

    Returns
    -------
    DataFrame with ``street_id`` and ``betweenness`` (normalised, both directions summed).
    """
    if k is not None and k <= 0:
        raise InvalidInput(f"k must be a positive number of sources, not {k}")
    # one edge per direction (the shortest of parallel ones) keeps networkx on its fast path
    simple = nx.DiGraph()
    simple.add_nodes_from(graph_walk.nodes)
    for u, v, data in graph_walk.edges(data=True):
        if not simple.has_edge(u, v) or data["length"] < simple[u][v]["length"]:
            simple.add_edge(u, v, length=data["length"], street_id=data["street_id"])
    if k is not None and k >= simple.number_of_nodes():
        k = None
    scores = nx.edge_betweenness_centrality(simple, k=k, weight="length", seed=seed)
    frame = pd.DataFrame(
        {
            "street_id": [simple[u][v]["street_id"] for u, v in scores],
            "betweenness": list(scores.values()),
        }
    )
    streets = pd.DataFrame(
        {"street_id": sorted({d["street_id"] for _, _, d in graph_walk.edges(data=True)})}
    )
    summed = frame.groupby("street_id", as_index=False)["betweenness"].sum()
    return streets.merge(summed, on="street_id", how="left").fillna({"betweenness": 0.0})


# -- all layers of a city, written in one transaction ----------------------------------------
def compute_network_layers(
    engine: Engine,
    dataset: str | None = None,
    *,
    walk_minutes: Sequence[float] = NETWORK_DEFAULTS["walk_minutes"],
    drive_minutes: Sequence[float] = NETWORK_DEFAULTS["drive_minutes"],
    ring_radii_m: Sequence[float] = NETWORK_DEFAULTS["ring_radii_m"],
    decay: float = NETWORK_DEFAULTS["decay"],
    betweenness_k: int | None = 200,
    progress: bool = True,
) -> dict:
    """Trade areas, the Huff model and foot traffic for every store of a city, stored.

    Computes isochrones (walk and drive), rings, the Huff model on the city's H3 cells at
    ``hexgrid.HUFF_RES`` (its primary / secondary trade areas too), foot traffic and edge
    betweenness, then replaces ``crm.trade_areas``, ``crm.huff_cells`` and the city's
    ``ref.street_footfall`` in one transaction.

    Parameters
    ----------
    engine : the database.
    dataset : the loaded city; ``None`` for the most recently loaded one.
    walk_minutes, drive_minutes : isochrone bands.
    ring_radii_m : ring radii in metres.
    decay : the Huff model's distance-decay exponent.
    betweenness_k : source nodes sampled for edge betweenness (``None``: all, slow; 200 of
        Helsinki's 5,559 give the same scores as 500 to a correlation of 0.99).
    progress : show progress bars.

    Returns
    -------
    Counts of what was written (``stores``, ``isochrones``, ``rings``, ``huff_cells``,
    ``huff_trade_areas``, ``street_footfall``, ``cells``) and ``<stage>_seconds``.
    """
    summary: dict = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        summary[f"{stage}_seconds"] = round(now - clock, 3)
        clock = now

    with engine.connect() as conn:
        city = loaded_city(conn, dataset)
        stores = pd.read_sql(query("network/stores"), conn)
        places = pd.read_sql(
            query("network/footfall_places"), conn, params={"dataset_id": city.dataset_id}
        )
    if stores.empty:
        raise NotFound("No stores: import stores (crm.stores) or run `geocrm demo-data` first.")
    graphs = {mode: travel_graph(engine, city.name, mode) for mode in MODES}
    cells = hexgrid.cover_cells(shapely.from_wkb(bytes(city.extent)), hexgrid.HUFF_RES)
    lap("graphs")

    bands = {"walk": walk_minutes, "drive": drive_minutes}
    areas = pd.concat(
        [isochrones(graphs[mode], stores, bands[mode], mode, progress=progress) for mode in MODES],
        ignore_index=True,
    )
    circles = rings(stores, ring_radii_m)
    lap("isochrones")
    huff = pd.concat(
        [
            huff_model(graphs[mode], stores, cells, mode, decay=decay, progress=progress)
            for mode in MODES
        ],
        ignore_index=True,
    )
    huff_areas = huff_trade_areas(huff)
    lap("huff")
    origins, destinations = trip_ends(places)
    flows = footfall(graphs["walk"], origins, destinations, progress=progress)
    lap("footfall")
    flows = flows.merge(edge_betweenness(graphs["walk"], k=betweenness_k), on="street_id")
    lap("betweenness")

    trade_area_rows = [
        *zip(
            areas["store_id"].tolist(),
            ["isochrone"] * len(areas),
            areas["mode"].tolist(),
            areas["minutes"].tolist(),
            [None] * len(areas),
            ewkb_hex(areas.geometry),
            strict=True,
        ),
        *zip(
            circles["store_id"].tolist(),
            ["ring"] * len(circles),
            [None] * len(circles),
            [None] * len(circles),
            circles["radius_m"].tolist(),
            ewkb_hex(circles.geometry),
            strict=True,
        ),
        *zip(
            huff_areas["store_id"].tolist(),
            huff_areas["kind"].tolist(),
            huff_areas["mode"].tolist(),
            [None] * len(huff_areas),
            [None] * len(huff_areas),
            ewkb_hex(huff_areas.geometry),
            strict=True,
        ),
    ]
    with bulk_transaction(engine) as conn:
        conn.execute(query("network/delete_trade_areas"))
        conn.execute(query("network/delete_huff_cells"))
        conn.execute(query("network/delete_street_footfall"), {"dataset_id": city.dataset_id})
        copy_rows(
            conn,
            "crm.trade_areas",
            ("store_id", "kind", "mode", "minutes", "radius_m", "geom"),
            trade_area_rows,
        )
        huff_columns = ("h3", "store_id", "mode", "travel_minutes", "probability")
        copy_rows(
            conn,
            "crm.huff_cells",
            huff_columns,
            huff[list(huff_columns)].itertuples(index=False, name=None),
        )
        flow_columns = ("street_id", "flow", "footfall_index", "betweenness")
        copy_rows(
            conn,
            "ref.street_footfall",
            flow_columns,
            (
                (int(s), float(f), float(i), float(b))
                for s, f, i, b in flows[list(flow_columns)].itertuples(index=False, name=None)
            ),
        )
    lap("write")
    return {
        "stores": len(stores),
        "isochrones": len(areas),
        "rings": len(circles),
        "cells": len(cells),
        "huff_cells": len(huff),
        "huff_trade_areas": len(huff_areas),
        "street_footfall": len(flows),
        **summary,
    }


# -- the isochrone around any point (the web app's "isochrone around a point") ---------------
#: Longest trip of a point isochrone (minutes).
POINT_ISOCHRONE_MAX_MINUTES = 60.0
#: Farthest a point may be from the street network (m) to have an isochrone.
POINT_MAX_ACCESS_M = 1000.0
#: Most vertices of a point isochrone: it is simplified (a few metres at a time) down to this,
#: so that it can be saved as a target zone as it is.
POINT_ISOCHRONE_MAX_VERTICES = 5000


@dataclass
class _PointNetwork:
    """A travel graph prepared once for isochrones *from* points: the network reversed (so
    that times to a node of the reversed graph are times from the point on the real one, one
    way streets included) with edge geometries in metres and the adjacency to search."""

    net: _Network
    lines_m: np.ndarray
    adjacency: list[list[tuple]]


#: Graphs kept per process: (database, city, load time, mode) -> prepared network.
_POINT_NETWORKS: OrderedDict[tuple, _PointNetwork] = OrderedDict()
_POINT_NETWORKS_SIZE = 4
_POINT_NETWORKS_LOCK = threading.Lock()


def _reversed(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The graph with every edge turned round, its geometry too."""
    turned = graph.reverse(copy=True)
    for _, _, data in turned.edges(data=True):
        data["geometry"] = data["geometry"].reverse()
    return turned


def _point_network(engine: Engine, city, mode: str) -> _PointNetwork:
    """The prepared network of a city and mode, built once per process (and again when the
    city is re-loaded: its load time is part of the key)."""
    key = (str(engine.url), city.dataset_id, city.loaded_at, mode)
    with _POINT_NETWORKS_LOCK:
        prepared = _POINT_NETWORKS.get(key)
        if prepared is None:
            net = _network(_reversed(travel_graph(engine, city.name, mode)), timed=True)
            prepared = _PointNetwork(
                net=net,
                lines_m=net.metric.to_metric(net.geometry),
                adjacency=net.adjacency(net.travel_time, reverse=True),
            )
            _POINT_NETWORKS[key] = prepared
            while len(_POINT_NETWORKS) > _POINT_NETWORKS_SIZE:
                _POINT_NETWORKS.popitem(last=False)
        _POINT_NETWORKS.move_to_end(key)
        return prepared


def point_isochrone(
    engine: Engine,
    lon: float,
    lat: float,
    *,
    mode: str,
    minutes: float,
    dataset: str | None = None,
) -> tuple[MultiPolygon, float]:
    """The area reachable from a point within ``minutes`` on the loaded city's streets.

    The point is snapped to the nearest node of the street network (the walk to it is at
    walking speed); the area is the reachable (parts of) streets buffered by
    :data:`STREET_MARGIN_M`, as :func:`isochrones` draws a store's, but timed *from* the
    point (by car, one-way streets are driven their way). It is simplified to at most
    :data:`POINT_ISOCHRONE_MAX_VERTICES` vertices. The graphs are built once per process.

    Parameters
    ----------
    engine : the database.
    lon, lat : the point (WGS84); it must lie within the loaded city.
    mode : ``"walk"`` or ``"drive"``.
    minutes : travel time, 1..60.
    dataset : the loaded city; ``None`` for the most recently loaded one.

    Returns
    -------
    The area (MultiPolygon, lon/lat) and the distance in metres from the point to the
    street node it was snapped to.
    """
    _check_mode(mode)
    point = Point(lon=lon, lat=lat)
    if not (math.isfinite(minutes) and 1 <= minutes <= POINT_ISOCHRONE_MAX_MINUTES):
        raise InvalidInput(
            f"minutes must be within 1..{POINT_ISOCHRONE_MAX_MINUTES:g}, not {minutes}"
        )
    with engine.connect() as conn:
        city = loaded_city(conn, dataset)
        where = (
            conn.execute(
                query("network/city_contains"),
                {"dataset_id": city.dataset_id, "lon": point.lon, "lat": point.lat},
            )
            .mappings()
            .one()
        )
    if not where["inside"]:
        raise InvalidInput(
            f"the point {point.lon}, {point.lat} lies outside the loaded city {city.name!r} "
            f"(lon {where['west']:.4f}..{where['east']:.4f}, "
            f"lat {where['south']:.4f}..{where['north']:.4f})"
        )
    prepared = _point_network(engine, city, mode)
    net = prepared.net
    nodes, access = net.snap([point.lon], [point.lat])
    node, access_m = int(nodes[0]), float(access[0])
    if access_m > POINT_MAX_ACCESS_M:
        raise InvalidInput(
            f"the point {point.lon}, {point.lat} is {access_m:.0f} m from the nearest street "
            f"of the {mode} network (at most {POINT_MAX_ACCESS_M:g} m)"
        )
    budget = float(minutes) * 60.0
    times = np.asarray(_dijkstra(prepared.adjacency, {node: access_m / WALK_SPEED_M_S}, budget)[0])
    pieces, _ = _reachable_streets(
        net, prepared.lines_m, times, budget, np.zeros(len(net.u), dtype=bool)
    )
    x, y = net.metric.xy([point.lon, net.lon[node]], [point.lat, net.lat[node]])
    access_line = shapely.linestrings(np.column_stack([x, y]))
    if access_m > 0:  # the walk between the point and the street
        reach = min(1.0, budget * WALK_SPEED_M_S / access_m)
        pieces.append(substring(access_line, 0.0, reach, normalized=True))
    else:
        pieces.append(shapely.points(x[0], y[0]))
    area = shapely.union_all(shapely.buffer(pieces, STREET_MARGIN_M[mode], quad_segs=4))
    for tolerance in (1.0, 2.0, 5.0, 10.0, 20.0, 40.0):
        simpler = shapely.simplify(area, tolerance, preserve_topology=True)
        if shapely.get_num_coordinates(simpler) <= POINT_ISOCHRONE_MAX_VERTICES:
            break
    # on a 1e-7 degree grid (about 1 cm, the precision of the GeoJSON it is served as);
    # set_precision keeps it valid
    lonlat = shapely.set_precision(net.metric.to_lonlat(simpler), 1e-7)
    polygons = [g for g in shapely.get_parts(lonlat) if g.geom_type == "Polygon"]
    return MultiPolygon(polygons), access_m
