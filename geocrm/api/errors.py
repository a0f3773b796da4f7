"""The one place where GeoCRM's errors become HTTP responses."""

from __future__ import annotations

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError

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


async def _database_error(_request: Request, exc: Exception) -> JSONResponse:
    # the database is down, restarting, or a statement hit the statement timeout
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else ""
    return JSONResponse(
        _error_body("DatabaseUnavailable", f"the database could not answer: {reason}"),
        status_code=503,
    )


async def _data_error(_request: Request, exc: Exception) -> JSONResponse:
    # a value the database cannot hold (e.g. an id beyond bigint) that validation let through
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else ""
    return JSONResponse(
        _error_body("InvalidInput", f"a value is out of range: {reason}"), status_code=422
    )


def install_error_handlers(app: FastAPI) -> None:
    """Map ``GeoCrmError`` subclasses (by their ``http_status``), request validation, values
    the database cannot hold (422) and database failures (503)."""
    app.add_exception_handler(GeoCrmError, _geocrm_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(psycopg.OperationalError, _database_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(psycopg.DataError, _data_error)
