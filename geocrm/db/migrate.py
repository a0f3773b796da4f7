"""Schema migrations: ordered files in ``spatial_sql/migrations``, each applied once.

Files are named ``NNNN_description.sql`` and applied in order, each in its own
transaction, and recorded with a checksum in ``public.geocrm_migrations``. Then every file
of ``spatial_sql/functions`` and then the caller's ``extra_functions`` (the tile functions,
given by ``geocrm.pipeline.migrate``: this layer knows nothing of tiles), all
``CREATE OR REPLACE`` objects, are re-applied, so functions always match the code. An
advisory lock keeps two processes from migrating at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import sql
from sqlalchemy import Engine

from geocrm.db import raw_connection, sql_file, sql_paths
from geocrm.db.embedded import app_login, app_secret
from geocrm.errors import SetupError
from geocrm.settings import database_settings

_LOCK_KEY = 727_001  # arbitrary, constant: the advisory lock of GeoCRM migrations
#: the row of geocrm_migrations that records which access.sql was applied (not a file)
_ACCESS = "access.sql"


@dataclass(frozen=True)
class MigrationReport:
    applied: list[str]
    already: int
    functions: int


def _apply_access(conn, done: dict[str, str], *, force: bool) -> None:
    """Grants and row-level security (``spatial_sql/access.sql``) and the app's login role,
    when they changed or a migration ran (re-creating policies locks the tables they guard,
    so an up-to-date schema skips it: every CLI command migrates)."""
    body = sql_file("access.sql")
    checksum = hashlib.sha256(body.encode()).hexdigest()
    if not force and done.get(_ACCESS) == checksum and _app_login_current(conn):
        return
    conn.execute(body)
    _ensure_app_login(conn)
    conn.execute(
        "INSERT INTO public.geocrm_migrations(version, checksum) VALUES (%s, %s) "
        "ON CONFLICT (version) DO UPDATE SET checksum = excluded.checksum, applied_at = now()",
        (_ACCESS, checksum),
    )


def _app_login_current(conn) -> bool:
    if database_settings().app_database_url:
        return True
    role = app_login(conn.info.dbname)
    row = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    return row is not None and app_secret(database_settings(), role, create=False) is not None


def _ensure_app_login(conn) -> None:
    """The web app's login role (``<database>_web``): a member of ``geocrm_app``, owning
    nothing, with the password kept in GEOCRM_HOME. Skipped when GEOCRM_APP_DATABASE_URL names the
    app's role (an external database whose administrator made it: README)."""
    settings = database_settings()
    if settings.app_database_url:
        return
    role = app_login(conn.info.dbname)
    password = app_secret(settings, role, create=True)
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    conn.execute(
        sql.SQL(
            verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT PASSWORD {}"
        ).format(sql.Identifier(role), sql.Literal(password))
    )
    conn.execute(sql.SQL("GRANT geocrm_app TO {}").format(sql.Identifier(role)))
    if not settings.database_url:
        # the embedded cluster holds other databases (tests, benchmarks): each app role
        # connects to its own only, not with geocrm_app's rights to another's
        db = sql.Identifier(conn.info.dbname)
        conn.execute(sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(db))
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, sql.Identifier(role)))


def _version(path) -> str:
    return path.name.removesuffix(".sql")


def migrate(engine: Engine, extra_functions: Sequence[str] = ()) -> MigrationReport:
    """Apply pending migrations and refresh SQL functions; safe to run any time.

    ``extra_functions``: the text of more ``CREATE OR REPLACE`` files applied after
    ``spatial_sql/functions`` (which they may use), in the same transaction.
    """
    applied: list[str] = []
    with raw_connection(engine) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            conn.execute(
                """CREATE TABLE IF NOT EXISTS public.geocrm_migrations (
                       version text PRIMARY KEY,
                       checksum text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            conn.commit()
            done = dict(conn.execute("SELECT version, checksum FROM public.geocrm_migrations"))
            conn.commit()  # so that each migration below runs in a transaction of its own
            for path in sql_paths("migrations"):
                body = path.read_text()
                checksum = hashlib.sha256(body.encode()).hexdigest()
                if _version(path) in done:
                    if done[_version(path)] != checksum:
                        raise SetupError(
                            f"Migration {path.name} changed after it was applied. Never edit an "
                            "applied migration: add a new one instead."
                        )
                    continue
                with conn.transaction():
                    conn.execute(body)
                    conn.execute(
                        "INSERT INTO public.geocrm_migrations(version, checksum) VALUES (%s, %s)",
                        (_version(path), checksum),
                    )
                applied.append(_version(path))
            functions = [p.read_text() for p in sql_paths("functions")] + list(extra_functions)
            with conn.transaction():
                for body in functions:
                    conn.execute(body)
                _apply_access(conn, done, force=bool(applied))
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
            conn.commit()
    return MigrationReport(
        applied=applied, already=len(done) - (_ACCESS in done), functions=len(functions)
    )


def pending(engine: Engine) -> list[str]:
    """Migrations not applied yet (empty when the schema is current)."""
    with raw_connection(engine) as conn:
        exists = conn.execute("SELECT to_regclass('public.geocrm_migrations')").fetchone()[0]
        done = (
            {r[0] for r in conn.execute("SELECT version FROM public.geocrm_migrations")}
            if exists
            else set()
        )
    return [_version(p) for p in sql_paths("migrations") if _version(p) not in done]
