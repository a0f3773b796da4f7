"""The Huff model on the H3 grid, and the primary / secondary trade areas it gives.

For every H3 cell (``hexgrid.HUFF_RES``) of the city, the probability that a shopper there
patronises each store is ``P(j | i) = A_j t_ij^-decay / sum_k A_k t_ik^-decay`` with ``t``
the network travel time in minutes from the cell's centre (floored at
:data:`MIN_TRAVEL_MINUTES`). One Dijkstra per store gives the times of all cells. Primary /
secondary trade areas are the unions of the hexagons where a store's probability is at least
0.6 / between 0.3 and 0.6, with the city's water and sea taken out; a hole of such an area
is filled unless the model puts a cell of it in another band (the primary core a secondary
area rings is no hole to fill).

The maths (:func:`huff_probabilities`, :func:`trade_area_kinds`) works on numpy arrays and
needs neither a graph nor a database.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from tqdm import tqdm

from geocrm import hexgrid
from geocrm.errors import InvalidInput
from geocrm.network.graphs import (
    WALK_SPEED_M_S,
    as_multipolygon,
    check_mode,
    dijkstra,
    points_frame,
    street_network,
)
from geocrm.network.outline import union_by, without_water

#: Floor of the Huff model's travel time, so that a store's own cell does not take it all.
MIN_TRAVEL_MINUTES = 0.5


# -- the maths --------------------------------------------------------------------------------
def _check_model(attractiveness: np.ndarray, decay: float) -> None:
    if (attractiveness <= 0).any():
        raise InvalidInput("Store attractiveness must be positive.")
    if decay <= 0:
        raise InvalidInput(f"decay must be positive, not {decay}")


def huff_probabilities(
    travel_minutes: np.ndarray,
    attractiveness: np.ndarray,
    *,
    decay: float = 2.0,
    min_minutes: float = MIN_TRAVEL_MINUTES,
) -> np.ndarray:
    """Probability that a shopper at each origin patronises each store (Huff model).

    ``P(j | i) = A_j t_ij^-decay / sum_k A_k t_ik^-decay``, with ``t`` floored at
    ``min_minutes`` so that a store's own doorstep does not take everything.

    Parameters
    ----------
    travel_minutes : ``(origins, stores)`` travel times in minutes; ``inf`` where the store
        cannot be reached from the origin.
    attractiveness : ``(stores,)`` attractiveness ``A_j`` (> 0), e.g. floor area.
    decay : the distance-decay exponent (> 0).
    min_minutes : the floor of the travel time.

    Returns
    -------
    ``(origins, stores)`` probabilities: each row sums to 1, a store out of reach gets 0,
    and the row of an origin that reaches no store is all NaN.
    """
    attractiveness = np.asarray(attractiveness, dtype=float)
    _check_model(attractiveness, decay)
    minutes = np.maximum(np.asarray(travel_minutes, dtype=float), min_minutes)
    utility = attractiveness[None, :] * minutes**-decay  # unreachable: inf**-d == 0
    total = utility.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        probability = np.clip(utility / total, 0.0, 1.0)
    probability[(total <= 0).ravel()] = np.nan
    return probability


def trade_area_kinds(
    probability: np.ndarray, *, primary: float = 0.6, secondary: float = 0.3
) -> np.ndarray:
    """The trade area each probability puts a cell in for its store.

    Parameters
    ----------
    probability : Huff probabilities (any shape).
    primary : the probability from which a cell is in the store's primary trade area.
    secondary : the probability from which (below ``primary``) it is in the secondary one.

    Returns
    -------
    ``"huff_primary"``, ``"huff_secondary"`` or ``""`` (neither) per probability.
    """
    if not 0 < secondary < primary <= 1:
        raise InvalidInput(
            f"Need 0 < secondary < primary <= 1, not secondary {secondary}, primary {primary}"
        )
    probability = np.asarray(probability, dtype=float)
    return np.select(
        [probability >= primary, probability >= secondary],
        ["huff_primary", "huff_secondary"],
        default="",
    )


# -- on the streets and the H3 grid ----------------------------------------------------------
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
    check_mode(mode, graph)
    stores = points_frame(stores, ("store_id", "lon", "lat", "attractiveness"), "stores")
    attractiveness = stores["attractiveness"].to_numpy(dtype=float)
    _check_model(attractiveness, decay)  # before the searches
    cell_ids = np.unique(np.asarray(list(cells), dtype=np.int64))
    if cell_ids.size == 0:
        raise InvalidInput("No H3 cells given: there is nowhere to compute the Huff model for.")
    net = street_network(graph, timed=True)
    to_store = net.adjacency(net.travel_time, reverse=True)
    cell_nodes, cell_access_m = net.snap(*hexgrid.cell_centroids(cell_ids))
    store_nodes, store_access_m = net.snap(stores["lon"], stores["lat"])
    seconds = np.empty((cell_ids.size, len(stores)))
    for j in tqdm(range(len(stores)), desc=f"{mode} Huff", unit=" store", disable=not progress):
        sources = {int(store_nodes[j]): store_access_m[j] / WALK_SPEED_M_S}
        time_to_store = np.asarray(dijkstra(to_store, sources)[0])
        seconds[:, j] = time_to_store[cell_nodes] + cell_access_m / WALK_SPEED_M_S
    travel_minutes = np.maximum(seconds / 60.0, MIN_TRAVEL_MINUTES)
    probability = huff_probabilities(travel_minutes, attractiveness, decay=decay)
    keep = np.isfinite(travel_minutes) & np.isfinite(probability)
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
    huff: pd.DataFrame,
    *,
    primary: float = 0.6,
    secondary: float = 0.3,
    water: np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    """Primary and secondary trade areas of each store from the Huff model.

    Parameters
    ----------
    huff : :func:`huff_model`'s rows (``h3``, ``store_id``, ``mode``, ``probability``).
    primary : the probability from which a cell is in a store's primary trade area.
    secondary : the probability from which (below ``primary``) it is in the secondary one.
    water : lon/lat polygons taken out of the areas (the travel graph's ``water``).

    Returns
    -------
    GeoDataFrame with ``store_id``, ``mode``, ``kind`` (``huff_primary``,
    ``huff_secondary``) and ``geometry``: the union of the cells' hexagons, its holes that
    hold no cell the model gave the store filled, less ``water`` (MultiPolygon, lon/lat).
    A store with no such cell has no row.
    """
    missing = {"h3", "store_id", "mode", "probability"} - set(huff.columns)
    if missing:
        raise InvalidInput(f"The Huff rows lack the column(s) {sorted(missing)}")
    kind = trade_area_kinds(
        huff["probability"].to_numpy(dtype=float), primary=primary, secondary=secondary
    )
    chosen = huff.assign(kind=kind)[kind != ""]
    cells = chosen["h3"].unique()
    # snapped to a 0.1 mm grid so that neighbouring hexagons share their vertices exactly
    hexagons = dict(
        zip(cells, shapely.set_precision(hexgrid.cell_boundaries(cells), 1e-9), strict=True)
    )
    rows = [
        (store_id, mode, kind, as_multipolygon(shapely.union_all([hexagons[c] for c in group])))
        for (store_id, mode, kind), group in chosen.groupby(["store_id", "mode", "kind"])["h3"]
    ]
    frame = pd.DataFrame(rows, columns=["store_id", "mode", "kind", "geometry"])
    areas = _fill_unmodelled_holes(frame, huff)
    areas = without_water(areas, water)
    land = ~shapely.is_empty(areas)  # an area all at sea has no row
    frame = frame[land].reset_index(drop=True)
    frame["geometry"] = [as_multipolygon(g) for g in areas[land]]
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def _fill_unmodelled_holes(frame: pd.DataFrame, huff: pd.DataFrame) -> np.ndarray:
    """The areas of ``frame`` with the holes filled that hold no cell centre the model gave
    the area's store and mode a probability for (slivers, cells it left out); a hole of
    cells in another band of the store is kept."""
    areas = frame["geometry"].to_numpy()
    parts, part_area = shapely.get_parts(areas, return_index=True)
    counts = shapely.get_num_interior_rings(parts)
    if counts.sum() == 0:
        return areas
    hole_part = np.repeat(np.arange(len(parts)), counts)
    ring_no = np.arange(len(hole_part)) - np.repeat(np.cumsum(counts) - counts, counts)
    holes = shapely.polygons(shapely.get_interior_ring(parts[hole_part], ring_no))
    hole_area = part_area[hole_part]
    cells = huff["h3"].unique()
    centres = shapely.points(*hexgrid.cell_centroids(cells))
    hole_i, cell_j = shapely.STRtree(centres).query(holes, predicate="contains")
    inside = pd.DataFrame(
        {
            "hole": hole_i,
            "store_id": frame["store_id"].to_numpy()[hole_area[hole_i]],
            "mode": frame["mode"].to_numpy()[hole_area[hole_i]],
            "h3": cells[cell_j],
        }
    )
    modelled = inside.merge(huff[["store_id", "mode", "h3"]], on=["store_id", "mode", "h3"])
    fill = np.ones(len(holes), dtype=bool)
    fill[modelled["hole"].unique()] = False
    if not fill.any():
        return areas
    index = np.concatenate([np.arange(len(areas)), hole_area[fill]])
    return union_by(index, np.concatenate([areas, holes[fill]]), len(areas))
