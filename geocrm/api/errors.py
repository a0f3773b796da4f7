"""The one place where errors become HTTP responses, all with the same body (``ErrorBody``).

GeoCRM's own errors answer with their ``http_status``; request validation with 422;
FastAPI's and Starlette's own (unknown route 404, 405...) with theirs; values the database
cannot hold with 422 and database failures with 503 (``geocrm.db.errors.as_geocrm_error``:
every pooled connection busy past the request's wait, a statement timeout, the database
down), each 503 with ``Retry-After``; anything else with 500 and no internals (the
traceback goes to the log). Every error is logged on the ``geocrm.api`` logger with the
request's id, method, path and status.

A body never carries SQL, a file's path or a stack trace: GeoCRM's errors keep a driver's
text apart (``GeoCrmError.internal``, logged only), and as a last guard ``public_text``
replaces a detail that still looks like one (SQL, a traceback, a connection string) by a
sentence with the request id, and an absolute path on the server by its file name.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from pathlib import PurePath
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


#: Text of the server's insides: SQL as the driver quotes it, a traceback, a connection URL.
_INTERNALS = re.compile(
    r"\[SQL:|\[parameters:|\bLINE \d+:|Traceback \(most recent call last\)|"
    r"File \"[^\"]*\", line \d+|sqlalche\.me|\bpsycopg\.|postgres(?:ql)?(?:\+\w+)?://",
    re.IGNORECASE,
)
#: An absolute path on the server (under a usual root of a file system; API paths are not).
_SERVER_PATH = re.compile(
    r"(?<![\w/.:])/(?:tmp|home|var|usr|etc|root|opt|srv|work|mnt|data|run|proc|private|"
    r"Users|app|builds)(?:/[^\s'\"),;:]*)?"
)
#: At most this many characters of a detail or a problem (an echoed 10 KB value is cut).
MAX_TEXT = 1000


def public_text(text: str, rid: str) -> str:
    """``text`` as a caller may read it: no SQL, traceback or connection string (then a
    sentence with the request id instead), paths on the server cut to their file's name,
    at most ``MAX_TEXT`` characters."""
    found = _INTERNALS.search(text)
    if found:
        # what it was, as said before the first quoted internal ("database unreachable: ...")
        head = re.split(r":\s", text[: found.start()], maxsplit=1)[0].strip(" \n\t:;,(")
        said = head if head and len(head) <= 200 and not _SERVER_PATH.search(head) else ""
        return (
            f"{said or 'the request failed inside the server'}; the details are in the "
            f"server log under request id {rid}"
        )
    text = _SERVER_PATH.sub(lambda m: PurePath(m.group()).name or "(a path)", text)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def error_body(
    request: Request,
    status: int,
    error: str,
    detail: str,
    problems: list[str] | None = None,
    internal: str | None = None,
) -> dict[str, Any]:
    """The error body of ``request``, logged with its id, method, path and status (and
    ``internal``: what went wrong inside, for the log only)."""
    rid = request_id(request.scope)
    logger.warning(
        "%s %s %s -> %s %s: %s%s",
        rid,
        request.method,
        request.url.path,
        status,
        error,
        detail,
        f" [{internal}]" if internal else "",
    )
    return ErrorBody(
        error=error,
        detail=public_text(detail, rid),
        problems=[public_text(p, rid) for p in problems or []],
        request_id=rid,
    ).model_dump()


def error_response(
    request: Request,
    status: int,
    error: str,
    detail: str,
    problems: list[str] | None = None,
    headers: dict[str, str] | None = None,
    internal: str | None = None,
) -> JSONResponse:
    """An error answer with the one error body (also for middleware, outside the handlers)."""
    body = error_body(request, status, error, detail, problems, internal)
    return JSONResponse(body, status_code=status, headers=headers)


def _known_error(request: Request, exc: GeoCrmError) -> JSONResponse:
    # a 503 says when to try again (a busy pool, a statement timeout, the database down)
    retry = {"Retry-After": str(exc.retry_after_s)} if exc.retry_after_s is not None else None
    return error_response(
        request,
        exc.http_status,
        type(exc).__name__,
        str(exc),
        headers=retry,
        internal=exc.internal,
    )


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
