"""A small OpenID Connect provider for the tests, served over real HTTP on 127.0.0.1.

Discovery, an authorization endpoint that approves the configured user at once (no login
page), a token endpoint that checks the client's secret, the code (once), the redirect URL
and the PKCE verifier, and a JWKS endpoint. ID tokens are signed with an RSA key by
``joserfc`` (the JOSE library Authlib itself uses). ``mode`` spoils the next ID tokens on
purpose: a wrong nonce, audience or issuer, expired, signed by another key, with HS256.
"""

from __future__ import annotations

import base64
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import uvicorn
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

CLIENT_ID = "geocrm-test"
CLIENT_SECRET = "provider-secret-for-tests"
CALLBACK = "http://testserver/api/auth/oidc/callback"
MODES = (None, "nonce", "aud", "iss", "expired", "signature", "hs256", "none", "deny", "bad_code")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Provider:
    """The provider's state: its key, the user it signs in, issued codes, a spoiling mode."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
        self.base = ""
        self.user: dict[str, Any] = {}
        self.mode: str | None = None
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_requests: list[dict[str, str]] = []

    @property
    def issuer(self) -> str:
        return self.base

    def rotate_key(self, kid: str) -> None:
        """A new signing key under a new key id (the old one is gone from the JWKS)."""
        self.key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig"})

    # ----------------------------------------------------------------- endpoints

    async def discovery(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.base}/authorize",
                "token_endpoint": f"{self.base}/token",
                "jwks_uri": f"{self.base}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def jwks(self, request: Request) -> JSONResponse:
        return JSONResponse(KeySet([self.key]).as_dict(private=False))

    async def authorize(self, request: Request) -> RedirectResponse | JSONResponse:
        q = request.query_params
        problems = [
            name
            for name, ok in (
                ("client_id", q.get("client_id") == CLIENT_ID),
                ("redirect_uri", q.get("redirect_uri") == CALLBACK),
                ("response_type", q.get("response_type") == "code"),
                ("scope", "openid" in q.get("scope", "").split()),
                ("code_challenge_method", q.get("code_challenge_method") == "S256"),
                ("code_challenge", bool(q.get("code_challenge"))),
                ("nonce", bool(q.get("nonce"))),
                ("state", bool(q.get("state"))),
            )
            if not ok
        ]
        if problems:  # a real provider shows an error page: the test sees a 400
            return JSONResponse({"error": "invalid_request", "bad": problems}, status_code=400)
        if self.mode == "deny":
            params = {"error": "access_denied", "error_description": "the user said no"}
        else:
            code = secrets.token_urlsafe(24)
            self.codes[code] = {
                "nonce": q["nonce"],
                "challenge": q["code_challenge"],
                "redirect_uri": q["redirect_uri"],
                "claims": dict(self.user),
            }
            params = {"code": code}
        query = urlencode({**params, "state": q["state"]})
        return RedirectResponse(f"{q['redirect_uri']}?{query}", status_code=302)

    async def token(self, request: Request) -> JSONResponse:
        form = dict(await request.form())
        self.token_requests.append(form)
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {basic}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        issued = self.codes.pop(form.get("code", ""), None)
        if (
            self.mode == "bad_code"
            or issued is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != issued["redirect_uri"]
            or create_s256_code_challenge(form.get("code_verifier", "")) != issued["challenge"]
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(issued["claims"], issued["nonce"]),
            }
        )

    def id_token(self, user: dict[str, Any], nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **user,
        }
        key: Any = self.key
        header = {"alg": "RS256", "kid": self.key.kid}
        if self.mode == "nonce":
            claims["nonce"] = "not-the-nonce"
        elif self.mode == "aud":
            claims["aud"] = "another-client"
        elif self.mode == "iss":
            claims["iss"] = "http://127.0.0.1:1/impostor"
        elif self.mode == "expired":
            claims.update(iat=now - 3600, exp=now - 1800)
        elif self.mode == "signature":  # another key under the same key id
            key = RSAKey.generate_key(2048, parameters={"kid": self.key.kid})
        elif self.mode == "hs256":  # the public client secret as an HMAC key
            header = {"alg": "HS256", "kid": self.key.kid}
            key = OctKey.import_key(CLIENT_SECRET)
            return jwt.encode(header, claims, key, algorithms=["HS256"])
        elif self.mode == "none":
            head = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
            return f"{head}.{_b64(json.dumps(claims).encode())}."
        return jwt.encode(header, claims, key)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/jwks", self.jwks),
            ]
        )


def free_port() -> int:
    """A port of 127.0.0.1 nobody listens on (right now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(provider: Provider) -> Iterator[Provider]:
    """The provider on a free port of 127.0.0.1, in a thread of this process."""
    port = free_port()
    provider.base = f"http://127.0.0.1:{port}"
    config = uvicorn.Config(
        provider.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "the test provider did not start"
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
