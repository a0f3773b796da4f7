"""Visit routes: the customers a rep visits on a day, in a good order on the streets.

Stops
    Either a hand-picked list of customer ids (kept in full, in any order, up to
    :data:`MAX_STOPS_LIMIT`), or the rep's *due* customers (``crm.customers.assigned_rep_id``,
    placed on the map), chosen by ``spatial_sql/queries/routes/due_customers.sql``:

    - ``visits``: field visits needed per month, the territories' workload formula
      (:mod:`geocrm.territories`): ``base(stage) + min(1, 0.25 x contacts in the last 90
      days / 3)``;
    - ``days_since``: days from the last field visit (an interaction of type ``visit`` on or
      before the day) to the day, capped at :data:`DUE_CAP_DAYS` (never visited = the cap);
    - ``owed = visits x days_since / 30``: the visits the rule expected since the last one.
      A customer is due when ``owed >= 1``; the most owed come first (then the longest
      since the last visit, then the lowest id), at most ``max_stops`` of them.

Travel times
    On the loaded city's street graph (:func:`geocrm.network.travel_graph`, drive by default
    or walk): driving at the posted ``maxspeed`` or the highway class's default
    (``network.DRIVE_SPEED_KMH``) times ``network.URBAN_FACTOR`` (0.6), walking at
    ``network.WALK_SPEED_M_S`` (4.8 km/h). The base (``crm.reps.home_base``) and each stop
    are snapped to the nearest node of the graph's main strongly connected part (the
    straight walk to it is added at walking speed, both ways). One Dijkstra per place (on
    ``travel_time``; its edges give the metres and the geometry of each leg) fills the
    travel-time matrix. Graphs are built once per process (and again when the city is
    re-loaded).

The day
    Start at the base at ``start`` (default 08:00), a fixed ``service_minutes`` per visit
    (default 20), back at the base within ``day_hours`` (default 8 h).

Solver
    Google OR-Tools' vehicle routing (``pywrapcp``): one vehicle, the base as depot, the
    arc cost is the travel time in whole seconds, a ``Time`` dimension (travel + service)
    capped at the day limit, and every stop in a disjunction with a penalty of
    :data:`DROP_PENALTY_S` (ten working days: dropping a stop never pays while it fits), so
    stops that do not fit are left out and reported as ``unscheduled``. First solution
    ``PATH_CHEAPEST_ARC``, improved by ``GUIDED_LOCAL_SEARCH`` for ``time_limit_s`` (1 s).
    The result is a good tour, not a proven optimum.

Baseline
    A nearest-neighbour tour of the same (scheduled) stops: from the base always to the
    nearest (by travel time) stop not yet visited, then home. Both totals are reported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from shapely.geometry import LineString, MultiLineString, mapping
from sqlalchemy import Engine

from geocrm import network
from geocrm.db import loaded_city, query
from geocrm.errors import InvalidInput, NotFound

#: The travel modes routes are planned for.
MODES = ("drive", "walk")
#: Default and largest number of stops of a day.
DEFAULT_MAX_STOPS = 12
MAX_STOPS_LIMIT = 40
#: Minutes spent at each customer.
DEFAULT_SERVICE_MINUTES = 20.0
#: The working day: its start (local time at the base) and length.
DEFAULT_START = dt.time(8, 0)
DEFAULT_DAY_HOURS = 8.0
#: A never-visited customer counts as this many days since the last visit (and no customer
#: counts more).
DUE_CAP_DAYS = 90
#: OR-Tools' guided local search runs this long (seconds).
DEFAULT_TIME_LIMIT_S = 1.0
#: Penalty (seconds of travel) for leaving a stop out: ten 8-hour days.
DROP_PENALTY_S = 10 * 8 * 3600
#: Columns of the CSV export, one row per scheduled stop.
CSV_COLUMNS = (
    "order",
    "customer_id",
    "name",
    "address",
    "lon",
    "lat",
    "arrival",
    "departure",
    "leg_minutes",
    "leg_metres",
)


@dataclass
class _Graph:
    """A travel graph as arrays, with the adjacency to search (built once per process)."""

    net: Any  # network._Network
    adjacency: list[list[tuple]]


_GRAPHS: OrderedDict[tuple, _Graph] = OrderedDict()
_GRAPHS_SIZE = 4
_GRAPHS_LOCK = threading.Lock()


def _graph(engine: Engine, city, mode: str) -> _Graph:
    """The prepared travel graph of a city and mode, cached per process."""
    key = (str(engine.url), city.dataset_id, city.loaded_at, mode)
    with _GRAPHS_LOCK:
        prepared = _GRAPHS.get(key)
        if prepared is None:
            net = network._network(network.travel_graph(engine, city.name, mode), timed=True)
            prepared = _Graph(net=net, adjacency=net.adjacency(net.travel_time, reverse=False))
            _GRAPHS[key] = prepared
            while len(_GRAPHS) > _GRAPHS_SIZE:
                _GRAPHS.popitem(last=False)
        _GRAPHS.move_to_end(key)
        return prepared


# -- stops --------------------------------------------------------------------------------------
def _rep(conn, rep_id: int) -> dict:
    row = conn.execute(query("routes/rep"), {"rep_id": rep_id}).mappings().first()
    if row is None:
        raise NotFound(f"No rep {rep_id}.")
    return dict(row)


def _stops(
    conn, rep_id: int, day: dt.date, customer_ids: Sequence[int] | None, max_stops: int
) -> list[dict]:
    """The stops: the hand-picked customers (all of them) or the rep's most due ones."""
    if customer_ids is not None:
        ids = list(dict.fromkeys(int(c) for c in customer_ids))
        if not ids:
            raise InvalidInput("customer_ids is empty: give at least one customer id.")
        if len(ids) > MAX_STOPS_LIMIT:
            raise InvalidInput(f"At most {MAX_STOPS_LIMIT} customers a day, not {len(ids)}.")
        rows = [dict(r) for r in conn.execute(query("routes/customers"), {"ids": ids}).mappings()]
        missing = sorted(set(ids) - {r["customer_id"] for r in rows})
        if missing:
            raise InvalidInput(f"Unknown customer id(s): {missing}.")
        unplaced = [r["customer_id"] for r in rows if r["lon"] is None]
        if unplaced:
            raise InvalidInput(
                f"Customer(s) {unplaced} are not on the map (no location): geocode them first."
            )
        return rows
    rows = conn.execute(
        query("routes/due_customers"),
        {"rep_id": rep_id, "day": day, "cap_days": DUE_CAP_DAYS, "max_stops": max_stops},
    ).mappings()
    return [dict(r) for r in rows]


