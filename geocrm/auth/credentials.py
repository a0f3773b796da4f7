"""Sessions (browser cookies, with a CSRF token each) and API tokens (``Authorization:
Bearer``), both kept in PostgreSQL as SHA-256 digests so that several server workers share
them and a copy of the tables signs no one in."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Engine

from geocrm.auth import audit
from geocrm.auth.passwords import new_secret
from geocrm.auth.principal import Principal, principal_from_row
from geocrm.db import query
from geocrm.errors import InvalidInput, NotFound, Unauthorized
from geocrm.settings import auth_settings

TOKEN_PREFIX = "gcrm_"


def digest(secret: str) -> bytes:
    """The SHA-256 digest under which a session id or token is stored."""
    return hashlib.sha256(secret.encode()).digest()


def create_session(engine: Engine, principal: Principal) -> tuple[str, str]:
    """A new session of ``principal``: returns (session id for the cookie, CSRF token)."""
    session_id, csrf = new_secret(), new_secret()
    with engine.begin() as conn:
        conn.execute(
            query("auth/insert_session"),
            {
                "session_hash": digest(session_id),
                "user_id": principal.user_id,
                "csrf_token": csrf,
                "seconds": auth_settings().session_hours * 3600,
            },
        )
        audit.record(conn, principal, "auth.login", principal.email)
    return session_id, csrf


def session_principal(engine: Engine, session_id: str) -> tuple[Principal, str] | None:
    """The principal of a live session and its CSRF token; None when expired or unknown."""
    with engine.begin() as conn:
        row = conn.execute(query("auth/session_user"), {"session_hash": digest(session_id)}).first()
    if row is None:
        return None
    return principal_from_row(row, via="session"), row.csrf_token


def end_session(engine: Engine, session_id: str, principal: Principal | None = None) -> None:
    """Sign out: the session is deleted (and any expired ones with it)."""
    with engine.begin() as conn:
        conn.execute(query("auth/delete_session"), {"session_hash": digest(session_id)})
        if principal is not None:
            audit.record(conn, principal, "auth.logout", principal.email)


def create_token(
    engine: Engine,
    email: str,
    name: str = "api",
    days: float | None = None,
    actor: Principal | None = None,
) -> str:
    """A new API token of the user ``email``; the token itself is shown only now."""
    return issue_token(engine, email, name=name, days=days, actor=actor)[1]


def issue_token(
    engine: Engine,
    email: str,
    name: str = "api",
    days: float | None = None,
    actor: Principal | None = None,
) -> tuple[int, str]:
    """``create_token``, returning the new token's id with the token."""
    if days is not None and days <= 0:
        raise InvalidInput("--days must be positive.")
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput("A token's name needs 1..100 characters.")
    token = TOKEN_PREFIX + new_secret()
    with engine.begin() as conn:
        row = conn.execute(query("auth/user_by_email"), {"email": email}).first()
        if row is None:
            raise NotFound(f"No user {email.strip().lower()!r}.")
        if row.disabled_at is not None:
            raise InvalidInput(f"User {row.email!r} is disabled.")
        token_id = conn.execute(
            query("auth/insert_token"),
            {"user_id": row.user_id, "name": name, "token_hash": digest(token), "days": days},
        ).scalar_one()
        audit.record(conn, actor, "token.create", row.email, {"token_id": token_id, "name": name})
    return token_id, token


def token_principal(engine: Engine, token: str) -> Principal:
    """The principal of a live token; ``Unauthorized`` when unknown, expired or revoked."""
    with engine.begin() as conn:
        row = conn.execute(query("auth/token_user"), {"token_hash": digest(token)}).first()
    if row is None:
        raise Unauthorized("The API token is unknown, expired, revoked or its user disabled.")
    return principal_from_row(row, via="token")


def list_tokens(engine: Engine, email: str | None = None) -> list[dict[str, Any]]:
    """Tokens (never their secrets), optionally of one user."""
    with engine.connect() as conn:
        return [
            dict(r) for r in conn.execute(query("auth/list_tokens"), {"email": email}).mappings()
        ]


def revoke_token(engine: Engine, token_id: int, actor: Principal | None = None) -> None:
    """Revoke a token at once."""
    with engine.begin() as conn:
        if conn.execute(query("auth/revoke_token"), {"token_id": token_id}).first() is None:
            raise NotFound(f"No token with id {token_id}.")
        audit.record(conn, actor, "token.revoke", str(token_id))
