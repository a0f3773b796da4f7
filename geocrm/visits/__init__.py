"""The rep's day in the field: which customers to visit, in what order on the streets.

- :mod:`geocrm.visits.day`: the day's stops (hand-picked or most due) and its plan;
- :mod:`geocrm.visits.streets`: the travel graph, the travel-time matrix, each leg's line;
- :mod:`geocrm.visits.solver`: OR-Tools' tour and the nearest-neighbour baseline;
- :mod:`geocrm.visits.export`: the plan as GeoJSON or CSV.

The API is ``geocrm.api.visits`` (``/api/routes``); the CLI command is ``routes plan``.
"""

from geocrm.visits.day import (
    DEFAULT_DAY_HOURS,
    DEFAULT_MAX_STOPS,
    DEFAULT_SERVICE_MINUTES,
    DEFAULT_START,
    DUE_CAP_DAYS,
    MAX_STOPS_LIMIT,
    MODES,
    plan_route,
)
from geocrm.visits.export import CSV_COLUMNS, plan_csv, plan_geojson
from geocrm.visits.solver import (
    DEFAULT_TIME_LIMIT_S,
    DROP_PENALTY_S,
    nearest_neighbour,
    solve_ortools,
    tour_totals,
)
from geocrm.visits.streets import TravelGraph, prepared_graph, travel_matrix

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_DAY_HOURS",
    "DEFAULT_MAX_STOPS",
    "DEFAULT_SERVICE_MINUTES",
    "DEFAULT_START",
    "DEFAULT_TIME_LIMIT_S",
    "DROP_PENALTY_S",
    "DUE_CAP_DAYS",
    "MAX_STOPS_LIMIT",
    "MODES",
    "TravelGraph",
    "nearest_neighbour",
    "plan_csv",
    "plan_geojson",
    "plan_route",
    "prepared_graph",
    "solve_ortools",
    "tour_totals",
    "travel_matrix",
]
