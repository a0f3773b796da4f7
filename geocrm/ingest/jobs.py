"""Import jobs in ``crm.import_jobs``: created, followed while running, failed, rejects."""

from __future__ import annotations

import json

from sqlalchemy import Engine

from geocrm.db import query, raw_connection
from geocrm.db.errors import as_geocrm_error
from geocrm.errors import NotFound


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
    """An import's status and summary; a job whose database session died is reported
    as failed (its transaction was rolled back: nothing of it was kept)."""
    with engine.connect() as conn:
        row = conn.execute(query("ingest/job_status"), {"import_id": import_id}).mappings().first()
    if row is None:
        raise NotFound(f"No import #{import_id}")
    return dict(row)


def fail_job(engine: Engine, import_id: int, error: BaseException) -> None:
    """Record that an import failed (unless its own run already recorded why)."""
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


class JobProgress:
    """Job progress written from its own autocommit connection (visible while running)."""

    def __init__(self, engine: Engine, import_id: int):
        self.conn = raw_connection(engine)
        self.conn.autocommit = True
        self.import_id = import_id

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
