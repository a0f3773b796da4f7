"""Is the database reachable and current: the answer of ``/health``; is the web app's role
fit to serve (``geocrm serve`` checks before it starts)."""

from __future__ import annotations

import psycopg
from sqlalchemy import Engine, text

from geocrm.db import query
from geocrm.db.errors import as_geocrm_error
from geocrm.db.migrate import pending
from geocrm.db.scope import system_scope
from geocrm.errors import DatabaseUnavailable, SetupError


def _unreachable(exc: Exception) -> DatabaseUnavailable:
    """``/health``'s error: what happened in words, the driver's own (host, socket path,
    SQL) kept as ``internal`` for the log."""
    known = as_geocrm_error(exc)
    error = DatabaseUnavailable(f"database unreachable: {known or type(exc).__name__}")
    error.internal = (known.internal if known else None) or f"{type(exc).__name__}: {exc}"
    return error


def health(engine: Engine) -> dict:
    """Is the database reachable and current, which PostGIS, how much data is loaded, and
    is the hex cube up to date (``cube``: see ``pending_work``)."""
    try:
        todo = pending(engine)
        if todo:
            return {
                "status": "degraded",
                "database": "reachable",
                "detail": f"schema not current, pending migrations: {todo}; "
                "run `geocrm db migrate`",
            }
        with engine.connect() as conn:
            row = conn.execute(query("health")).mappings().one()
        cube = pending_work(engine)
    except (DatabaseUnavailable, psycopg.OperationalError) as exc:
        raise _unreachable(exc) from exc
    except Exception as exc:  # SQLAlchemy wraps driver errors in its own types
        if "OperationalError" in type(exc).__name__:
            raise _unreachable(exc) from exc
        raise
    data = {k: v for k, v in row.items() if k != "postgis_version"}
    return {
        "status": "ok",
        "database": "reachable",
        "postgis_version": row["postgis_version"],
        "data_loaded": bool(data["buildings"]) and bool(data["customers"]),
        "data": data,
        "cube": cube,
    }


def pending_work(engine: Engine) -> dict:
    """What the enrichment and the hex cube still have to catch up on after changes (a
    crash, a failed refresh, or work under way): ``built`` (the cube), ``stale`` (built and
    behind), ``pending_cells`` (queued res-11 cells) and ``pending_customers`` (placed
    customers to enrich). Counts of every row (GeoCRM's own work), whoever asks: they
    reveal no customer. ``geocrm cube refresh`` (or the server's start) catches up."""
    with system_scope(), engine.connect() as conn:
        row = conn.execute(query("pending_work")).mappings().one()
    cells, customers = row["pending_cells"], row["pending_customers"]
    return {
        "built": row["built"],
        "stale": bool(row["built"] and (cells or customers)),
        "pending_cells": cells,
        "pending_customers": customers,
    }


def check_app_role(engine: Engine) -> None:
    """``SetupError`` unless the web app's database role (``engine``'s user) is fit to serve:
    no superuser, no BYPASSRLS, owns nothing, so that row-level security binds it."""
    with engine.connect() as conn:
        user = conn.execute(text("SELECT current_user")).scalar()
        problems = list(conn.execute(query("app_role_problems")).scalars())
    if problems:
        raise SetupError(
            f"The web app's database role {user} could read every customer row: "
            + "; ".join(problems)
            + ". Serve with a role that owns nothing (the one `geocrm db migrate` creates, "
            "or GEOCRM_APP_DATABASE_URL naming such a role)."
        )
