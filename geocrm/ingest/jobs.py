"""Import jobs in ``crm.import_jobs``: created, followed while running, failed, rejects.

The states (``queued``, ``running``, ``succeeded``, ``failed``, ``interrupted``) are listed
in ``spatial_sql/migrations/0024_recoverable_jobs.sql``. The process running a job holds
an advisory lock on it for as long as it works on it (``JobProgress``); a ``running`` job
without it was killed: before its commit it is ``failed``, after it ``interrupted``, and
the recovery (``geocrm.pipeline.recover``) records the first and finishes the second
(``close_orphaned_jobs``, ``finish_jobs``).
"""

from __future__ import annotations

import json

from sqlalchemy import Engine

from geocrm.db import query, raw_connection, sql_file
from geocrm.db.errors import as_geocrm_error
from geocrm.errors import NotFound

#: First key of the advisory lock (JOB_LOCK, import_id) the process running a job holds
#: (``crm.import_job_running`` in ``spatial_sql/functions`` checks it).
JOB_LOCK = 727014


def create_job(
    engine: Engine, source_name: str, file_format: str, column_map: dict[str, str]
) -> int:
    """Register an import (status 'queued') and return its id."""
    with engine.begin() as conn:
        return conn.execute(
            query("ingest/create_job"),
            {
                "source_name": source_name,
                "file_format": file_format,
                "column_map": json.dumps(column_map),
            },
        ).scalar_one()


def job_status(engine: Engine, import_id: int) -> dict:
    """An import's status and summary; a running job whose process died is reported as
    failed (killed before its commit: nothing of it was kept) or interrupted (killed after
    it: the import was kept, its enrichment and cube refresh are pending)."""
    with engine.connect() as conn:
        row = conn.execute(query("ingest/job_status"), {"import_id": import_id}).mappings().first()
    if row is None:
        raise NotFound(f"No import #{import_id}")
    return dict(row)


def fail_job(engine: Engine, import_id: int, error: BaseException) -> None:
    """Record that an import failed (unless its own run already recorded why); one that had
    committed is recorded as interrupted instead (it was kept)."""
    with engine.begin() as conn:
        conn.execute(
            query("ingest/fail_job"),
            {"import_id": import_id, "error": job_error(error)},
        )


def job_error(error: BaseException) -> str:
    """What a failed job's ``error`` says: GeoCRM's own message (written for the person
    reading it), or a plain reason; never SQL, a server path or a traceback (the log has
    those)."""
    if isinstance(error, KeyboardInterrupt):
        return "interrupted: nothing of it was kept; run it again"
    known = as_geocrm_error(error)
    if known is not None:
        return str(known)[:2000] or type(known).__name__
    return (
        f"the import failed on an internal error ({type(error).__name__}); nothing of it "
        "was kept, and the details are in the server's log"
    )


def close_orphaned_jobs(engine: Engine) -> dict[str, list[int]]:
    """Record the imports whose process died before their commit as failed (``failed``:
    their ids); and list those it left after, or whose cube refresh failed (``kept``: their
    enrichment and cube refresh pending)."""
    found: dict[str, list[int]] = {"failed": [], "kept": []}
    with engine.begin() as conn:
        for import_id, outcome in conn.execute(query("ingest/close_orphaned_jobs")):
            found[outcome].append(import_id)
    return found


def finish_jobs(engine: Engine, import_ids: list[int]) -> int:
    """Mark these kept imports succeeded, their pending work done; returns how many."""
    if not import_ids:
        return 0
    with engine.begin() as conn:
        return conn.execute(query("ingest/finish_jobs"), {"ids": import_ids}).rowcount


class JobProgress:
    """Job progress written from its own autocommit connection (visible while running).

    The connection holds the job's advisory lock (``JOB_LOCK``, import id) until it is
    closed: while it lives, the job is known to be worked on."""

    def __init__(self, engine: Engine, import_id: int):
        self.conn = raw_connection(engine)
        self.conn.autocommit = True
        self.import_id = import_id
        self.conn.execute(sql_file("queries/ingest/own_job.sql"), {"import_id": import_id})

    def update(self, **fields: object) -> None:
        """Set these columns of the job's row (committed at once)."""
        sets = ", ".join(f"{k} = %({k})s" for k in fields)  # keys are ours, values bound
        self.conn.execute(
            f"UPDATE crm.import_jobs SET {sets} WHERE import_id = %(import_id)s",
            {**fields, "import_id": self.import_id},
        )

    def close(self) -> None:
        """Close the progress connection."""
        self.conn.close()


def rejects(engine: Engine, import_id: int, limit: int = 1000) -> list[dict]:
    """The quarantined rows of an import, by line."""
    job_status(engine, import_id)  # NotFound for an unknown import
    with engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                query("ingest/rejects"), {"import_id": import_id, "limit": limit}
            ).mappings()
        ]
