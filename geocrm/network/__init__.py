"""Street-network trade areas, the Huff model and foot traffic of a loaded city.

Everything runs on the street graphs of :func:`geocrm.osm.street_graph` with
:func:`travel_graph`'s ``travel_time`` (seconds) on every edge. One module per concern:

* :mod:`~geocrm.network.graphs`: the walk and drive graphs, speeds, travel times, the graph
  as arrays and the shortest-path search everything shares;
* :mod:`~geocrm.network.isochrones`: isochrones of stores and around any point, and rings;
* :mod:`~geocrm.network.huff`: the Huff model on the H3 grid and its trade areas;
* :mod:`~geocrm.network.outline`: areas as shoppers see them: holes filled, water out;
* :mod:`~geocrm.network.footfall`: the gravity model of walking trips, and betweenness;
* :mod:`~geocrm.network.layers`: all of the above for every store, written to PostGIS.

The maths of the Huff model (:func:`huff_probabilities`, :func:`trade_area_kinds`) and of
the gravity model (:func:`gravity_flows`, :func:`footfall_index`) take numpy arrays and
need no database.
"""

from geocrm.network.footfall import (
    DEFAULT_LEVELS,
    DESTINATION_VISITS,
    FLOOR_M2_PER_HOUSEHOLD,
    FLOOR_M2_PER_WORKPLACE,
    FOOD_AND_DRINK,
    SERVICES,
    SIGHTS,
    TRANSIT_STOP_TRIPS,
    TRIPS_PER_HOUSEHOLD,
    edge_betweenness,
    footfall,
    footfall_index,
    gravity_flows,
    trip_ends,
)
from geocrm.network.graphs import (
    DEFAULT_DRIVE_SPEED_KMH,
    DRIVE_SPEED_KMH,
    MODES,
    URBAN_FACTOR,
    WALK_SPEED_M_S,
    StreetNetwork,
    dijkstra,
    street_network,
    travel_graph,
)
from geocrm.network.huff import (
    MIN_TRAVEL_MINUTES,
    huff_model,
    huff_probabilities,
    huff_trade_areas,
    trade_area_kinds,
)
from geocrm.network.isochrones import (
    POINT_ISOCHRONE_MAX_MINUTES,
    POINT_ISOCHRONE_MAX_VERTICES,
    POINT_MAX_ACCESS_M,
    STREET_MARGIN_M,
    isochrones,
    point_isochrone,
    rings,
)
from geocrm.network.layers import LAYERS_VERSION, compute_network_layers
from geocrm.network.outline import city_water, fill_holes, solid, without_water

__all__ = [
    "DEFAULT_DRIVE_SPEED_KMH",
    "DEFAULT_LEVELS",
    "DESTINATION_VISITS",
    "DRIVE_SPEED_KMH",
    "FLOOR_M2_PER_HOUSEHOLD",
    "FLOOR_M2_PER_WORKPLACE",
    "FOOD_AND_DRINK",
    "LAYERS_VERSION",
    "MIN_TRAVEL_MINUTES",
    "MODES",
    "POINT_ISOCHRONE_MAX_MINUTES",
    "POINT_ISOCHRONE_MAX_VERTICES",
    "POINT_MAX_ACCESS_M",
    "SERVICES",
    "SIGHTS",
    "STREET_MARGIN_M",
    "TRANSIT_STOP_TRIPS",
    "TRIPS_PER_HOUSEHOLD",
    "URBAN_FACTOR",
    "WALK_SPEED_M_S",
    "StreetNetwork",
    "city_water",
    "compute_network_layers",
    "dijkstra",
    "edge_betweenness",
    "fill_holes",
    "footfall",
    "footfall_index",
    "gravity_flows",
    "huff_model",
    "huff_probabilities",
    "huff_trade_areas",
    "isochrones",
    "point_isochrone",
    "rings",
    "solid",
    "street_network",
    "trade_area_kinds",
    "travel_graph",
    "trip_ends",
    "without_water",
]
