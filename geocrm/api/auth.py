"""``/api/auth``: sign in (a session cookie; with a password or through the single sign-on
provider), sign out, who am I, change my password."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from geocrm.api.access import ANY_ROLE, PUBLIC, SESSION_COOKIE, CurrentUser, allow
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.models.auth import Me
from geocrm.auth import oidc, users
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


def _start_session(
    request: Request, response: Response, principal: Principal, engine: Engine
) -> str:
    """Open a session of ``principal`` and set its cookie on ``response``; returns the CSRF
    token. Every way of signing in (password, single sign-on) ends here."""
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
    return csrf


@router.get(
    "/config",
    summary="How to sign in here: password, and single sign-on when configured",
    dependencies=[allow(*PUBLIC)],
)
def sign_in_config() -> dict[str, Any]:
    sso = oidc.is_configured()
    return {
        "password": True,
        "oidc": sso,
        "oidc_login_url": "/api/auth/oidc/login" if sso else None,
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
    return _me(principal, _start_session(request, response, principal, engine))


_REDIRECT = {302: {"description": "a redirect (the Location header)"}}
_NO_STORE = {"Cache-Control": "no-store"}


@router.get(
    "/oidc/login",
    summary="Sign in through the single sign-on provider: redirects to it (404 when off)",
    status_code=302,
    response_class=RedirectResponse,
    responses=_REDIRECT,
    dependencies=[allow(*PUBLIC)],
)
def oidc_login(
    request: Request,
    engine: EngineDep,
    next: Annotated[
        str | None, Query(max_length=2000, description="a path of this site to end at")
    ] = None,
) -> RedirectResponse:
    url = oidc.begin(engine, str(request.url_for("oidc_callback")), next)
    return RedirectResponse(url, status_code=302, headers=_NO_STORE)


@router.get(
    "/oidc/callback",
    summary="Where the provider sends the browser back: sets the session cookie, redirects",
    status_code=302,
    response_class=RedirectResponse,
    responses=_REDIRECT,
    dependencies=[allow(*PUBLIC)],
    name="oidc_callback",
)
def oidc_callback(
    request: Request,
    engine: EngineDep,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    error_description: Annotated[str | None, Query(max_length=1000)] = None,
) -> RedirectResponse:
    principal, next_path = oidc.finish(
        engine, state=state, code=code, error=error, error_description=error_description
    )
    response = RedirectResponse(next_path, status_code=302, headers=_NO_STORE)
    _start_session(request, response, principal, engine)
    return response


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
