"""``/api/imports``: upload a customer file; follow its job."""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, File, Form, Query, UploadFile, status
from fastapi.responses import JSONResponse

from geocrm import ingest, pipeline
from geocrm.api.access import allow
from geocrm.api.audit_trail import AuditNote, audited
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.models.imports import ImportJob, ImportQueued, ImportReject
from geocrm.api.params import DECIMAL, ImportId
from geocrm.errors import InvalidInput
from geocrm.settings import api_settings

router = APIRouter(
    prefix="/api/imports",
    tags=["imports"],
    responses=ERROR_RESPONSES,
    dependencies=[allow("admin")],
)
logger = logging.getLogger("geocrm.imports")


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Upload customers (CSV, GeoPackage, GeoParquet, GeoJSON); the import runs as a job",
    response_model=ImportQueued,
    response_model_exclude_unset=True,
)
def create_import(
    engine: EngineDep,
    background: BackgroundTasks,
    file: Annotated[UploadFile, File(description="the customer file")],
    note: Annotated[AuditNote, audited("import.customers")],
    map: Annotated[list[str] | None, Form(description="SOURCE=TARGET column mappings")] = None,
) -> JSONResponse:
    name = file.filename or "upload"
    fmt = ingest.FORMATS.get("." + name.rsplit(".", 1)[-1].lower()) if "." in name else None
    if fmt is None:
        raise InvalidInput(
            f"{name}: unsupported file type; upload .csv, .gpkg, .parquet or .geojson"
        )
    column_map = ingest.parse_column_map(map or [])
    limit = api_settings().upload_max_bytes
    uploads = ingest.IMPORT_DIR / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    path = uploads / f"{uuid.uuid4().hex}-{re.sub(r'[^A-Za-z0-9._-]', '_', name)}"
    received = 0
    with path.open("wb") as out:
        while chunk := file.file.read(1 << 20):
            received += len(chunk)
            if received > limit:  # stop reading as soon as the limit is passed
                out.close()
                path.unlink()
                raise InvalidInput(
                    f"{name} is larger than the upload limit of {limit:,} bytes "
                    "(GEOCRM_UPLOAD_MAX_BYTES); import it with `geocrm import customers`"
                )
            out.write(chunk)
    import_id = ingest.create_job(engine, name, fmt, column_map)
    note.target, note.detail = str(import_id), {"file": name, "format": fmt, "bytes": received}
    background.add_task(_run, engine, path, column_map, import_id, name, fmt)
    return JSONResponse(
        {"import_id": import_id, "status": "queued", "status_url": f"/api/imports/{import_id}"},
        status_code=status.HTTP_202_ACCEPTED,
    )


def _run(engine, path: Path, column_map, import_id: int, name: str, fmt: str) -> None:
    """Run an uploaded import; any failure is recorded on its job row, where clients read it."""
    try:
        pipeline.import_customers(
            engine,
            path,
            column_map=column_map,
            import_id=import_id,
            source_name=name,
            file_format=fmt,
            progress=False,
        )
    except Exception as exc:
        logger.exception("import #%s of %s failed", import_id, name)
        ingest.fail_job(engine, import_id, exc)
    finally:
        path.unlink(missing_ok=True)


@router.get(
    "/{import_id}",
    summary="An import's status, progress and summary",
    response_model=ImportJob,
    response_model_exclude_unset=True,
)
def get_import(engine: EngineDep, import_id: ImportId) -> dict[str, Any]:
    return ingest.job_status(engine, import_id)


@router.get(
    "/{import_id}/rejects",
    summary="The rows an import refused, with line and reason",
    response_model=list[ImportReject],
    response_model_exclude_unset=True,
)
def get_rejects(
    engine: EngineDep,
    import_id: ImportId,
    limit: Annotated[
        int, Query(ge=1, le=100_000, description="at most this many rows"), DECIMAL
    ] = 1000,
) -> list[dict[str, Any]]:
    return ingest.rejects(engine, import_id, limit=limit)
