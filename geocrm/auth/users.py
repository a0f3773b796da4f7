"""People who sign in: adding, listing, disabling, roles and passwords; signing in."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from geocrm.auth import audit
from geocrm.auth.passwords import generate_password, hash_password, verify_password
from geocrm.auth.principal import ROLES, Principal, principal_from_row
from geocrm.db import query
from geocrm.errors import Conflict, InvalidInput, NotFound, TooManyRequests, Unauthorized
from geocrm.settings import auth_settings

WRONG_CREDENTIALS = "Wrong e-mail or password."


def check_role(role: str, reps: Sequence[int]) -> list[int]:
    """Validate a role and its reps: a rep has exactly one, a manager at least one."""
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}: use one of {', '.join(ROLES)}.")
    reps = sorted(set(int(r) for r in reps))
    if role == "rep" and len(reps) != 1:
        raise InvalidInput("A rep user needs exactly one crm.reps id: --rep REP_ID.")
    if role == "manager" and not reps:
        raise InvalidInput("A manager needs the crm.reps ids of their reps: --reps ID,...")
    if role not in ("rep", "manager") and reps:
        raise InvalidInput(f"Only rep and manager users have reps, not {role}.")
    return reps


def _check_reps_exist(conn: Connection, reps: list[int]) -> None:
    known = {r for (r,) in conn.execute(query("auth/known_reps"), {"reps": reps})}
    missing = [r for r in reps if r not in known]
    if missing:
        raise NotFound(f"No rep with id {', '.join(map(str, missing))} in crm.reps.")


def _user(conn: Connection, email: str):
    row = conn.execute(query("auth/user_by_email"), {"email": email}).first()
    if row is None:
        raise NotFound(f"No user {email.strip().lower()!r}.")
    return row


def _keep_an_admin(conn: Connection, row, new_role: str | None) -> None:
    """``Conflict`` when the change (disabling: ``new_role`` None) would leave no enabled
    administrator to manage users through the API."""
    if row.role != "admin" or row.disabled_at is not None or new_role == "admin":
        return
    if not conn.execute(query("auth/other_admins"), {"user_id": row.user_id}).scalar_one():
        raise Conflict(f"{row.email} is the last enabled administrator: add another admin first.")


def get_user(engine: Engine, user_id: int) -> dict[str, Any]:
    """One user as ``list_users`` shows them; ``NotFound`` when there is none."""
    with engine.connect() as conn:
        row = conn.execute(query("auth/user_listing"), {"user_id": user_id}).mappings().first()
    if row is None:
        raise NotFound(f"No user with id {user_id}.")
    return dict(row)


def email_of(engine: Engine, user_id: int) -> str:
    """The e-mail of user ``user_id`` (the functions here name users by e-mail)."""
    return get_user(engine, user_id)["email"]


def add_user(
    engine: Engine,
    email: str,
    role: str,
    reps: Sequence[int] = (),
    password: str | None = None,
    display_name: str | None = None,
    actor: Principal | None = None,
) -> tuple[int, str | None]:
    """Create a user; returns its id and the generated password (None when one was given)."""
    reps = check_role(role, reps)
    generated = None
    if password is None:
        password = generated = generate_password()
    pw_hash = hash_password(password)
    with engine.begin() as conn:
        _check_reps_exist(conn, reps)
        try:
            user_id = conn.execute(
                query("auth/insert_user"),
                {
                    "email": email,
                    "display_name": display_name,
                    "role": role,
                    "reps": reps,
                    "password_hash": pw_hash,
                },
            ).scalar_one()
        except IntegrityError as exc:
            if "users_email_key" in str(exc.orig):
                raise Conflict(f"A user {email.strip().lower()!r} exists already.") from exc
            raise InvalidInput(f"Not a valid user: {email!r} (an e-mail address).") from exc
        audit.record(conn, actor, "user.add", email.strip().lower(), {"role": role, "reps": reps})
    return user_id, generated


def list_users(engine: Engine) -> list[dict[str, Any]]:
    """Every user with their role, reps, whether disabled and when last seen."""
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query("auth/list_users")).mappings()]


def disable_user(engine: Engine, email: str, actor: Principal | None = None) -> None:
    """Disable a user at once: their sessions end and their tokens stop working."""
    with engine.begin() as conn:
        row = _user(conn, email)
        _keep_an_admin(conn, row, None)
        conn.execute(query("auth/disable_user"), {"user_id": row.user_id})
        conn.execute(query("auth/end_user_sessions"), {"user_id": row.user_id, "keep": None})
        audit.record(conn, actor, "user.disable", row.email)


def set_role(
    engine: Engine,
    email: str,
    role: str,
    reps: Sequence[int] = (),
    actor: Principal | None = None,
) -> None:
    """Change a user's role and reps (effective on their next request)."""
    reps = check_role(role, reps)
    with engine.begin() as conn:
        row = _user(conn, email)
        _keep_an_admin(conn, row, role)
        _check_reps_exist(conn, reps)
        conn.execute(query("auth/set_role"), {"user_id": row.user_id, "role": role, "reps": reps})
        audit.record(conn, actor, "user.set_role", row.email, {"role": role, "reps": reps})


