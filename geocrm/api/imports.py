"""``/api/imports``: upload a customer file; follow its job."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, BackgroundTasks, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from geocrm import ingest, pipeline
from geocrm.api.access import allow
from geocrm.api.audit_trail import AuditNote, audited
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.models.imports import ImportJob, ImportQueued, ImportReject
from geocrm.api.params import DECIMAL, ImportId
from geocrm.api.request_id import request_id
from geocrm.errors import InvalidInput
from geocrm.settings import api_settings

router = APIRouter(
    prefix="/api/imports",
    tags=["imports"],
    responses=ERROR_RESPONSES,
    dependencies=[allow("admin")],
)
logger = logging.getLogger("geocrm.imports")

#: What a request may carry besides the file's bytes: part headers, boundaries, ``map``.
FORM_OVERHEAD_BYTES = 64 * 1024
#: The longest name of an uploaded file (the usual file system limit); it is only a label.
MAX_FILE_NAME_CHARS = 255
#: Seconds a client is asked to wait when every upload slot is taken.
RETRY_AFTER_S = 30

_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "the customer file (.csv, .gpkg, .parquet, .geojson), "
                        "at most GEOCRM_UPLOAD_MAX_BYTES",
                    },
                    "map": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "SOURCE=TARGET column mappings",
                    },
                },
            }
        }
    },
}


class _Slots:
    """Uploads received or waiting for their import in this server process; a slot is
    held from the first byte until the import is over and its file deleted, so the disk
    holds at most ``GEOCRM_UPLOAD_CONCURRENCY`` x ``GEOCRM_UPLOAD_MAX_BYTES`` of uploads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.used = 0

    def take(self, cap: int) -> bool:
        with self.lock:
            if self.used >= cap:
                return False
            self.used += 1
            return True

    def give(self) -> None:
        with self.lock:
            self.used -= 1


_slots = _Slots()


@dataclass
class _Upload:
    """What a streamed upload form carried."""

    path: Path | None = None
    name: str | None = None
    fmt: str | None = None
    size: int = 0
    form_bytes: int = 0
    maps: list[str] = field(default_factory=list)
    out: BinaryIO | None = None


def _too_large(limit: int) -> HTTPException:
    return HTTPException(
        413,  # Content Too Large
        detail=f"the upload is larger than the limit of {limit:,} bytes "
        "(GEOCRM_UPLOAD_MAX_BYTES); import the file with `geocrm import customers`",
    )


def _file_name(raw: bytes) -> tuple[str, str]:
    """The label of an uploaded file (its name without directories) and its format; the
    name is never part of a path on the server."""
    name = re.split(r"[\\/]", raw.decode("utf-8", "replace"))[-1].strip()
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise InvalidInput("the file name holds control characters (NUL, line breaks...)")
    if len(name) > MAX_FILE_NAME_CHARS:
        raise InvalidInput(
            f"the file name is {len(name):,} characters long; at most {MAX_FILE_NAME_CHARS}"
        )
    suffix = Path(name).suffix.lower() if name not in ("", ".", "..") else ""
    fmt = ingest.FORMATS.get(suffix)
    if fmt is None:
        raise InvalidInput(
            f"{name or 'the file'}: unsupported file type; upload .csv, .gpkg, .parquet or .geojson"
        )
    return name, fmt


