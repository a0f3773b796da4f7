"""Who did what: the append-only audit log (``auth.audit_log``).

Entries name the actor, the action and its target (an id, a file name) with a small
detail of counts and settings, never a customer's data: a customer is named by
``customer_ref`` (a digest of the external id), so after ``customers forget`` the log keeps
that it happened, not who it was.

The request id of the HTTP request being served (``request_context``, set once per request
by the API) lands on every entry written meanwhile, without passing it down.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, Engine

from geocrm.auth.principal import Principal
from geocrm.db import query
from geocrm.errors import InvalidInput

#: The most entries one listing returns.
MAX_LIMIT = 10_000

_request_id: ContextVar[str | None] = ContextVar("geocrm_audit_request_id", default=None)


@contextmanager
def request_context(request_id: str | None) -> Iterator[None]:
    """Entries recorded in the block carry ``request_id`` (unless given another)."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


def customer_ref(external_id: str) -> str:
    """How the log names a customer: a SHA-256 digest prefix of the external id, never the
    id itself (whoever holds the id can find its entries; the log alone names no one)."""
    return "sha256:" + hashlib.sha256(external_id.encode()).hexdigest()[:16]


def record(
    conn: Connection,
    principal: Principal | None,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> None:
    """Append one entry in the caller's transaction (it lands only if the change does)."""
    conn.execute(
        query("auth/audit_insert"),
        {
            "user_id": principal.user_id if principal else None,
            "actor": principal.actor if principal else "anonymous",
            "action": action,
            "target": target,
            "detail": json.dumps(detail or {}, default=str),
            "request_id": request_id or _request_id.get(),
        },
    )


def record_now(engine: Engine, principal: Principal | None, action: str, **kw: Any) -> None:
    """Append one entry in a transaction of its own (sign-ins, refused attempts)."""
    with engine.begin() as conn:
        record(conn, principal, action, **kw)


def parse_since(value: str | dt.datetime | None) -> dt.datetime | None:
    """``--since``/``since=``: an ISO 8601 date or time (a naive one is UTC)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"since takes an ISO 8601 date or time (2024-05-01 or 2024-05-01T12:00:00Z), "
            f"not {value[:40]!r}"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def entries(
    engine: Engine,
    *,
    since: str | dt.datetime | None = None,
    action: str | None = None,
    actor: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The latest entries, newest first (``since``: at or after; ``action``, ``actor``:
    exactly these)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be within 1..{MAX_LIMIT}, not {limit}")
    with engine.connect() as conn:
        rows = conn.execute(
            query("auth/audit_list"),
            {"since": parse_since(since), "action": action, "actor": actor, "limit": limit},
        ).mappings()
        return [dict(r) for r in rows]
