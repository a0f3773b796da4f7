"""Every network layer of a city, computed and written to PostGIS in one transaction."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pandas as pd
import shapely
from sqlalchemy import Engine

from geocrm import hexgrid
from geocrm.db import bulk_transaction, copy_rows, ewkb_hex, loaded_city, query, sql_file
from geocrm.errors import NotFound
from geocrm.network.footfall import edge_betweenness, footfall, trip_ends
from geocrm.network.graphs import MODES, travel_graph
from geocrm.network.huff import huff_model, huff_trade_areas
from geocrm.network.isochrones import isochrones, rings
from geocrm.settings import NETWORK_DEFAULTS

#: How the layers are drawn; part of the enrichment's fingerprint, so a change re-draws
#: them once and re-enriches every customer. 2: isochrones and Huff areas with their
#: enclosed holes filled and the water taken out (issue 14).
LAYERS_VERSION = 2


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
    huff_areas = huff_trade_areas(huff, water=graphs["walk"].graph["water"])
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
        # their point-in-polygon pieces with them: never pieces of areas drawn before
        conn.connection.driver_connection.execute(sql_file("queries/network/trade_area_parts.sql"))
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