# -- the matrix ---------------------------------------------------------------------------------
@dataclass
class _Matrix:
    seconds: np.ndarray  # [i, j]: travel time from place i to place j (0 = the base)
    metres: np.ndarray
    paths: dict[tuple[int, int], list[int]]  # edges of the leg i -> j
    nodes: np.ndarray
    access_m: np.ndarray


def _matrix(graph: _Graph, lon: Sequence[float], lat: Sequence[float]) -> _Matrix:
    """Travel times, metres and edge paths between every pair of places."""
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
        dist, pred, _ = network._dijkstra(graph.adjacency, {int(nodes[i]): 0.0})
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
    return _Matrix(seconds=seconds, metres=metres, paths=paths, nodes=nodes, access_m=access_m)


# -- solving ------------------------------------------------------------------------------------
def solve_ortools(
    seconds: np.ndarray,
    service_s: float,
    limit_s: float,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> list[int]:
    """The order of the places (indices, the base 0 left out) of an OR-Tools tour.

    One vehicle from and back to place 0, the day capped at ``limit_s`` (travel plus
    ``service_s`` at each stop); stops that do not fit are dropped (see the module doc).
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(seconds)
    if n <= 1:
        return []
    whole = np.rint(seconds).astype(np.int64)
    service = round(service_s)
    manager = pywrapcp.RoutingIndexManager(n, 1, 0)
    routing = pywrapcp.RoutingModel(manager)

    def travel(a: int, b: int) -> int:
        return int(whole[manager.IndexToNode(a), manager.IndexToNode(b)])

    def busy(a: int, b: int) -> int:
        i = manager.IndexToNode(a)
        return int(whole[i, manager.IndexToNode(b)]) + (service if i != 0 else 0)

    travel_index = routing.RegisterTransitCallback(travel)
    busy_index = routing.RegisterTransitCallback(busy)
    routing.SetArcCostEvaluatorOfAllVehicles(travel_index)
    routing.AddDimension(busy_index, 0, int(limit_s), True, "Time")
    for node in range(1, n):
        routing.AddDisjunction([manager.NodeToIndex(node)], DROP_PENALTY_S)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return []
    order: list[int] = []
    index = solution.Value(routing.NextVar(routing.Start(0)))
    while not routing.IsEnd(index):
        order.append(manager.IndexToNode(index))
        index = solution.Value(routing.NextVar(index))
    return order


def nearest_neighbour(seconds: np.ndarray, stops: Sequence[int]) -> list[int]:
    """The nearest-neighbour tour of ``stops`` from place 0: always the nearest unvisited."""
    left = set(stops)
    here, order = 0, []
    while left:
        here = min(left, key=lambda j: (seconds[here, j], j))
        order.append(here)
        left.remove(here)
    return order


def tour_totals(seconds: np.ndarray, metres: np.ndarray, order: Sequence[int]) -> dict:
    """Travel minutes and km of the tour 0 -> order -> 0 (service time not included)."""
    legs = list(zip([0, *order], [*order, 0], strict=True)) if order else []
    return {
        "stops": len(order),
        "travel_minutes": round(sum(seconds[a, b] for a, b in legs) / 60.0, 2),
        "km": round(sum(metres[a, b] for a, b in legs) / 1000.0, 3),
    }


# -- the plan -----------------------------------------------------------------------------------
def _leg_line(graph: _Graph, matrix: _Matrix, lonlat: list[tuple], a: int, b: int) -> LineString:
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


def plan_route(
    engine: Engine,
    rep_id: int,
    *,
    day: dt.date | None = None,
    customer_ids: Sequence[int] | None = None,
    mode: str = "drive",
    max_stops: int = DEFAULT_MAX_STOPS,
    service_minutes: float = DEFAULT_SERVICE_MINUTES,
    start: dt.time = DEFAULT_START,
    day_hours: float = DEFAULT_DAY_HOURS,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    dataset: str | None = None,
) -> dict[str, Any]:
    """A rep's visit route for a day (see the module doc for the rules and the solver).

    Parameters
    ----------
    engine : the database.
    rep_id : the rep (``NotFound`` if unknown); the route starts and ends at the home base.
    day : the day (default today): due visits are counted up to it.
    customer_ids : hand-picked customers (all placed; ``InvalidInput`` otherwise), or None
        for the rep's most due customers.
    mode : ``"drive"`` or ``"walk"``.
    max_stops : at most this many due customers (1..:data:`MAX_STOPS_LIMIT`).
    service_minutes, start, day_hours : the visit length and the working day.
    time_limit_s : OR-Tools' search time.
    dataset : the loaded city; ``None`` for the most recently loaded one.

    Returns
    -------
    ``rep``, ``date``, ``mode``, ``stops`` (ordered: ``order``, ``customer_id``, ``name``,
    ``address``, ``lon``, ``lat``, ``arrival``, ``departure``, ``leg_minutes``,
    ``leg_metres``), ``return`` (the leg home), ``totals`` (``stops``,
    ``travel_minutes``, ``service_minutes``, ``total_minutes``, ``km``, ``end``),
    ``baseline`` (the nearest-neighbour tour's totals), ``unscheduled``, ``geometry`` (a
    GeoJSON MultiLineString, one line per leg, lon/lat), ``solver`` and
    ``solve_seconds``.
    """
    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if not (1 <= int(max_stops) <= MAX_STOPS_LIMIT):
        raise InvalidInput(f"max_stops must be within 1..{MAX_STOPS_LIMIT}, not {max_stops}")
    if not (0 <= service_minutes <= 240 and 0 < day_hours <= 24):
        raise InvalidInput("service_minutes must be 0..240 and day_hours within (0, 24].")
    day = day or dt.date.today()
    with engine.connect() as conn:
        rep = _rep(conn, rep_id)
        city = loaded_city(conn, dataset)
        stops = _stops(conn, rep_id, day, customer_ids, int(max_stops))
    result: dict[str, Any] = {
        "rep": {"rep_id": rep["rep_id"], "name": rep["name"], "home_address": rep["home_address"]},
        "date": day.isoformat(),
        "mode": mode,
        "solver": "ortools guided local search",
    }
    start_at = dt.datetime.combine(day, start)
    service_s = service_minutes * 60.0
    limit_s = day_hours * 3600.0
    lonlat = [(rep["lon"], rep["lat"])] + [(s["lon"], s["lat"]) for s in stops]
    graph = _graph(engine, city, mode)
    matrix = _matrix(graph, [p[0] for p in lonlat], [p[1] for p in lonlat])
    clock = time.perf_counter()
    order = solve_ortools(matrix.seconds, service_s, limit_s, time_limit_s=time_limit_s)
    result["solve_seconds"] = round(time.perf_counter() - clock, 3)
    scheduled = set(order)

    rows, legs, now = [], [], 0.0
    for k, (a, b) in enumerate(zip([0, *order], order, strict=False)):
        leg_s = matrix.seconds[a, b]
        arrival = now + leg_s
        departure = arrival + service_s
        stop = stops[b - 1]
        rows.append(
            {
                "order": k + 1,
                "customer_id": stop["customer_id"],
                "name": stop["name"],
                "address": stop["address"],
                "lon": stop["lon"],
                "lat": stop["lat"],
                "arrival": (start_at + dt.timedelta(seconds=arrival)).isoformat(timespec="minutes"),
                "departure": (start_at + dt.timedelta(seconds=departure)).isoformat(
                    timespec="minutes"
                ),
                "arrival_minute": round(arrival / 60.0, 2),
                "departure_minute": round(departure / 60.0, 2),
                "leg_minutes": round(leg_s / 60.0, 2),
                "leg_metres": round(float(matrix.metres[a, b]), 1),
            }
        )
        legs.append(_leg_line(graph, matrix, lonlat, a, b))
        now = departure
    last = order[-1] if order else 0
    home_s = matrix.seconds[last, 0] if order else 0.0
    end_s = now + home_s
    if order:
        legs.append(_leg_line(graph, matrix, lonlat, last, 0))
    travel = tour_totals(matrix.seconds, matrix.metres, order)
    result["stops"] = rows
    result["return"] = {
        "leg_minutes": round(home_s / 60.0, 2),
        "leg_metres": round(float(matrix.metres[last, 0]) if order else 0.0, 1),
        "arrival": (start_at + dt.timedelta(seconds=end_s)).isoformat(timespec="minutes"),
    }
    result["totals"] = {
        **travel,
        "service_minutes": round(len(order) * service_minutes, 2),
        "total_minutes": round(end_s / 60.0, 2),
        "end": (start_at + dt.timedelta(seconds=end_s)).isoformat(timespec="minutes"),
        "day_limit_minutes": round(limit_s / 60.0, 2),
    }
    baseline = tour_totals(matrix.seconds, matrix.metres, nearest_neighbour(matrix.seconds, order))
    baseline["total_minutes"] = round(baseline["travel_minutes"] + len(order) * service_minutes, 2)
    result["baseline"] = {"method": "nearest neighbour", **baseline}
    result["unscheduled"] = [
        {"customer_id": s["customer_id"], "name": s["name"], "reason": "does not fit the day"}
        for i, s in enumerate(stops, start=1)
        if i not in scheduled
    ]
    result["start"] = {
        "lon": rep["lon"],
        "lat": rep["lat"],
        "departure": start_at.isoformat(timespec="minutes"),
    }
    result["geometry"] = mapping(MultiLineString(legs)) if legs else None
    return result


def plan_geojson(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan as a GeoJSON FeatureCollection: the route line (if any), the base and one
    Point per stop; ``totals``, ``baseline`` and ``unscheduled`` at the top level."""
    features: list[dict] = []
    if plan["geometry"] is not None:
        features.append(
            {
                "type": "Feature",
                "geometry": plan["geometry"],
                "properties": {"kind": "route", "mode": plan["mode"], **plan["totals"]},
            }
        )
    features.append(
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [plan["start"]["lon"], plan["start"]["lat"]],
            },
            "properties": {"kind": "base", "order": 0, "departure": plan["start"]["departure"]},
        }
    )
    for stop in plan["stops"]:
        props = {k: v for k, v in stop.items() if k not in ("lon", "lat")}
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [stop["lon"], stop["lat"]]},
                "properties": {"kind": "stop", **props},
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "rep": plan["rep"],
        "date": plan["date"],
        "mode": plan["mode"],
        "totals": plan["totals"],
        "baseline": plan["baseline"],
        "unscheduled": plan["unscheduled"],
        "return": plan["return"],
        "solver": plan["solver"],
    }


def plan_csv(plan: dict[str, Any]) -> str:
    """The scheduled stops as CSV (:data:`CSV_COLUMNS`), one row a stop, in order."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(plan["stops"])
    return out.getvalue()
