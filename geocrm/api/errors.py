"""The one place where errors become HTTP responses, all with the same body (``ErrorBody``).

GeoCRM's own errors answer with their ``http_status``; request validation with 422;
FastAPI's and Starlette's own (unknown route 404, 405...) with theirs; values the database
cannot hold with 422 and database failures with 503 (``geocrm.db.errors.as_geocrm_error``:
every pooled connection busy past the request's wait, a statement timeout, the database
down), each 503 with ``Retry-After``; anything else with 500 and no internals (the
traceback goes to the log). Every error is logged on the ``geocrm.api`` logger with the
request's id, method, path and status.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from geocrm.api.models.errors import ErrorBody
from geocrm.api.request_id import RequestIdMiddleware, request_id
from geocrm.db.errors import as_geocrm_error
from geocrm.errors import GeoCrmError

logger = logging.getLogger("geocrm.api")

#: Declared on every router: any 4xx or 5xx answer has the one error body.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "the request cannot be answered as asked"},
    "5XX": {"model": ErrorBody, "description": "the service failed or is unavailable"},
}


def error_body(
    request: Request, status: int, error: str, detail: str, problems: list[str] | None = None
) -> dict[str, Any]:
    """The error body of ``request``, logged with its id, method, path and status."""
    rid = request_id(request.scope)
    logger.warning(
        "%s %s %s -> %s %s: %s", rid, request.method, request.url.path, status, error, detail
    )
    return ErrorBody(
        error=error, detail=detail, problems=problems or [], request_id=rid
    ).model_dump()


def error_response(
    request: Request,
    status: int,
    error: str,
    detail: str,
    problems: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """An error answer with the one error body (also for middleware, outside the handlers)."""
    body = error_body(request, status, error, detail, problems)
    return JSONResponse(body, status_code=status, headers=headers)


def _known_error(request: Request, exc: GeoCrmError) -> JSONResponse:
    # a 503 says when to try again (a busy pool, a statement timeout, the database down)
    retry = {"Retry-After": str(exc.retry_after_s)} if exc.retry_after_s is not None else None
    return error_response(request, exc.http_status, type(exc).__name__, str(exc), headers=retry)


async def _geocrm_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GeoCrmError)
    return _known_error(request, exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        f"{'.'.join(str(p) for p in err['loc'] if p != 'query')}: {err['msg']}"
        for err in exc.errors()
    ]
    return error_response(request, 422, "InvalidInput", "; ".join(problems), problems)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    try:
        phrase = HTTPStatus(exc.status_code).phrase
    except ValueError:
        phrase = "HTTP Error"
    # "Method Not Allowed" -> "MethodNotAllowed", as GeoCRM's own kinds are spelt
    kind = "".join(w[:1].upper() + w[1:] for w in phrase.replace("-", " ").split())
    kind = "".join(ch for ch in kind if ch.isalnum())
    detail = exc.detail if isinstance(exc.detail, str) else phrase
    return error_response(request, exc.status_code, kind, detail, headers=exc.headers)


async def _driver_error(request: Request, exc: Exception) -> JSONResponse:
    known = as_geocrm_error(exc)
    assert known is not None  # only registered for the driver errors it translates
    return await _geocrm_error(request, known)


def unexpected_error(request: Request, exc: BaseException) -> JSONResponse:
    """A 500 for a bug: the traceback to the log, to the caller only the request id.

    A driver failure that escaped the handlers (raised in a middleware) is answered as the
    handlers would (503 with ``Retry-After``, 422)."""
    known = as_geocrm_error(exc)
    if known is not None:
        return _known_error(request, known)
    rid = request_id(request.scope)
    logger.error(
        "%s %s %s -> 500 InternalError", rid, request.method, request.url.path, exc_info=exc
    )
    body = ErrorBody(
        error="InternalError",
        detail=f"an unexpected error occurred; quote request id {rid} when reporting it",
        problems=[],
        request_id=rid,
    )
    return JSONResponse(body.model_dump(), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Give every response of ``app`` a request id, and every error the one error body:
    ``GeoCrmError`` subclasses (by their ``http_status``), request validation (422),
    HTTP errors (unknown route, method not allowed), values the database cannot hold
    (422), database failures and a busy pool (503 with ``Retry-After``) and unexpected
    exceptions (500)."""
    app.add_middleware(RequestIdMiddleware, on_error=unexpected_error)
    app.add_exception_handler(GeoCrmError, _geocrm_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    for driver_error in (
        OperationalError,
        psycopg.OperationalError,
        DataError,
        psycopg.DataError,
        PoolTimeout,
    ):
        app.add_exception_handler(driver_error, _driver_error)
