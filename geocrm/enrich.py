"""``geocrm enrich``: join every customer to what is around it, in PostGIS.

Three layers, each recomputed only when its inputs changed (fingerprints in
``crm.enrichment_state``):

1. **reference** (per loaded city): H3 cells of buildings, POIs and street segments, and
   the buildings' prospecting estimates (households, workplaces; see
   ``spatial_sql/enrich/building_estimates.sql``).
2. **network** (per city and set of stores): isochrones, rings, the Huff model and foot
   traffic (``geocrm.network``). When it changes, every customer is enriched again.
3. **customers**: those without a ``crm.customer_enrichment`` row — new, moved (a trigger
   drops the row when a point moves) or all after a network change — get their H3 cell,
   building (containing, else nearest within 30 m) and class, nearest store by network
   time, Huff probability, trade areas and the footfall of the street in front, in chunks
   of set-based SQL.

Finally the hexagons of the cells in use and a polyfill of the city are materialised in
``ref.h3_cells``. ``geocrm.pipeline.enrich_city`` then keeps the hex cube, once built,
fresh: refreshed for the customers enriched, rebuilt when the city or network layers
changed.

When only a few customers changed (a small import, a manual pin), the city and network
layers are up to date (their fingerprints match) and only those customers are joined, on the
part of the city around them: about a second at a million customers.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, text
from tqdm import tqdm

from geocrm import hexgrid, network
from geocrm.db import bulk_transaction, copy_rows, loaded_city, sql_file
from geocrm.db.extent import flag_outside_city
from geocrm.errors import InvalidInput
from geocrm.freshness import FreshnessReport
from geocrm.pause import pause_at
from geocrm.settings import NETWORK_DEFAULTS

CHUNK = 100_000
#: Polyfill resolutions of the city (res 11 only for small cities: it grows fast).
POLYFILL_RES = tuple(range(5, 11))


def _enrich_sql(name: str):
    return text(sql_file(f"enrich/{name}.sql"))


@dataclass
class EnrichReport:
    """What ``enrich`` did."""

    dataset: str
    reference_recomputed: bool = False
    network_recomputed: bool = False
    network_summary: dict = field(default_factory=dict)
    customers_enriched: int = 0
    #: customers newly flagged outside_city / newly inside (the margin or the cities changed)
    outside_city_flagged: int = 0
    outside_city_unflagged: int = 0
    cells_added: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    customer_steps: dict[str, float] = field(default_factory=dict)
    cube: FreshnessReport | None = None


def _state(conn: Connection, layer: str) -> str | None:
    return conn.execute(_enrich_sql("get_state"), {"layer": layer}).scalar()


def _set_state(conn: Connection, layer: str, fingerprint: str, summary: dict) -> None:
    conn.execute(
        _enrich_sql("set_state"),
        {"layer": layer, "fingerprint": fingerprint, "summary": json.dumps(summary, default=str)},
    )


def enrich_reference(engine: Engine, dataset_id: int) -> None:
    """H3 cells of the city's buildings, POIs and streets, and building estimates."""
    with bulk_transaction(engine) as conn:
        conn.execute(_enrich_sql("building_estimates"), {"dataset_id": dataset_id})
        points = pd.read_sql(
            _enrich_sql("reference_points"), conn, params={"dataset_id": dataset_id}
        )
        cells = hexgrid.latlng_to_cells(points["lat"].to_numpy(), points["lon"].to_numpy())
        conn.connection.driver_connection.execute(
            "CREATE TEMP TABLE reference_cells (kind text, id bigint, h3 bigint) ON COMMIT DROP"
        )
        copy_rows(
            conn,
            "reference_cells",
            ("kind", "id", "h3"),
            zip(points["kind"], points["id"].astype(int).tolist(), cells.tolist(), strict=True),
        )
        conn.execute(_enrich_sql("apply_reference_cells"))


