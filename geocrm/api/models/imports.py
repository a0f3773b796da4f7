"""Answers of ``/api/imports``."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field


class ImportQueued(BaseModel):
    import_id: int
    status: Literal["queued"]
    status_url: str = Field(description="where to follow the job")


class ImportJob(BaseModel):
    """An import's status, progress and summary."""

    import_id: int
    source_name: str
    file_format: str
    status: str = Field(
        description="queued, running, succeeded (kept, enriched, counted in the hex cube), "
        "failed (nothing kept) or interrupted (kept; its enrichment and cube refresh finish "
        "at the next `geocrm cube refresh` or server start)"
    )
    error: str | None
    phase: str | None = Field(description="what a running import is doing")
    rows_read: int | None
    inserted: int | None
    updated: int | None
    unchanged: int | None
    rejected: int | None
    geocoded: int | None
    not_geocoded: int | None
    rejects_file: str | None = Field(
        description="where the refused rows are: this API's route of them (GET)"
    )
    created_at: dt.datetime
    finished_at: dt.datetime | None


class ImportReject(BaseModel):
    line: int
    external_id: str | None
    reason: str
    raw: dict[str, str | None] = Field(description="the row as read: column -> text")
