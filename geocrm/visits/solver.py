"""The order of a day's stops: OR-Tools' vehicle routing, and a nearest-neighbour baseline.

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

from collections.abc import Sequence

import numpy as np

#: OR-Tools' guided local search runs this long (seconds).
DEFAULT_TIME_LIMIT_S = 1.0
#: Penalty (seconds of travel) for leaving a stop out: ten 8-hour days.
DROP_PENALTY_S = 10 * 8 * 3600


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
    # deferred: OR-Tools is heavy to import and only route planning needs it
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
