"""Driver and settings failures said as GeoCRM errors: the one translation both front doors use.

The messages say what happened in words a caller can act on and never carry the driver's
own text (which may quote SQL, a host, a socket's path or a row's values): that text is kept
on the error as ``internal``, for the server log (the API) or the operator (the CLI).
"""

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

#: What a value the database refused is, by SQLSTATE (class 22: data exception).
_DATA_PROBLEMS = {
    "22003": "a number is out of range",
    "22001": "a text is too long",
    "22P02": "a value is not in the form its field takes",
    "22P05": "a text holds a character the database cannot store (e.g. a NUL byte)",
    "22021": "a text holds bytes that are not valid in its encoding",
    "22007": "a date or time is not valid",
    "22008": "a date or time is out of range",
    "22012": "a division by zero",
    "22023": "a value is not acceptable",
    "2201E": "a value is out of range",
    "22026": "a text does not fit its field",
}


#: Why the database could not answer, by SQLSTATE (no SQLSTATE: it could not be reached).
_UNAVAILABLE = {
    "57P01": "the database is shutting down or restarting",
    "57P02": "the database is restarting",
    "57P03": "the database is starting up and not accepting connections yet",
    "53300": "the database has too many connections",
    "40P01": "the database broke a deadlock",
    "40001": "the database could not serialise concurrent changes",
}


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else ""


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None) or exc
    return getattr(orig, "sqlstate", None)


def _with_internal(error: GeoCrmError, exc: BaseException) -> GeoCrmError:
    error.internal = f"{type(getattr(exc, 'orig', None) or exc).__name__}: {_first_line(exc)}"
    return error


def as_geocrm_error(exc: BaseException) -> GeoCrmError | None:
    """The ``GeoCrmError`` a driver or settings failure stands for, or None for a bug.

    Every pooled connection busy for longer than the request may wait, or a query past its
    statement timeout, is ``Overloaded`` (a 503 with ``Retry-After``); the database down or
    restarting is ``DatabaseUnavailable``; a value the database cannot hold (e.g. an id
    beyond bigint) that validation let through is ``InvalidInput``; an invalid setting is
    ``SetupError``. The driver's own message is the error's ``internal`` text, never its
    message.
    """
    if isinstance(exc, GeoCrmError):
        return exc
    if isinstance(exc, ValidationError):
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return SetupError(f"invalid setting: {problems}")
    if isinstance(exc, PoolTimeout):
        return _with_internal(Overloaded(BUSY), exc)
    if isinstance(getattr(exc, "orig", None) or exc, psycopg.errors.QueryCanceled):
        return _with_internal(Overloaded(TOO_SLOW), exc)
    if isinstance(exc, OperationalError | psycopg.OperationalError):
        why = _UNAVAILABLE.get(_sqlstate(exc) or "", "the database could not be reached")
        return _with_internal(DatabaseUnavailable(f"{why}; try again shortly"), exc)
    if isinstance(exc, DataError | psycopg.DataError):
        problem = _DATA_PROBLEMS.get(_sqlstate(exc) or "", "a value cannot be stored")
        return _with_internal(
            InvalidInput(f"{problem}: the database refused a value of the request"), exc
        )
    return None
