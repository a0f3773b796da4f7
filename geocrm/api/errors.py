"""The one place where GeoCRM's errors become HTTP responses."""

from __future__ import annotations

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError

from geocrm.db.errors import as_geocrm_error
from geocrm.errors import GeoCrmError


def _error_body(code: str, detail: str, **extra) -> dict:
    return {"error": code, "detail": detail, **extra}


async def _geocrm_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GeoCrmError)
    code = type(exc).__name__
    return JSONResponse(_error_body(code, str(exc)), status_code=exc.http_status)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        f"{'.'.join(str(p) for p in err['loc'] if p != 'query')}: {err['msg']}"
        for err in exc.errors()
    ]
    return JSONResponse(
        _error_body("InvalidInput", "; ".join(problems), problems=problems), status_code=422
    )


async def _driver_error(request: Request, exc: Exception) -> JSONResponse:
    known = as_geocrm_error(exc)
    assert known is not None  # only registered for the driver errors it translates
    return await _geocrm_error(request, known)


def install_error_handlers(app: FastAPI) -> None:
    """Map ``GeoCrmError`` subclasses (by their ``http_status``), request validation, values
    the database cannot hold (422) and database failures (503)."""
    app.add_exception_handler(GeoCrmError, _geocrm_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for driver_error in (OperationalError, psycopg.OperationalError, DataError, psycopg.DataError):
        app.add_exception_handler(driver_error, _driver_error)
