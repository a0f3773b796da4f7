"""``/api/imports``: upload a customer file; follow its job."""

from __future__ import annotations

import contextlib
import re
import shutil
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, File, Form, UploadFile, status
from fastapi.responses import JSONResponse

from geocrm import ingest
from geocrm.api.deps import EngineDep
from geocrm.errors import InvalidInput
from geocrm.settings import api_settings

router = APIRouter(prefix="/api/imports", tags=["imports"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Upload customers (CSV, GeoPackage, GeoParquet, GeoJSON); the import runs as a job",
)
def create_import(
    engine: EngineDep,
    background: BackgroundTasks,
    file: Annotated[UploadFile, File(description="the customer file")],
    map: Annotated[list[str] | None, Form(description="SOURCE=TARGET column mappings")] = None,
) -> JSONResponse:
    name = file.filename or "upload"
    fmt = ingest.FORMATS.get("." + name.rsplit(".", 1)[-1].lower()) if "." in name else None
    if fmt is None:
        raise InvalidInput(
            f"{name}: unsupported file type; upload .csv, .gpkg, .parquet or .geojson"
        )
    column_map = ingest.parse_column_map(map or [])
    import_id = ingest.create_job(engine, name, fmt, column_map)
    uploads = ingest.IMPORT_DIR / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    path = uploads / f"{import_id}-{re.sub(r'[^A-Za-z0-9._-]', '_', name)}"
    limit = api_settings().upload_max_bytes
    with path.open("wb") as out:
        shutil.copyfileobj(file.file, out, length=1 << 20)
    if path.stat().st_size > limit:
        path.unlink()
        raise InvalidInput(
            f"{name} is larger than the upload limit of {limit:,} bytes "
            "(GEOCRM_UPLOAD_MAX_BYTES); import it with `geocrm import customers`"
        )
    background.add_task(_run, engine, path, column_map, import_id, name, fmt)
    return JSONResponse(
        {"import_id": import_id, "status": "queued", "status_url": f"/api/imports/{import_id}"},
        status_code=status.HTTP_202_ACCEPTED,
    )


def _run(engine, path, column_map, import_id, name, fmt) -> None:
    # a failure is recorded on the job row, where the client reads it
    with contextlib.suppress(Exception):
        ingest.import_customers(
            engine,
            path,
            column_map=column_map,
            import_id=import_id,
            source_name=name,
            file_format=fmt,
            progress=False,
        )


@router.get("/{import_id}", summary="An import's status, progress and summary")
def get_import(engine: EngineDep, import_id: int) -> dict[str, Any]:
    return ingest.job_status(engine, import_id)


@router.get("/{import_id}/rejects", summary="The rows an import refused, with line and reason")
def get_rejects(engine: EngineDep, import_id: int, limit: int = 1000) -> list[dict[str, Any]]:
    return ingest.rejects(engine, import_id, limit=min(max(limit, 1), 100_000))
