"""Who is asking, and may they: sign-in credentials, per-route access rules, CSRF, and the
browser-facing hardening (allowed hosts, security headers, CORS).

``AuthMiddleware`` resolves the caller once per request (session cookie or ``Authorization:
Bearer`` token) and sets the database scope of the request (``geocrm.db.scope``), so that
row-level security sees the user in every transaction the request opens. Each route then
declares who may call it with ``allow(...)`` (``tests/api/test_access_matrix.py`` fails for a
route without a rule); a session's state-changing request must carry its CSRF token.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Send
from starlette.types import Scope as AsgiScope

from geocrm.api.errors import error_response
from geocrm.auth.credentials import TOKEN_PREFIX, session_principal, token_principal
from geocrm.auth.principal import ROLES, Principal
from geocrm.db.errors import as_geocrm_error
from geocrm.db.scope import ANONYMOUS, set_scope
from geocrm.errors import Forbidden, GeoCrmError, Unauthorized
from geocrm.settings import auth_settings

SESSION_COOKIE = "geocrm_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANY_ROLE = ROLES
#: Routes anyone may call, signed in or not (the sign-in itself, health).
PUBLIC: tuple[str, ...] = ()

#: The web app's pages: scripts, styles and workers of its own origin only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; worker-src 'self' blob:; child-src blob:; connect-src 'self'; "
    "font-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
#: The API docs page (Swagger UI, served from the web app's build: no CDN) starts with
#: FastAPI's inline script; it holds no data of anyone.
DOCS_PATHS = frozenset({"/docs"})
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; img-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "cross-origin-opener-policy": "same-origin",
}


class AuthMiddleware:
    """Resolve the caller of each HTTP request into ``request.state`` and the db scope."""

    def __init__(self, app: ASGIApp, engine_of: Callable[[AsgiScope], Any]):
        self.app = app
        self.engine_of = engine_of

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state.update(principal=None, csrf=None, session_id=None, auth_error=None)
        set_scope(ANONYMOUS)  # nothing carried over from a previous request
        headers = Headers(scope=scope)
        bearer = headers.get("authorization", "")
        cookies = cookie_parser(headers.get("cookie", ""))
        try:
            if bearer:
                kind, _, token = bearer.partition(" ")
                if kind.lower() != "bearer" or not token.strip().startswith(TOKEN_PREFIX):
                    raise Unauthorized("Use `Authorization: Bearer <token>` with a GeoCRM token.")
                state["principal"] = await run_in_threadpool(
                    token_principal, self.engine_of(scope), token.strip()
                )
            elif cookies.get(SESSION_COOKIE):
                found = await run_in_threadpool(
                    session_principal, self.engine_of(scope), cookies[SESSION_COOKIE]
                )
                if found is not None:
                    state["principal"], state["csrf"] = found
                    state["session_id"] = cookies[SESSION_COOKIE]
        except GeoCrmError as exc:
            state["auth_error"] = exc
        except Exception as exc:  # the database is down, say: answered by the route's rule
            known = as_geocrm_error(exc)
            if known is None:
                raise
            state["auth_error"] = known
        principal: Principal | None = state["principal"]
        if principal is not None:
            set_scope(principal.scope(auth_settings().min_cell_count))
        await self.app(scope, receive, send)


class BrowserGuardMiddleware:
    """Answers only the allowed ``Host`` names (DNS rebinding), refuses a cross-site
    state-changing request (an ``Origin`` that is neither this site nor an allowed CORS
    origin), and puts the security headers on every answer."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        security = _security_headers(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [
                    (k.encode(), v.encode())
                    for k, v in security.items()
                    if k.encode() not in present
                ]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        refusal = _refusal(scope["method"], headers)
        if refusal is not None:  # refused here: with the security headers all the same
            status, detail = refusal
            kind = "Forbidden" if status == 403 else "InvalidHost"
            response = error_response(Request(scope), status, kind, detail)
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def _security_headers(path: str) -> dict[str, str]:
    if path in DOCS_PATHS:
        return {**SECURITY_HEADERS, "content-security-policy": DOCS_CONTENT_SECURITY_POLICY}
    return SECURITY_HEADERS


def _refusal(method: str, headers: Headers) -> tuple[int, str] | None:
    allowed = auth_settings().allowed_hosts
    raw = headers.get("host", "")
    host = raw.split("]")[0] + "]" if raw.startswith("[") else raw.split(":")[0]
    if "*" not in allowed and host not in allowed:
        return 400, (
            f"This server does not answer for host {host[:100]!r}: add it to GEOCRM_ALLOWED_HOSTS."
        )
    origin = headers.get("origin")
    if method not in SAFE_METHODS and origin and not _same_origin(origin, headers):
        return 403, f"Requests from {origin[:100]} may not change anything here."
    return None


def _same_origin(origin: str, headers: Headers) -> bool:
    host = headers.get("host", "")
    if origin in auth_settings().cors_origins:
        return True
    return origin.split("://", 1)[-1] == host


def current_principal(request: Request) -> Principal:
    """The signed-in caller, or 401 with why."""
    error = request.state.auth_error
    if error is not None:
        raise error
    principal = request.state.principal
    if principal is None:
        raise Unauthorized("Sign in first: a session cookie or `Authorization: Bearer <token>`.")
    return principal


def allow(*roles: str) -> Any:
    """The access rule of a route: who may call it (``PUBLIC``: anyone). Checks the CSRF
    token of a session's state-changing request."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def rule(request: Request) -> Principal | None:
        if not roles:
            return request.state.principal
        principal = current_principal(request)
        if principal.role not in roles:
            raise Forbidden(
                f"Your role ({principal.role}) may not do this; it needs: {', '.join(roles)}."
            )
        if request.method not in SAFE_METHODS and principal.via == "session":
            given = request.headers.get(CSRF_HEADER, "")
            if not given or not hmac.compare_digest(given, request.state.csrf or ""):
                raise Forbidden(f"Missing or wrong {CSRF_HEADER} header (sign in again).")
        return principal

    rule.access_roles = roles  # read by the route-by-role matrix test
    return Depends(rule)


#: The signed-in caller (any role), as a route parameter.
CurrentUser = Annotated[Principal, Depends(current_principal)]
