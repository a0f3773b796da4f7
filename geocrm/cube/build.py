"""Building and refreshing the hex cube (``spatial_sql/cube/refresh_*.sql``): the whole
cube once, then the queued cells after each change (see :mod:`geocrm.cube`)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, text

from geocrm.db import bulk_transaction, sql_file
from geocrm.dimension_values import built_summary, cube_sql
from geocrm.pause import pause_at


def build_cube(engine: Engine) -> dict[str, Any]:
    """Rebuild the whole cube from the enriched customers, in one transaction.

    Readers see the previous cube until the rebuild commits (it deletes and inserts; it
    does not truncate, so nobody waits for it). Customers without an enrichment row
    (unplaced, or moved since the last enrichment) are left out. The refresh queue is
    emptied: the build covers every change committed before it.

    Returns
    -------
    dict
        Row counts (``fact_rows``, ``context_cells``, ``customers_counted``,
        ``customers_outside_city`` (kept, not counted), ``cells_per_res``), the segments and
        months found, and ``seconds`` per step and in total.
    """
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with bulk_transaction(engine) as conn:
        conn.execute(cube_sql("lock"))
        _run_steps(conn, ("build_context", "scope_all", "refresh_facts", "refresh_rollup"), seconds)
        pause_at("cube-build")
        conn.execute(text("ANALYZE cube.facts, cube.activity_facts, cube.rollup"))
        summary = _summary(conn)
        seconds["total"] = round(time.perf_counter() - started, 3)
        conn.execute(
            cube_sql("record_build"),
            {"seconds": json.dumps(seconds), "summary": json.dumps(summary)},
        )
    # the build deleted every row it replaced: reclaim them now rather than at autovacuum
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM cube.facts, cube.activity_facts, cube.rollup, cube.cell_context"))
    return {**summary, "seconds": seconds}


def refresh_cube(engine: Engine) -> dict[str, Any]:
    """Bring the cube up to date with the changes queued since the last build or refresh.

    The queued res-11 cells (``cube.dirty_cells``) get their facts recomputed (deleted and
    inserted again) and the roll-up rows of their ancestors at res 5..10 too, in one
    transaction, with the same SQL as ``build_cube`` restricted to those cells. With an
    empty queue nothing is written. Cell context (buildings, foot traffic) is not
    refreshed: it changes with the city or the network layers, after which
    ``geocrm enrich`` rebuilds the cube.

    Raises
    ------
    NotFound
        The cube was never built (``geocrm cube build`` first).

    Returns
    -------
    dict
        ``cells`` (res-11 cells recomputed; 0 when there was nothing to do), ``customers``
        (the enriched customers in them, whose facts were aggregated again), ``summary``
        (as ``last_build``) and ``seconds`` per step and in total.
    """
    started = time.perf_counter()
    seconds: dict[str, float] = {}
    with engine.connect() as conn:
        built_summary(conn)
        pending = conn.execute(cube_sql("pending")).scalar_one()
    if not pending:
        seconds["total"] = round(time.perf_counter() - started, 3)
        return {"cells": 0, "seconds": seconds}
    with bulk_transaction(engine) as conn:
        conn.execute(cube_sql("lock"))
        _run_steps(conn, ("scope_dirty",), seconds)
        cells = conn.execute(cube_sql("scope_size")).scalar_one()
        if cells == 0:  # a concurrent refresh took them while we waited for the lock
            seconds["total"] = round(time.perf_counter() - started, 3)
            return {"cells": 0, "seconds": seconds}
        _run_steps(conn, ("refresh_facts", "refresh_rollup"), seconds)
        pause_at("refreshing")
        customers = conn.execute(cube_sql("scope_customers")).scalar_one()
        step_started = time.perf_counter()
        summary = _summary(conn)
        seconds["summary"] = round(time.perf_counter() - step_started, 3)
        seconds["total"] = round(time.perf_counter() - started, 3)
        conn.execute(
            cube_sql("record_refresh"),
            {
                "summary": json.dumps(summary),
                "refresh": json.dumps({"cells": cells, "customers": customers, "seconds": seconds}),
            },
        )
    return {"cells": cells, "customers": customers, "summary": summary, "seconds": seconds}


def is_built(engine: Engine) -> bool:
    """Whether the cube has been built (the hooks that keep it fresh do nothing before)."""
    with engine.connect() as conn:
        return conn.execute(cube_sql("last_build")).first() is not None


def last_build(engine: Engine) -> dict[str, Any] | None:
    """When the cube was last built and refreshed, with its summary; None if never built."""
    with engine.connect() as conn:
        row = conn.execute(cube_sql("last_build")).mappings().first()
    if row is None:
        return None
    refreshed = row["refreshed_at"]
    return {
        "built_at": row["built_at"].isoformat(),
        "seconds": row["seconds"],
        "refreshed_at": refreshed.isoformat() if refreshed else None,
        "last_refresh": row["refresh"],
        **row["summary"],
    }


def _run_steps(conn: Connection, steps: Iterable[str], seconds: dict[str, float]) -> None:
    """Run SQL files of ``spatial_sql/cube`` (several statements each), timing each."""
    driver = conn.connection.driver_connection
    for step in steps:
        step_started = time.perf_counter()
        driver.execute(sql_file(f"cube/{step}.sql"))
        name = step.removeprefix("build_").removeprefix("refresh_")
        seconds[name] = round(time.perf_counter() - step_started, 3)


def _summary(conn: Connection) -> dict[str, Any]:
    row = conn.execute(cube_sql("summary")).mappings().one()
    return {
        "fact_rows": row["fact_rows"],
        "context_cells": row["context_cells"],
        "customers_counted": int(row["customers_counted"]),
        "customers_outside_city": int(row["customers_outside_city"]),
        "cells_per_res": {int(k): v for k, v in (row["cells_per_res"] or {}).items()},
        "segments": sorted(row["segments"]),
        "months": list(row["months"]),
    }
