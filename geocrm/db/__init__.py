"""Database access: where the database is, the engine, and the SQL files of ``spatial_sql/``.

Only this package reads ``spatial_sql/`` (shipped as package data, ``geocrm/assets``).
Queries are files named by their path below ``spatial_sql/queries`` and run with bound
parameters (``:name`` placeholders).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

import numpy as np
import psycopg
import shapely
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.sql.elements import TextClause

from geocrm.db import budget, scope
from geocrm.db.embedded import EmbeddedCluster, app_login, app_secret
from geocrm.db.errors import as_geocrm_error
from geocrm.db.pool import BudgetedQueuePool, PoolLimits, fit_limits
from geocrm.errors import DatabaseUnavailable, NotFound, SetupError
from geocrm.settings import DatabaseSettings, database_settings

SQL_ROOT: Traversable = files("geocrm") / "assets" / "spatial_sql"


def resolve_url(settings: DatabaseSettings | None = None, *, start: bool = True) -> str:
    """The libpq URL of GeoCRM's database: ``DATABASE_URL``, else the embedded cluster.

    With ``start`` the embedded cluster is initialised and started when needed, so any
    command works on a fresh machine without a separate ``geocrm db start``.
    """
    settings = settings or database_settings()
    if settings.database_url:
        return settings.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    cluster = EmbeddedCluster(settings)
    if start:
        cluster.start()
    return cluster.url()


def app_url(owner_url: str | None = None, settings: DatabaseSettings | None = None) -> str:
    """The URL the web app connects with: ``GEOCRM_APP_DATABASE_URL``, else the owner's URL
    with the app's login role (``<database>_web``, e.g. ``geocrm_web``: a member of
    ``geocrm_app`` that owns nothing; created by ``geocrm db migrate`` with its password
    kept 0600 in ``GEOCRM_HOME``)."""
    settings = settings or database_settings()
    if settings.app_database_url:
        return settings.app_database_url
    owner = make_url(_sqlalchemy_url(owner_url or resolve_url(settings)))
    role = app_login(owner.database or settings.db_name)
    password = app_secret(settings, role, create=False)
    if password is None:
        raise SetupError(
            "The app's database role has no password yet: run `geocrm db migrate` (it creates "
            f"the role {role}), or set GEOCRM_APP_DATABASE_URL."
        )
    return owner.set(drivername="postgresql", username=role, password=password).render_as_string(
        hide_password=False
    )


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


#: The pool of the engines made from now on in this process, once ``fit_pools`` has sized
#: it to the server (else the settings' own).
_fitted: PoolLimits | None = None


def pool_limits() -> PoolLimits:
    """The pool of a new engine: as ``fit_pools`` sized it, else as configured."""
    return _fitted or PoolLimits.configured()


def make_engine(
    url: str,
    *,
    statement_timeout_ms: int | None = None,
    scoped: bool = False,
    pool: PoolLimits | None = None,
) -> Engine:
    """An engine on ``url`` (psycopg 3) with a statement timeout on every connection.

    ``scoped``: every transaction carries the user of the context (``geocrm.db.scope``), so
    row-level security applies to it: the web app's engine. ``pool``: its size and longest
    wait for a connection (default ``pool_limits()``); a wait is also bounded by the
    context's budget (``geocrm.db.budget``), and one that ends empty-handed raises
    ``sqlalchemy.exc.TimeoutError``."""
    timeout = statement_timeout_ms or database_settings().statement_timeout_ms
    pool = pool or pool_limits()
    engine = create_engine(
        _sqlalchemy_url(url),
        poolclass=BudgetedQueuePool,
        pool_pre_ping=True,
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.timeout_s,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - trivial
        with dbapi_conn.cursor() as cur:
            cur.execute(f"SET statement_timeout = {int(timeout)}")
        dbapi_conn.commit()

    event.listen(engine, "begin", _budgeted)
    return scope.install(engine) if scoped else engine


def _budgeted(conn: Connection) -> None:
    """Within a budget (``geocrm.db.budget``: a request of the map's), the transaction's
    statement timeout is what is left of it; ``Overloaded`` when nothing is."""
    timeout_ms = budget.statement_timeout_ms()
    if timeout_ms is not None:
        conn.execute(query("statement_timeout"), {"timeout_ms": timeout_ms})


def fit_pools(engine: Engine, settings: DatabaseSettings | None = None) -> PoolLimits:
    """Size the pools of the engines this process makes from now on so that
    ``GEOCRM_WORKERS`` processes fit in the server's ``max_connections`` with
    ``GEOCRM_DB_RESERVE_CONNECTIONS`` left free (``geocrm.db.pool``); returns that size.
    ``geocrm serve`` calls it before it opens the web app's engine."""
    global _fitted
    settings = settings or database_settings()
    with engine.connect() as conn:
        row = conn.execute(query("connection_limits")).one()
    _fitted = fit_limits(
        PoolLimits.configured(settings),
        int(row.max_connections),
        int(row.reserved),
        workers=settings.workers,
        reserve=settings.db_reserve_connections,
    )
    return _fitted


@cache
def get_engine() -> Engine:
    """The process-wide engine on GeoCRM's database."""
    return make_engine(resolve_url())


@cache
def get_app_engine() -> Engine:
    """The process-wide engine of the web app: the app's role, scoped per transaction."""
    return make_engine(app_url(), scoped=True)


@contextmanager
def bulk_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction for a bulk load: all or nothing, with no statement timeout
    (the per-session timeout protects interactive queries, not million-row loads)."""
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        yield conn


def sql_file(relative: str) -> str:
    """The text of ``spatial_sql/<relative>``."""
    if not relative.endswith(".sql"):
        relative += ".sql"
    return SQL_ROOT.joinpath(*relative.split("/")).read_text()


@cache
def query(name: str) -> TextClause:
    """A named query from ``spatial_sql/queries/<name>.sql`` ready for bound parameters."""
    return text(sql_file(f"queries/{name}.sql"))


def loaded_city(conn: Connection, name: str | None = None):
    """A loaded city's row (``dataset_id``, ``name``, ``loaded_at``, ``extent`` as WKB): the
    one named, or the most recently loaded when ``name`` is None; ``NotFound`` otherwise."""
    row = conn.execute(query("dataset_by_name"), {"name": name}).first()
    if row is None:
        which = f" named {name!r}" if name else ""
        raise NotFound(f"No loaded city{which}: run `geocrm load-osm` first.")
    return row


def raw_connection(engine: Engine) -> psycopg.Connection:
    """A plain psycopg connection on the engine's database, for COPY and multi-statement SQL."""
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        conn = psycopg.connect(url, connect_timeout=10)
    except psycopg.OperationalError as exc:
        # the driver's words (host, socket path) stay on the error's ``internal``
        raise as_geocrm_error(exc) or DatabaseUnavailable("Cannot connect to the database") from exc
    if scope.is_installed(engine):  # a private connection: the scope holds for its session
        scope.set_session(conn)
    return conn


def copy_rows(conn: Connection, table: str, columns: Sequence[str], rows: Iterable) -> None:
    """COPY rows (tuples of Python values) into ``table`` within the connection's transaction.

    ``table`` and ``columns`` are GeoCRM's own names, never user input."""
    with (
        conn.connection.driver_connection.cursor() as cur,
        cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def ewkb_hex(geoms) -> np.ndarray:
    """Hex EWKB (SRID 4326) of many shapely geometries at once: the COPY text of a geometry."""
    arr = shapely.set_srid(np.asarray(list(geoms), dtype=object), 4326)
    return shapely.to_wkb(arr, hex=True, include_srid=True)


def sql_paths(folder: str) -> list[Traversable]:
    """The ``.sql`` files of a ``spatial_sql`` folder, in name order."""
    found = (p for p in SQL_ROOT.joinpath(folder).iterdir() if p.name.endswith(".sql"))
    return sorted(found, key=lambda p: p.name)
