"""Foot traffic: a gravity model of walking trips on the walk network, and betweenness.

Trips start at homes (households: the enrichment's estimate, else residential floor area /
70 m², with four storeys when OSM does not say) and transit stops, and end at shops, food
and drink, services, sights, transit stops and workplaces (office, commercial and retail
floor area / 25 m²); weights are in :data:`TRIPS_PER_HOUSEHOLD`, :data:`TRANSIT_STOP_TRIPS`
and :data:`DESTINATION_VISITS`. ``T_ij = O_i * D_j / sum(D) * exp(-beta d_ij)`` with ``d``
the shortest walking distance (trips longer than ``max_trip_m`` are not walked), every trip
routed on its shortest path. Origins and destinations are gathered on their nearest street
nodes (the walk from the door to the street joins the decay), and each origin node's trips
are routed with one Dijkstra and accumulated back along its shortest-path tree (as in
Brandes' algorithm): O(E log V) per origin node, never one path per pair (see
:func:`gravity_flows`, which needs only arrays). ``footfall_index`` is
``100 * log1p(flow) / log1p(max flow)``: flows span orders of magnitude, and the log keeps
the quiet streets apart from each other as well as from the busy ones.

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

import networkx as nx
import numpy as np
import pandas as pd
from tqdm import tqdm

from geocrm.errors import InvalidInput
from geocrm.network.graphs import adjacency_lists, dijkstra, points_frame, street_network

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


# -- the maths --------------------------------------------------------------------------------
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


def gravity_flows(
    size: int,
    tails: np.ndarray,
    heads: np.ndarray,
    length: np.ndarray,
    produced: np.ndarray,
    attracted: np.ndarray,
    *,
    beta_per_m: float = 0.002,
    max_trip_m: float = 1500.0,
    progress: bool = False,
) -> np.ndarray:
    """Trips walked on every directed edge of a graph, from a gravity model.

    ``T_ij = produced_i * attracted_j * exp(-beta_per_m * d_ij)`` with ``d_ij`` the
    shortest distance from node ``i`` to node ``j`` (at most ``max_trip_m``; longer trips
    are not walked), every trip routed on its shortest path. One Dijkstra per producing node.

    Parameters
    ----------
    size : number of nodes (``0 .. size - 1``).
    tails, heads, length : the directed edges ``tails -> heads`` and their lengths (m).
    produced : ``(size,)`` trips starting at each node.
    attracted : ``(size,)`` the share of trips each node draws (``D_j / sum(D)``).
    beta_per_m : distance decay per metre.
    max_trip_m : the longest walk.
    progress : show a progress bar over the producing nodes.

    Returns
    -------
    ``(edges,)`` trips on each directed edge.
    """
    produced = np.asarray(produced, dtype=float)
    attracted = np.asarray(attracted, dtype=float)
    adjacency = adjacency_lists(size, tails, heads, length)
    tail_list = np.asarray(tails).tolist()
    flow = [0.0] * len(tail_list)
    starts = np.flatnonzero(produced > 0)
    for origin in tqdm(starts, desc="foot traffic", unit=" origin", disable=not progress):
        dist, pred, order = dijkstra(adjacency, {int(origin): 0.0}, max_trip_m)
        reached = np.asarray(order)
        trips = np.zeros(size)
        trips[reached] = attracted[reached] * np.exp(-beta_per_m * np.asarray(dist)[reached])
        _accumulate_trips(flow, (produced[origin] * trips).tolist(), order, pred, tail_list)
    return np.asarray(flow)


def footfall_index(flow: np.ndarray) -> np.ndarray:
    """``100 * log1p(flow) / log1p(max flow)``: 0..100, all 0 when nothing is walked."""
    flow = np.asarray(flow, dtype=float)
    busiest = flow.max() if flow.size else 0.0
    if busiest <= 0:
        return np.zeros_like(flow)
    return 100.0 * np.log1p(flow) / np.log1p(busiest)


# -- places, the walk network and betweenness ------------------------------------------------
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
    origins = points_frame(origins, ("lon", "lat", "weight"), "origins")
    destinations = points_frame(destinations, ("lon", "lat", "weight"), "destinations")
    if (origins["weight"] < 0).any() or (destinations["weight"] < 0).any():
        raise InvalidInput("Origin and destination weights must not be negative.")
    if beta_per_m < 0 or max_trip_m <= 0:
        raise InvalidInput("beta_per_m must be >= 0 and max_trip_m > 0.")
    total_visits = destinations["weight"].sum()
    if total_visits <= 0 or origins["weight"].sum() <= 0:
        raise InvalidInput("Origins and destinations need some positive weight.")
    net = street_network(graph_walk)

    def at_nodes(points: pd.DataFrame) -> np.ndarray:
        node, access_m = net.snap(points["lon"], points["lat"])
        # exp(-b (a + d + a')) = exp(-b a) exp(-b d) exp(-b a'): the door-to-street walks
        # go into the weights gathered on the nodes
        weight = points["weight"].to_numpy(dtype=float) * np.exp(-beta_per_m * access_m)
        return np.bincount(node, weights=weight, minlength=net.size)

    produced = at_nodes(origins)
    attracted = at_nodes(destinations) / total_visits
    flow = gravity_flows(
        net.size,
        net.u,
        net.v,
        net.length,
        produced,
        attracted,
        beta_per_m=beta_per_m,
        max_trip_m=max_trip_m,
        progress=progress,
    )
    per_street = (
        pd.DataFrame({"street_id": net.street_id, "flow": flow})
        .groupby("street_id", as_index=False)["flow"]
        .sum()
    )
    per_street["footfall_index"] = footfall_index(per_street["flow"].to_numpy())
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
