"""Trade areas drawn on the streets: isochrones of stores and around any point, and rings.

* **Isochrones** follow the streets: the parts of edges from which a store is reached
  within the time (boundary edges included up to the reachable fraction, interpolated
  along their geometry), buffered by a street-side margin in the city's UTM zone. The
  holes this outline encloses (building blocks, courtyards) are filled and the city's
  water and sea taken out (:mod:`geocrm.network.outline`), so every place on land inside
  the outline is in; they do not cross water, and the bands of a store are nested.
  Times are *to* the store (the shopper's trip), which honours one-way streets by car.
* **Point isochrones** (the web app's "isochrone around a point") are timed *from* the
  point, on a reversed graph prepared once per process.
* **Rings** are geodesic circles (buffered in an azimuthal equidistant projection centred
  on the store), the naive trade area that isochrones are compared with.
"""

from __future__ import annotations

import math
import threading
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

from geocrm.db import loaded_city, query
from geocrm.errors import InvalidInput
from geocrm.geometry import Point
from geocrm.network.graphs import (
    WALK_SPEED_M_S,
    Adjacency,
    StreetNetwork,
    as_multipolygon,
    check_mode,
    dijkstra,
    points_frame,
    sorted_positive,
    street_network,
    travel_graph,
)
from geocrm.network.outline import solid

#: Street-side margin (m) of an isochrone: the frontage reached from a street.
STREET_MARGIN_M = {"walk": 30.0, "drive": 50.0}
#: Longest trip of a point isochrone (minutes).
POINT_ISOCHRONE_MAX_MINUTES = 60.0
#: Farthest a point may be from the street network (m) to have an isochrone.
POINT_MAX_ACCESS_M = 1000.0
#: Most vertices of a point isochrone: it is simplified (a few metres at a time) down to this,
#: so that it can be saved as a target zone as it is.
POINT_ISOCHRONE_MAX_VERTICES = 5000


def _reachable_streets(
    net: StreetNetwork,
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


def _metric_water(graph: nx.MultiDiGraph, net: StreetNetwork) -> np.ndarray:
    """The graph's water (see :func:`travel_graph`) in the network's metres."""
    water = graph.graph.get("water")
    if water is None or len(water) == 0:
        return np.empty(0, dtype=object)
    return net.metric.to_metric(np.asarray(water, dtype=object))


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
    zone, with the holes it encloses filled and the graph's ``water`` taken out. Bands are
    nested: each contains the shorter ones. A band nothing is reached in (a store far from
    every street) has no row.

    Parameters
    ----------
    graph : :func:`travel_graph` of ``mode`` (its ``water`` attribute, lon/lat polygons,
        is left out of the areas; a graph without it leaves nothing out).
    stores : ``store_id``, ``lon``, ``lat``.
    minutes : the bands, e.g. ``(5, 10, 15)``.
    mode : ``"walk"`` or ``"drive"`` (sets the margin; must match the graph).
    progress : show a progress bar over the stores.

    Returns
    -------
    GeoDataFrame with ``store_id``, ``mode``, ``minutes`` and ``geometry`` (MultiPolygon,
    lon/lat, EPSG:4326).
    """
    check_mode(mode, graph)
    bands = sorted_positive(minutes, "minutes")
    stores = points_frame(stores, ("store_id", "lon", "lat"), "stores")
    net = street_network(graph, timed=True)
    lines_m = net.metric.to_metric(net.geometry)
    to_store = net.adjacency(net.travel_time, reverse=True)
    nodes, access_m = net.snap(stores["lon"], stores["lat"])
    store_x, store_y = net.metric.xy(stores["lon"], stores["lat"])
    node_x, node_y = net.metric.xy(net.lon[nodes], net.lat[nodes])
    margin = STREET_MARGIN_M[mode]
    water_m = _metric_water(graph, net)
    rows = []
    for i, store_id in enumerate(
        tqdm(stores["store_id"], desc=f"{mode} isochrones", unit=" store", disable=not progress)
    ):
        access_s = access_m[i] / WALK_SPEED_M_S
        time_to_store = np.asarray(dijkstra(to_store, {int(nodes[i]): access_s}, bands[-1] * 60)[0])
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
    # filled and without water band by band: nested bands stay nested
    geometry = net.metric.to_lonlat(solid(frame["geometry"].to_numpy(), water_m))
    land = ~shapely.is_empty(geometry)
    frame, geometry = frame[land].reset_index(drop=True), geometry[land]
    return gpd.GeoDataFrame(
        frame.drop(columns="geometry"),
        geometry=[as_multipolygon(g) for g in geometry],
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
    radii = sorted_positive(radii_m, "radii_m")
    stores = points_frame(stores, ("store_id", "lon", "lat"), "stores")
    rows, geometry = [], []
    for store_id, lon, lat in stores[["store_id", "lon", "lat"]].itertuples(index=False):
        local = pyproj.CRS.from_proj4(
            f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs"
        )
        back = pyproj.Transformer.from_crs(local, "EPSG:4326", always_xy=True)
        circles = shapely.buffer(shapely.points(np.zeros(len(radii)), 0.0), radii, quad_segs=32)
        lonlat = shapely.transform(circles, lambda c, t=back: np.column_stack(t.transform(*c.T)))
        rows += [(store_id, radius) for radius in radii]
        geometry += [as_multipolygon(g) for g in lonlat]
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["store_id", "radius_m"]), geometry=geometry, crs="EPSG:4326"
    )


# -- the isochrone around any point ---------------------------------------------------------
@dataclass
class _PointNetwork:
    """A travel graph prepared once for isochrones *from* points: the network reversed (so
    that times to a node of the reversed graph are times from the point on the real one, one
    way streets included) with edge geometries in metres and the adjacency to search."""

    net: StreetNetwork
    lines_m: np.ndarray
    adjacency: Adjacency
    water_m: np.ndarray


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
            graph = _reversed(travel_graph(engine, city.name, mode))
            net = street_network(graph, timed=True)
            prepared = _PointNetwork(
                net=net,
                lines_m=net.metric.to_metric(net.geometry),
                adjacency=net.adjacency(net.travel_time, reverse=True),
                water_m=_metric_water(graph, net),
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
    :data:`STREET_MARGIN_M`, the holes it encloses filled and the water taken out, as
    :func:`isochrones` draws a store's, but timed *from* the point (by car, one-way
    streets are driven their way). It is simplified to at most
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
    check_mode(mode)
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
    times = np.asarray(dijkstra(prepared.adjacency, {node: access_m / WALK_SPEED_M_S}, budget)[0])
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
    area = solid(np.array([area], dtype=object), prepared.water_m)[0]
    for tolerance in (1.0, 2.0, 5.0, 10.0, 20.0, 40.0):
        simpler = shapely.simplify(area, tolerance, preserve_topology=True)
        if shapely.get_num_coordinates(simpler) <= POINT_ISOCHRONE_MAX_VERTICES:
            break
    # on a 1e-7 degree grid (about 1 cm, the precision of the GeoJSON it is served as);
    # set_precision keeps it valid
    lonlat = shapely.set_precision(net.metric.to_lonlat(simpler), 1e-7)
    polygons = [g for g in shapely.get_parts(lonlat) if g.geom_type == "Polygon"]
    return MultiPolygon(polygons), access_m