async def _receive(request: Request, limit: int) -> _Upload:
    """Stream a multipart upload to a private file under GEOCRM_HOME, stopping at the
    limit (413): never more than ``limit`` bytes of it reach the disk."""
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or not params.get(b"boundary"):
        raise InvalidInput("send the file as multipart/form-data, in a field named file")
    upload = _Upload()
    part: dict[str, Any] = {}
    headers: dict[bytes, bytes] = {}
    header = [b"", b""]

    def on_part_begin() -> None:
        headers.clear()
        part.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header[0] += data[start:end]
        count_form(end - start)

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header[1] += data[start:end]
        count_form(end - start)

    def count_form(size: int) -> None:
        """What is not the file (part headers, map, other fields) stays small: it is held
        in memory."""
        upload.form_bytes += size
        if upload.form_bytes > FORM_OVERHEAD_BYTES:
            raise InvalidInput(
                f"the form's fields and headers besides the file exceed {FORM_OVERHEAD_BYTES:,} "
                "bytes"
            )

    def on_header_end() -> None:
        headers[header[0].lower()] = header[1]
        header[0] = header[1] = b""

    def on_headers_finished() -> None:
        _, options = parse_options_header(headers.get(b"content-disposition", b""))
        name = options.get(b"name")
        if name == b"file" and b"filename" in options:
            if upload.out is not None or upload.path is not None:
                raise InvalidInput("upload one file per request")
            upload.name, upload.fmt = _file_name(options[b"filename"])
            suffix = next(k for k, v in ingest.FORMATS.items() if v == upload.fmt)
            upload.path, upload.out = ingest.new_private_file("uploads", suffix=suffix)
            part["kind"] = "file"
        elif name == b"map":
            part["kind"], part["text"] = "map", bytearray()
        else:
            part["kind"] = "other"  # a field GeoCRM does not read

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part.get("kind") == "file":
            upload.size += end - start
            if upload.size > limit:
                raise _too_large(limit)
            assert upload.out is not None
            upload.out.write(data[start:end])
        else:
            count_form(end - start)
            if part.get("kind") == "map":
                part["text"] += data[start:end]

    def on_part_end() -> None:
        if part.get("kind") == "file" and upload.out is not None:
            upload.out.close()
            upload.out = None
        elif part.get("kind") == "map":
            try:
                upload.maps.append(bytes(part["text"]).decode("utf-8"))
            except UnicodeDecodeError:
                raise InvalidInput("a map field is not UTF-8 text") from None

    parser = MultipartParser(
        params[b"boundary"],
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit + FORM_OVERHEAD_BYTES:
                raise _too_large(limit)
            parser.write(chunk)
        parser.finalize()
    except ClientDisconnect:
        _discard(upload)
        raise InvalidInput("the upload was cut off before its end") from None
    except BaseException:
        _discard(upload)
        raise
    if upload.path is None or upload.out is not None:
        _discard(upload)
        raise InvalidInput("the form has no complete file field named file")
    return upload


def _discard(upload: _Upload) -> None:
    """Close and delete what an upload wrote."""
    if upload.out is not None:
        upload.out.close()
        upload.out = None
    if upload.path is not None:
        upload.path.unlink(missing_ok=True)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Upload customers (CSV, GeoPackage, GeoParquet, GeoJSON); the import runs as a job",
    description="The file streams to disk under GEOCRM_HOME and stops at "
    "GEOCRM_UPLOAD_MAX_BYTES (413); at most GEOCRM_UPLOAD_CONCURRENCY uploads are received "
    "or imported at once per server process, beyond that 503 with Retry-After.",
    response_model=ImportQueued,
    response_model_exclude_unset=True,
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def create_import(
    request: Request,
    engine: EngineDep,
    background: BackgroundTasks,
    note: Annotated[AuditNote, audited("import.customers")],
) -> JSONResponse:
    settings = api_settings()
    limit = settings.upload_max_bytes
    length = request.headers.get("content-length", "")
    if length.isdecimal() and int(length) > limit + FORM_OVERHEAD_BYTES:
        raise _too_large(limit)  # refused before a byte of it is read
    if not _slots.take(settings.upload_concurrency):
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"{settings.upload_concurrency} upload(s) are being received or imported "
            f"(GEOCRM_UPLOAD_CONCURRENCY); try again in {RETRY_AFTER_S} s",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    upload = None
    try:
        await run_in_threadpool(ingest.sweep, "uploads")  # what a crashed server left
        upload = await _receive(request, limit)
        assert upload.path is not None and upload.name is not None and upload.fmt is not None
        column_map = ingest.parse_column_map(upload.maps)
        import_id = await run_in_threadpool(
            ingest.create_job, engine, upload.name, upload.fmt, column_map
        )
    except BaseException:
        if upload is not None:
            _discard(upload)
        _slots.give()
        raise
    note.target = str(import_id)
    note.detail = {"file": upload.name, "format": upload.fmt, "bytes": upload.size}
    rid = request_id(request.scope)
    background.add_task(
        _run, engine, upload.path, column_map, import_id, upload.name, upload.fmt, rid
    )
    return JSONResponse(
        {"import_id": import_id, "status": "queued", "status_url": f"/api/imports/{import_id}"},
        status_code=status.HTTP_202_ACCEPTED,
    )


def _run(engine, path: Path, column_map, import_id: int, name: str, fmt: str, rid: str) -> None:
    """Run an uploaded import; any failure is recorded on its job row as a plain reason
    (the details, with the request's id, go to the log); the file is deleted and the
    upload's slot freed at the end."""
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
        logger.exception("%s import #%s of %r failed", rid, import_id, name)
        ingest.fail_job(engine, import_id, exc)
    finally:
        path.unlink(missing_ok=True)
        _slots.give()


@router.get(
    "/{import_id}",
    summary="An import's status, progress and summary",
    response_model=ImportJob,
    response_model_exclude_unset=True,
)
def get_import(engine: EngineDep, import_id: ImportId) -> dict[str, Any]:
    job = ingest.job_status(engine, import_id)
    if job.get("rejects_file"):  # the server's file is no client's business: its route is
        job["rejects_file"] = f"/api/imports/{import_id}/rejects"
    return job


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
