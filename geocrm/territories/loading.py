"""What a design reads: the area's cells with their workload and strong bonds, the reps'
home bases, and travel times by car on the loaded city's street network.

Workload per cell is computed set-based in SQL
(``spatial_sql/queries/territories/cell_workload.sql``), strong bonds by
``crm.customer_bonds()`` (``spatial_sql/functions/territory_assignment.sql``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, Engine

from geocrm import hexgrid, network
from geocrm.db import loaded_city, query
from geocrm.errors import InvalidInput, NotFound
from geocrm.territories.area import Area, Travel
from geocrm.territories.grid import connect_area
from geocrm.visits.streets import prepared_graph


def cell_stats(conn: Connection, res: int) -> dict[int, tuple[int, float, float]]:
    """Customers, revenue and visits per month of each cell at ``res`` with enriched
    customers."""
    rows = conn.execute(query("territories/cell_workload"), {"res": res}).all()
    return {int(r.h3): (int(r.customers), float(r.revenue), float(r.visits)) for r in rows}


def rep_bases(conn: Connection) -> list[dict[str, Any]]:
    """The active reps with their home bases (``rep_id``, ``name``, ``lon``, ``lat``)."""
    return [dict(r) for r in conn.execute(query("territories/rep_bases")).mappings()]


def _area_cells(
    stats: dict[int, tuple[int, float, float]], extra: Sequence[int], within: Any
) -> set[int]:
    """The cells with enriched customers (centre ``within`` the boundary, when given),
    plus ``extra``, plus the gap cells joining them into one piece."""
    known = set(stats)
    if within is not None and known:
        lons, lats = hexgrid.cell_centroids(list(known))
        inside = shapely.contains_xy(within, lons, lats)
        known = {c for c, keep in zip(known, inside, strict=True) if keep}
        if not known:
            raise InvalidInput("no cell with enriched customers has its centre inside the area")
    known |= {int(c) for c in extra}
    if not known:
        raise InvalidInput(
            "no enriched customers to design territories for: load customers and run "
            "`geocrm enrich` first"
        )
    return known | set(connect_area(list(known)))


def load_area(
    conn: Connection,
    res: int,
    cells: Sequence[int] | None = None,
    extra: Sequence[int] = (),
    within: Any = None,
) -> Area:
    """The area at ``res`` with its customers, revenue, visits and strong bonds.

    Parameters
    ----------
    conn
        The database.
    res
        The H3 resolution of the cells.
    cells
        Exactly these cells (e.g. a saved plan's); by default the cells with enriched
        customers plus gap cells joining them into one piece.
    extra
        Cells to add to the default (e.g. the locked cells of the plan a redesign starts
        from).
    within
        A boundary (shapely, lon/lat): only the cells with customers whose centre lies
        inside.
    """
    stats = cell_stats(conn, res)
    if cells is None:
        cells = _area_cells(stats, extra, within)
    cells = sorted(int(c) for c in cells)
    zero = (0, 0.0, 0.0)
    index = {c: i for i, c in enumerate(cells)}
    bonds: dict[int, dict[int, int]] = {}
    for row in conn.execute(query("territories/strong_bonds"), {"res": res}):
        if int(row.h3) in index:
            bonds.setdefault(index[int(row.h3)], {})[int(row.rep_id)] = int(row.strong)
    return Area(
        cells=np.asarray(cells, dtype=np.int64),
        customers=np.array([stats.get(c, zero)[0] for c in cells], dtype=float),
        revenue=np.array([stats.get(c, zero)[1] for c in cells], dtype=float),
        visits=np.array([stats.get(c, zero)[2] for c in cells], dtype=float),
        gap=np.array([c not in stats for c in cells], dtype=bool),
        bonds=bonds,
    )


def network_travel(engine: Engine) -> Travel | None:
    """Minutes by car from a rep's home base to points on the loaded city's drive network
    (Dijkstra from the base, both ends snapped to the network and walked at walking speed,
    the graph shared with visit routes); None when no city is loaded."""
    try:
        with engine.connect() as conn:
            city = loaded_city(conn)
        graph = prepared_graph(engine, city, "drive")
    except NotFound:
        return None
    from_base: dict[int, tuple[np.ndarray, float]] = {}

    def minutes(rep: dict, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        if rep["rep_id"] not in from_base:
            node, access = graph.net.snap(np.array([rep["lon"]]), np.array([rep["lat"]]))
            dist, _, _ = network.dijkstra(graph.adjacency, {int(node[0]): 0.0})
            from_base[rep["rep_id"]] = (np.asarray(dist), float(access[0]))
        dist, base_access = from_base[rep["rep_id"]]
        nodes, access = graph.net.snap(np.asarray(lon, float), np.asarray(lat, float))
        return ((base_access + access) / network.WALK_SPEED_M_S + dist[nodes]) / 60.0

    return minutes
