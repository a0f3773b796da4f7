"""The one error tree of GeoCRM.

Domain code raises these; ``geocrm.api.errors`` maps them to HTTP status codes and
``geocrm.cli`` maps them to a message and an exit code. Messages are written for the
person who will read them: say what is wrong and what to do.
"""


class GeoCrmError(Exception):
    """Base class of every error GeoCRM raises on purpose."""

    http_status = 500
    exit_code = 1
    #: What went wrong inside (a driver's message) for the log, never for the caller.
    internal: str | None = None
    #: Seconds after which the same request may succeed (the API's ``Retry-After``), or None.
    retry_after_s: int | None = None


class InvalidInput(GeoCrmError):
    """The caller's input (a parameter, a file, a row) is not acceptable."""

    http_status = 422
    exit_code = 2


class NotFound(GeoCrmError):
    """The thing asked for does not exist."""

    http_status = 404
    exit_code = 3


class Conflict(GeoCrmError):
    """The request clashes with the current state (e.g. a duplicate)."""

    http_status = 409
    exit_code = 4


class Unauthorized(GeoCrmError):
    """The caller is not signed in, or its credentials are wrong, expired or revoked."""

    http_status = 401
    exit_code = 5


class TooManyRequests(GeoCrmError):
    """The caller tried too often (sign-in attempts); it may try again later."""

    http_status = 429
    exit_code = 5


class Forbidden(GeoCrmError):
    """The caller may not see or change this."""

    http_status = 403
    exit_code = 5


class SetupError(GeoCrmError):
    """The machine lacks something GeoCRM needs (a package, a directory, a setting)."""

    http_status = 500
    exit_code = 6


class DatabaseUnavailable(GeoCrmError):
    """The database cannot be reached or is not ready (migrations missing)."""

    http_status = 503
    exit_code = 7
    retry_after_s = 5


class Overloaded(DatabaseUnavailable):
    """The service has too much to do right now: every database connection is busy for
    longer than the request may wait, or a query ran past its time limit. Try again soon."""

    retry_after_s = 1
