"""Who the database work of this moment acts for: set in every transaction with SET LOCAL.

Row-level security in PostgreSQL (``spatial_sql/access.sql``) reads ``geocrm.user_id`` or
``geocrm.system``; engines made with ``scoped=True`` (the app's) set them at the start of
every transaction from a context variable, so pooled connections carry no one's identity
from one request to the next, and a route that forgets to ask still sees only its user's
rows. With nothing set, a scoped transaction sees no customer row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import psycopg
from sqlalchemy import Connection, Engine, event


@dataclass(frozen=True)
class Scope:
    """The identity a transaction carries: a user id, or GeoCRM's own work (``system``)."""

    user_id: int | None = None
    system: bool = False
    min_cell_count: int = 5


ANONYMOUS = Scope()
SYSTEM = Scope(system=True)

_current: ContextVar[Scope] = ContextVar("geocrm_db_scope", default=ANONYMOUS)


def current_scope() -> Scope:
    """The scope the next transaction of this context will carry."""
    return _current.get()


def set_scope(scope: Scope) -> None:
    """Make ``scope`` the scope of this context (a request sets its user once, up front)."""
    _current.set(scope)


@contextmanager
def acting_as(scope: Scope) -> Iterator[None]:
    """Run the block's database work with ``scope``, then restore the previous one."""
    token = _current.set(scope)
    try:
        yield
    finally:
        _current.reset(token)


def system_scope():
    """GeoCRM's own work (enrichment, cube refresh, assigning a published plan): every row.

    Only for work a route has already authorised; reading for a user never uses it."""
    return acting_as(SYSTEM)


_SET = (
    "SELECT set_config('geocrm.user_id', %s, {local}), set_config('geocrm.system', %s, {local}),"
    " set_config('geocrm.min_cell_count', %s, {local})"
)


def _values() -> tuple[str, str, str]:
    scope = _current.get()
    return (
        "" if scope.user_id is None else str(scope.user_id),
        "on" if scope.system else "off",
        str(scope.min_cell_count),
    )


def _set_local(conn: Connection) -> None:
    conn.exec_driver_sql(_SET.format(local="true"), _values())


def install(engine: Engine) -> Engine:
    """Make every transaction of ``engine`` carry the context's scope; returns the engine."""
    event.listen(engine, "begin", _set_local)
    return engine


def is_installed(engine: Engine) -> bool:
    return event.contains(engine, "begin", _set_local)


def set_session(conn: psycopg.Connection) -> None:
    """Give a private psycopg connection (COPY, scripts) the context's scope for its life."""
    conn.execute(_SET.format(local="false"), _values())
    conn.commit()
