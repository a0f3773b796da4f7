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

from sqlalchemy import Engine

from geocrm.db import raw_connection, sql_paths
from geocrm.errors import SetupError

_LOCK_KEY = 727_001  # arbitrary, constant: the advisory lock of GeoCRM migrations


@dataclass(frozen=True)
class MigrationReport:
    applied: list[str]
    already: int
    functions: int


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
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
            conn.commit()
    return MigrationReport(applied=applied, already=len(done), functions=len(functions))


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
