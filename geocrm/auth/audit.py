"""Who did what: the append-only audit log (``auth.audit_log``).

Entries name the actor, the action and its target (an id, a file name) with a small
detail of counts and settings, never a customer's data: after ``customers forget`` the
log keeps that it happened, not what was forgotten.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine

from geocrm.auth.principal import Principal
from geocrm.db import query


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
            "request_id": request_id,
        },
    )


def record_now(engine: Engine, principal: Principal | None, action: str, **kw: Any) -> None:
    """Append one entry in a transaction of its own (sign-ins, refused attempts)."""
    with engine.begin() as conn:
        record(conn, principal, action, **kw)


def entries(
    engine: Engine,
    *,
    since=None,
    action: str | None = None,
    actor: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The latest entries, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            query("auth/audit_list"),
            {"since": since, "action": action, "actor": actor, "limit": limit},
        ).mappings()
        return [dict(r) for r in rows]