def reset_password(
    engine: Engine, email: str, password: str | None = None, actor: Principal | None = None
) -> str | None:
    """Set a new password (generated when None, and returned); ends the user's sessions."""
    generated = None
    if password is None:
        password = generated = generate_password()
    pw_hash = hash_password(password)
    with engine.begin() as conn:
        row = _user(conn, email)
        conn.execute(query("auth/set_password"), {"user_id": row.user_id, "password_hash": pw_hash})
        conn.execute(query("auth/end_user_sessions"), {"user_id": row.user_id, "keep": None})
        audit.record(conn, actor, "user.reset_password", row.email)
    return generated


def change_password(
    engine: Engine,
    principal: Principal,
    current: str,
    new: str,
    keep_session: bytes | None = None,
) -> None:
    """A user changes their own password; their other sessions end."""
    with engine.begin() as conn:
        row = _user(conn, principal.email)
        if not verify_password(row.password_hash, current):
            raise Unauthorized("The current password is wrong.")
        conn.execute(
            query("auth/set_password"),
            {"user_id": row.user_id, "password_hash": hash_password(new)},
        )
        conn.execute(
            query("auth/end_user_sessions"), {"user_id": row.user_id, "keep": keep_session}
        )
        audit.record(conn, principal, "user.change_password", row.email)


def _limit_key(kind: str, value: str) -> str:
    return kind + ":" + hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def authenticate(engine: Engine, email: str, password: str, client: str = "") -> Principal:
    """The user with this e-mail and password, or ``Unauthorized`` (one message for a wrong
    e-mail, a wrong password and a disabled user). Too many failures per e-mail or per
    client address within the window: ``TooManyRequests``."""
    settings = auth_settings()
    keys = [_limit_key("email", email)] + ([_limit_key("client", client)] if client else [])
    limits = {"window_s": settings.login_window_s}
    with engine.begin() as conn:
        for key in keys:
            failures = conn.execute(query("auth/login_failures"), {"key": key, **limits}).scalar()
            if (failures or 0) >= settings.login_max_failures:
                audit.record(conn, None, "auth.login_limited", email.strip().lower()[:200])
                raise TooManyRequests(
                    "Too many failed sign-ins: wait a few minutes before trying again."
                )
        row = conn.execute(query("auth/user_by_email"), {"email": email}).first()
        ok = verify_password(row.password_hash if row else None, password)
        if not ok or row is None or row.disabled_at is not None:
            for key in keys:
                conn.execute(query("auth/record_failure"), {"key": key, **limits})
            audit.record(conn, None, "auth.login_failed", email.strip().lower()[:200])
            failed = True
        else:
            for key in keys:
                conn.execute(query("auth/clear_failures"), {"key": key})
            failed = False
    if failed:  # the failure is committed (it counts) before the caller hears of it
        raise Unauthorized(WRONG_CREDENTIALS)
    return principal_from_row(row, via="session")
