"""``/api/admin``: users, API tokens and the audit log, for administrators only.

The changes are recorded in the audit log by ``geocrm.auth`` in their own transaction,
with the signed-in administrator as the actor and the request's id.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from geocrm.api.access import CurrentUser, allow
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.models.admin import AdminUser, AuditEntry, CreatedToken, CreatedUser, TokenInfo
from geocrm.api.params import DECIMAL, BodyId32, TokenId, UserId
from geocrm.auth import audit, credentials, users
from geocrm.auth.principal import ROLES

router = APIRouter(
    prefix="/api/admin",
    tags=["admin"],
    responses=ERROR_RESPONSES,
    dependencies=[allow("admin")],
)

RepIds = Annotated[
    list[BodyId32],
    Field(max_length=1000, description="crm.reps ids: one for a rep, one or more for a manager"),
]


class UserCreate(BaseModel):
    """A new user; without ``password`` one is generated and answered once."""

    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, Field(min_length=3, max_length=320)]
    role: str = Field(description=", ".join(ROLES))
    reps: RepIds = Field(default_factory=list)
    display_name: Annotated[str | None, Field(max_length=200)] = None
    password: Annotated[str | None, Field(max_length=1024)] = None


class RoleChange(BaseModel):
    """A user's new role and reps."""

    model_config = ConfigDict(extra="forbid")

    role: str = Field(description=", ".join(ROLES))
    reps: RepIds = Field(default_factory=list)


class TokenCreate(BaseModel):
    """A new API token of a user."""

    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, Field(min_length=3, max_length=320)]
    name: Annotated[str, Field(min_length=1, max_length=100)] = "api"
    days: Annotated[float | None, Field(gt=0, le=36_500)] = Field(
        default=None, description="expires after this many days (default: never)"
    )


@router.get("/users", summary="Every user, role, reps, state", response_model=list[AdminUser])
def list_users(engine: EngineDep) -> list[dict[str, Any]]:
    return users.list_users(engine)


@router.post(
    "/users",
    status_code=201,
    summary="Add a user (409 if the e-mail exists); a generated password is answered once",
    response_model=CreatedUser,
)
def add_user(engine: EngineDep, body: UserCreate, principal: CurrentUser) -> dict[str, Any]:
    user_id, generated = users.add_user(
        engine,
        body.email,
        body.role,
        reps=body.reps,
        password=body.password,
        display_name=body.display_name,
        actor=principal,
    )
    return {"user": users.get_user(engine, user_id), "password": generated}


@router.post(
    "/users/{user_id}/disable",
    summary="Disable a user at once: their sessions end and tokens stop working",
    response_model=AdminUser,
)
def disable_user(engine: EngineDep, user_id: UserId, principal: CurrentUser) -> dict[str, Any]:
    users.disable_user(engine, users.email_of(engine, user_id), actor=principal)
    return users.get_user(engine, user_id)


@router.put(
    "/users/{user_id}/role",
    summary="Change a user's role and reps (from their next request)",
    response_model=AdminUser,
)
def set_role(
    engine: EngineDep, user_id: UserId, body: RoleChange, principal: CurrentUser
) -> dict[str, Any]:
    users.set_role(
        engine, users.email_of(engine, user_id), body.role, reps=body.reps, actor=principal
    )
    return users.get_user(engine, user_id)


@router.get("/tokens", summary="API tokens (never their secrets)", response_model=list[TokenInfo])
def list_tokens(
    engine: EngineDep,
    email: Annotated[str | None, Query(max_length=320, description="only this user's")] = None,
) -> list[dict[str, Any]]:
    return credentials.list_tokens(engine, email)


@router.post(
    "/tokens",
    status_code=201,
    summary="A new API token of a user: the token is answered only now",
    response_model=CreatedToken,
)
def create_token(engine: EngineDep, body: TokenCreate, principal: CurrentUser) -> dict[str, Any]:
    token_id, token = credentials.issue_token(
        engine, body.email, name=body.name, days=body.days, actor=principal
    )
    return {
        "token_id": token_id,
        "email": body.email.strip().lower(),
        "name": body.name.strip(),
        "token": token,
    }


@router.delete(
    "/tokens/{token_id}", status_code=204, summary="Revoke a token at once (404 if unknown)"
)
def revoke_token(engine: EngineDep, token_id: TokenId, principal: CurrentUser) -> Response:
    credentials.revoke_token(engine, token_id, actor=principal)
    return Response(status_code=204)


@router.get(
    "/audit",
    summary="The audit log, newest first: sign-ins, changes, imports, exports",
    response_model=list[AuditEntry],
)
def audit_log(
    engine: EngineDep,
    since: Annotated[
        dt.datetime | None, Query(description="at or after (ISO 8601; naive = UTC)")
    ] = None,
    action: Annotated[str | None, Query(max_length=100, description="only this action")] = None,
    actor: Annotated[str | None, Query(max_length=320, description="only this actor")] = None,
    limit: Annotated[int, Query(ge=1, le=audit.MAX_LIMIT), DECIMAL] = 100,
) -> list[dict[str, Any]]:
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    return audit.entries(engine, since=since, action=action, actor=actor, limit=limit)