def _network_fingerprint(conn: Connection, loaded_at: str, settings: dict) -> str:
    stores = conn.execute(_enrich_sql("network_inputs")).scalar_one()
    raw = json.dumps([loaded_at, stores, settings, network.LAYERS_VERSION], sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()


#: The steps of a customers chunk (files in spatial_sql/enrich), in order.
CUSTOMER_STEPS = (
    "customer_points",
    "customer_buildings",
    "customer_trade_areas",
    "customer_footfall",
)


def enrich_customers(
    engine: Engine,
    *,
    progress: bool = True,
    step_seconds: dict[str, float] | None = None,
    cells: list[int] | None = None,
) -> int:
    """Enrich every placed customer that has no enrichment row; returns how many.

    ``step_seconds``, when given, receives the time spent in each step (summed over chunks);
    ``cells``, when given, receives the res-11 cells of the customers enriched.
    """
    with engine.connect() as conn:
        todo = pd.read_sql(_enrich_sql("customers_to_enrich"), conn)
    if todo.empty:
        return 0
    bar = tqdm(total=len(todo), desc="enriching customers", unit=" customers", disable=not progress)
    for start in range(0, len(todo), CHUNK):
        chunk = todo.iloc[start : start + CHUNK]
        chunk_cells = hexgrid.latlng_to_cells(chunk["lat"].to_numpy(), chunk["lon"].to_numpy())
        if cells is not None:
            cells.extend(chunk_cells.tolist())
        # each chunk commits: enrichment is derived data, a re-run resumes where it stopped
        with bulk_transaction(engine) as conn:
            conn.connection.driver_connection.execute(
                "CREATE TEMP TABLE enrich_todo (customer_id bigint PRIMARY KEY, h3_11 bigint) "
                "ON COMMIT DROP"
            )
            copy_rows(
                conn,
                "enrich_todo",
                ("customer_id", "h3_11"),
                zip(chunk["customer_id"].astype(int).tolist(), chunk_cells.tolist(), strict=True),
            )
            driver = conn.connection.driver_connection
            for step in (*CUSTOMER_STEPS, "enrich_customers"):
                started = time.perf_counter()
                if step == "enrich_customers":
                    conn.execute(_enrich_sql(step), {"huff_res": hexgrid.HUFF_RES})
                else:
                    driver.execute(sql_file(f"enrich/{step}.sql"))
                if step_seconds is not None:
                    spent = time.perf_counter() - started
                    step_seconds[step] = step_seconds.get(step, 0.0) + spent
        bar.update(len(chunk))
        pause_at("enriching")  # (tests) a chunk committed, the cube not refreshed yet
    bar.close()
    return len(todo)


def materialise_missing_cells(engine: Engine) -> int:
    """Hexagons for the cells of enriched customers that have none yet (a crash between an
    enrichment's commit and ``materialise_cells``), with their ancestors; returns added."""
    with engine.connect() as conn:
        missing = list(conn.execute(_enrich_sql("cells_without_hexagon")).scalars())
    return materialise_cells(engine, None, cells=missing) if missing else 0


def materialise_cells(
    engine: Engine, dataset: str | None, *, cells: list[int] | None = None
) -> int:
    """Hexagons for the cells in use (res 5-11) and a polyfill of the city; returns added.

    With ``cells`` (res-11 ids, e.g. of a few customers just enriched), only those cells and
    their ancestors are materialised, and the city's polyfill (done already) is skipped."""
    with engine.connect() as conn:
        if cells is None:
            in_use = np.array(
                [r[0] for r in conn.execute(_enrich_sql("cells_in_use"))], dtype=np.int64
            )
            extent = loaded_city(conn, dataset).extent
        else:
            in_use, extent = np.unique(np.asarray(cells, dtype=np.int64)), None
    wanted: dict[int, bool] = {}
    for res in hexgrid.RESOLUTIONS:
        parents = in_use if res == hexgrid.FINEST else hexgrid.cell_to_parent(in_use, res)
        wanted.update(dict.fromkeys(np.unique(parents).tolist(), False))
    with engine.connect() as conn:
        known = dict(
            conn.execute(
                _enrich_sql("known_cells"), {"cells": None if cells is None else list(wanted)}
            ).all()
        )
    if extent is not None:
        area = shapely.from_wkb(bytes(extent))
        for res in POLYFILL_RES:
            wanted.update(dict.fromkeys(hexgrid.cover_cells(area, res), True))
    new = [c for c, city in wanted.items() if c not in known or (city and not known[c])]
    if not new:
        return 0
    shapes = hexgrid.cell_boundaries(new)
    with bulk_transaction(engine) as conn:
        conn.connection.driver_connection.execute(
            "CREATE TEMP TABLE staged_cells (h3 bigint, res smallint, in_city boolean, "
            "geom geometry) ON COMMIT DROP"
        )
        copy_rows(
            conn,
            "staged_cells",
            ("h3", "res", "in_city", "geom"),
            (
                (c, hexgrid.get_resolution(c), wanted[c], f"SRID=4326;{shape.wkt}")
                for c, shape in zip(new, shapes, strict=True)
            ),
        )
        conn.execute(_enrich_sql("upsert_cells"))
    return len(new)


def network_settings_with_defaults(overrides: dict | None) -> dict:
    """The trade-area settings, validated, in one canonical form (so equal settings give
    equal fingerprints)."""
    unknown = set(overrides or {}) - set(NETWORK_DEFAULTS)
    if unknown:
        raise InvalidInput(f"unknown network settings: {sorted(unknown)}")
    merged = {**NETWORK_DEFAULTS, **(overrides or {})}
    canonical: dict = {}
    for key, value in merged.items():
        numbers = [float(v) for v in (value if isinstance(value, list | tuple) else [value])]
        if not numbers or any(not v > 0 for v in numbers):
            raise InvalidInput(f"{key} must be positive numbers, got {value!r}")
        canonical[key] = numbers[0] if key == "decay" else tuple(sorted(set(numbers)))
    return canonical


def enrich(
    engine: Engine,
    dataset: str | None = None,
    *,
    progress: bool = True,
    network_settings: dict | None = None,
) -> EnrichReport:
    """Run every enrichment stage that is out of date; see the module docstring."""
    settings = network_settings_with_defaults(network_settings)
    with engine.connect() as conn:
        city = loaded_city(conn, dataset)
        dataset_id, name, loaded_at = city.dataset_id, city.name, city.loaded_at.isoformat()
        reference_done = _state(conn, "reference") == loaded_at
        network_fp = _network_fingerprint(conn, loaded_at, settings)
        network_done = _state(conn, "network") == network_fp
    report = EnrichReport(name)
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.seconds[stage] = now - clock
        clock = now

    if not reference_done:
        enrich_reference(engine, dataset_id)
        with engine.begin() as conn:
            _set_state(conn, "reference", loaded_at, {})
        report.reference_recomputed = True
        lap("city layers")
    if not network_done:
        summary = network.compute_network_layers(engine, name, progress=progress, **settings)
        with bulk_transaction(engine) as conn:
            # every customer's store, trade areas and footfall may have changed
            conn.execute(_enrich_sql("reset_customers"))
            _set_state(conn, "network", network_fp, summary)
        report.network_recomputed, report.network_summary = True, summary
        lap("trade areas, Huff, foot traffic")
    # customers outside the loaded cities (GEOCRM_EXTENT_MARGIN_KM, which may have changed
    # since they were written) are not enriched; those inside again are enriched now (a
    # bulk transaction: a changed margin may flip many rows, every index of each updated)
    with bulk_transaction(engine) as conn:
        reflagged = flag_outside_city(conn)
    report.outside_city_flagged, report.outside_city_unflagged = (
        reflagged.flagged,
        reflagged.unflagged,
    )
    report.customers_enriched = enrich_customers(
        engine, progress=progress, step_seconds=report.customer_steps
    )
    lap("customers")
    report.cells_added = materialise_cells(engine, city.name)
    lap("hexagons")
    return report
