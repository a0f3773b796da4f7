"""Answers of ``/api/admin``: users, API tokens and the audit log, as administrators see
them (never a password or a token's secret, except a new token once)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class AdminUser(BaseModel):
    """A user with their role, reps and state."""

    user_id: int
    email: str
    display_name: str | None = None
    role: str = Field(description="admin, manager, rep, marketer or analyst")
    reps: list[int] = Field(description="crm.reps ids: rep: their own; manager: their reps")
    disabled_at: dt.datetime | None = Field(description="when disabled; null: may sign in")
    created_at: dt.datetime
    last_seen_at: dt.datetime | None = Field(description="last request of a session")


class CreatedUser(BaseModel):
    """A new user, and the generated password (shown once) when none was given."""

    user: AdminUser
    password: str | None = Field(
        default=None, description="the generated password, shown only now; null if given"
    )


class TokenInfo(BaseModel):
    """An API token, never its secret."""

    token_id: int
    email: str = Field(description="whose token it is")
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None


class CreatedToken(BaseModel):
    """A new API token: ``token`` is shown only now (``Authorization: Bearer <token>``)."""

    token_id: int
    email: str
    name: str
    token: str


class AuditEntry(BaseModel):
    """Who did what: never a customer's data (a customer is a digest, ``sha256:...``)."""

    audit_id: int
    at: dt.datetime
    user_id: int | None = Field(description="the user; null: the command line or anonymous")
    actor: str = Field(description="an e-mail, cli:<os user> or anonymous")
    action: str = Field(description="e.g. auth.login, user.add, zones.export, customers.forget")
    target: str | None = None
    detail: dict[str, Any] = Field(description="counts, ids, settings, file names")
    request_id: str | None = Field(description="the HTTP request (X-Request-ID)")
