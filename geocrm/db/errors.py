"""Driver and settings failures said as GeoCRM errors: the one translation both front doors use."""

from __future__ import annotations

import psycopg
from pydantic import ValidationError
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from geocrm.errors import DatabaseUnavailable, GeoCrmError, InvalidInput, Overloaded, SetupError

#: What a caller is told when the service is too busy to answer in time.
BUSY = (
    "the service is busy: every database connection stayed in use for longer than this "
    "request may wait; try again in a moment"
)
TOO_SLOW = (
    "the request ran past its statement timeout (the time it may take; the service may be "
    "busy): try again in a moment, or ask for less (a higher zoom, fewer filters)"
)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else ""


def as_geocrm_error(exc: BaseException) -> GeoCrmError | None:
    """The ``GeoCrmError`` a driver or settings failure stands for, or None for a bug.

    Every pooled connection busy for longer than the request may wait, or a query past its
    statement timeout, is ``Overloaded`` (a 503 with ``Retry-After``); the database down or
    restarting is ``DatabaseUnavailable``; a value the database cannot hold (e.g. an id
    beyond bigint) that validation let through is ``InvalidInput``; an invalid setting is
    ``SetupError``.
    """
    if isinstance(exc, GeoCrmError):
        return exc
    if isinstance(exc, ValidationError):
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return SetupError(f"invalid setting: {problems}")
    if isinstance(exc, PoolTimeout):
        return Overloaded(BUSY)
    if isinstance(getattr(exc, "orig", None) or exc, psycopg.errors.QueryCanceled):
        return Overloaded(TOO_SLOW)
    if isinstance(exc, OperationalError | psycopg.OperationalError):
        return DatabaseUnavailable(f"the database could not answer: {_first_line(exc)}")
    if isinstance(exc, DataError | psycopg.DataError):
        return InvalidInput(f"a value is out of range: {_first_line(exc)}")
    return None
