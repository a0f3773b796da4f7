"""Is the database reachable and current: the answer of ``/health``; is the web app's role
fit to serve (``geocrm serve`` checks before it starts)."""

from __future__ import annotations

import psycopg
from sqlalchemy import Engine, text

from geocrm.db import query
from geocrm.db.errors import as_geocrm_error
from geocrm.db.migrate import pending
from geocrm.errors import DatabaseUnavailable, SetupError


def _unreachable(exc: Exception) -> DatabaseUnavailable:
    """``/health``'s error: what happened in words, the driver's own (host, socket path,
    SQL) kept as ``internal`` for the log."""
    known = as_geocrm_error(exc)
    error = DatabaseUnavailable(f"database unreachable: {known or type(exc).__name__}")
    error.internal = (known.internal if known else None) or f"{type(exc).__name__}: {exc}"
    return error


def health(engine: Engine) -> dict:
    """Is the database reachable and current, which PostGIS, how much data is loaded."""
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
