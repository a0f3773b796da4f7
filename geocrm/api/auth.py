"""``/api/auth``: sign in (a session cookie), sign out, who am I, change my password."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from geocrm.api.access import ANY_ROLE, PUBLIC, SESSION_COOKIE, CurrentUser, allow
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.models.auth import Me
from geocrm.auth import users
from geocrm.auth.credentials import create_session, digest, end_session
from geocrm.auth.principal import Principal
from geocrm.settings import auth_settings

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=ERROR_RESPONSES)


class Login(BaseModel):
    email: Annotated[str, Field(min_length=3, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class PasswordChange(BaseModel):
    current_password: Annotated[str, Field(min_length=1, max_length=1024)]
    new_password: Annotated[str, Field(min_length=1, max_length=1024)]


def _me(principal: Principal, csrf: str | None) -> dict[str, Any]:
    return {
        "user": {
            "user_id": principal.user_id,
            "email": principal.email,
            "display_name": principal.display_name,
            "role": principal.role,
            "reps": list(principal.reps),
        },
        "via": principal.via,
        "csrf_token": csrf,
        "min_cell_count": auth_settings().min_cell_count,
    }


def _secure(request: Request) -> bool:
    setting = auth_settings().secure_cookies
    return request.url.scheme == "https" if setting is None else setting


@router.get(
    "/config",
    summary="How to sign in here: password, and single sign-on when configured",
    dependencies=[allow(*PUBLIC)],
)
def sign_in_config() -> dict[str, Any]:
    oidc = auth_settings().oidc_issuer is not None
    return {
        "password": True,
        "oidc": oidc,
        "oidc_login_url": "/api/auth/oidc/login" if oidc else None,
    }


@router.post(
    "/login",
    summary="Sign in with e-mail and password: sets the session cookie",
    response_model=Me,
    dependencies=[allow(*PUBLIC)],
)
def login(body: Login, request: Request, response: Response, engine: EngineDep) -> dict[str, Any]:
    client = request.client.host if request.client else ""
    principal = users.authenticate(engine, body.email, body.password, client=client)
    session_id, csrf = create_session(engine, principal)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(auth_settings().session_hours * 3600),
        httponly=True,
        secure=_secure(request),
        samesite="strict",
        path="/",
    )
    return _me(principal, csrf)


@router.post(
    "/logout",
    summary="Sign out: the session ends",
    status_code=204,
    dependencies=[allow(*PUBLIC)],
)
def logout(request: Request, response: Response, engine: EngineDep) -> Response:
    session_id = request.state.session_id
    if session_id:
        end_session(engine, session_id, request.state.principal)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get(
    "/me",
    summary="Who is signed in, and the CSRF token of the session",
    response_model=Me,
    dependencies=[allow(*ANY_ROLE)],
)
def me(request: Request, principal: CurrentUser) -> dict[str, Any]:
    return _me(principal, request.state.csrf)


@router.post(
    "/password",
    summary="Change your own password (your other sessions end)",
    status_code=204,
    dependencies=[allow(*ANY_ROLE)],
)
def change_password(
    body: PasswordChange, request: Request, principal: CurrentUser, engine: EngineDep
) -> Response:
    keep = digest(request.state.session_id) if request.state.session_id else None
    users.change_password(engine, principal, body.current_password, body.new_password, keep)
    return Response(status_code=204)
