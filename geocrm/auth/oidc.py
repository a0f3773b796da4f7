"""Single sign-on with an OpenID Connect provider (optional: ``GEOCRM_OIDC_ISSUER``).

The authorization-code flow with PKCE: :func:`begin` keeps a sign-in's state, nonce and
code verifier in ``auth.oidc_states`` (so any server worker can finish it) and answers the
provider's authorization URL; :func:`finish` uses the state up (once, within
``STATE_MAX_AGE_S``), exchanges the code at the provider's token endpoint, validates the ID
token (signature by the provider's JWKS, ``iss``, ``aud`` = our client id, ``exp``, the
nonce) and finds the GeoCRM user: the one linked to (issuer, subject); else the enabled user
of the e-mail the provider vouches for (``email_verified``), then linked; else a new user of
``GEOCRM_OIDC_DEFAULT_ROLE`` (analyst by default, never admin). The caller then opens a
session exactly as a password sign-in does.

The provider's discovery document and keys are cached for ``METADATA_TTL_S``; an ID token
signed by a key id the cache does not know refetches the keys once (key rotation).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from geocrm.auth import audit
from geocrm.auth.principal import Principal, principal_from_row
from geocrm.db import query
from geocrm.errors import GeoCrmError, NotFound, Unauthorized
from geocrm.settings import auth_settings

CALLBACK_PATH = "/api/auth/oidc/callback"
SCOPE = "openid email profile"
STATE_MAX_AGE_S = 600  # a sign-in has ten minutes to come back from the provider
METADATA_TTL_S = 3600
HTTP_TIMEOUT_S = 10
LEEWAY_S = 60  # clock skew tolerated on exp, iat, nbf
#: ID token signatures accepted (asymmetric only: the provider's published keys).
SIGNING_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA")
START_AGAIN = "Start the sign-in again."


class ProviderUnavailable(GeoCrmError):
    """The OpenID Connect provider cannot be reached or answers nonsense."""

    http_status = 502
    exit_code = 7


@dataclass(frozen=True)
class OidcConfig:
    """The single sign-on settings, when configured."""

    issuer: str
    client_id: str
    client_secret: str | None
    default_role: str
    redirect_url: str | None
    create_users: bool
    email_domains: tuple[str, ...]


def oidc_config() -> OidcConfig | None:
    """The configured provider, or None when single sign-on is off (issuer or client id
    unset)."""
    s = auth_settings()
    if not s.oidc_issuer or not s.oidc_client_id:
        return None
    return OidcConfig(
        issuer=s.oidc_issuer.strip(),
        client_id=s.oidc_client_id,
        client_secret=s.oidc_client_secret or None,
        default_role=s.oidc_default_role,
        redirect_url=s.oidc_redirect_url,
        create_users=s.oidc_create_users,
        email_domains=tuple(d.lower().lstrip("@") for d in s.oidc_email_domains),
    )


def _config() -> OidcConfig:
    config = oidc_config()
    if config is None:
        raise NotFound(
            "Single sign-on is not configured here: set GEOCRM_OIDC_ISSUER and "
            "GEOCRM_OIDC_CLIENT_ID, or sign in with your e-mail and password."
        )
    return config


# ----------------------------------------------------------------- the provider, cached

_cache: dict[str, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every provider's discovery document and keys (they are fetched again)."""
    with _cache_lock:
        _cache.clear()


def _get_json(url: str, what: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT_S, allow_redirects=False)
        response.raise_for_status()
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(
            f"The sign-in provider's {what} ({url}) could not be read: {exc}"
        ) from exc
    if not isinstance(body, dict):
        raise ProviderUnavailable(f"The sign-in provider's {what} ({url}) is not a JSON object.")
    return body


def _cached(key: str, fetch, force: bool = False) -> Any:
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and not force and now - hit[0] < METADATA_TTL_S:
        return hit[1]
    value = fetch()  # outside the lock: a slow provider holds up no other sign-in
    with _cache_lock:
        _cache[key] = (now, value)
    return value


def provider_metadata(issuer: str, force: bool = False) -> dict[str, Any]:
    """The provider's discovery document (``<issuer>/.well-known/openid-configuration``),
    checked to name this issuer and the endpoints the flow needs."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"

    def fetch() -> dict[str, Any]:
        metadata = _get_json(url, "discovery document")
        said = str(metadata.get("issuer", ""))
        if said.rstrip("/") != issuer.rstrip("/"):
            raise ProviderUnavailable(
                f"The provider at {url} names its issuer {said[:200]!r}, not {issuer!r}: "
                "set GEOCRM_OIDC_ISSUER to the issuer it names."
            )
        missing = [
            key
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")
            if not metadata.get(key)
        ]
        if missing:
            raise ProviderUnavailable(f"The provider's {url} lacks {', '.join(missing)}.")
        return metadata

    return _cached("metadata " + url, fetch, force)


def _key_set(metadata: dict[str, Any], force: bool = False) -> KeySet:
    uri = metadata["jwks_uri"]

    def fetch() -> KeySet:
        try:
            return KeySet.import_key_set(_get_json(uri, "signing keys"))
        except (JoseError, KeyError, TypeError, ValueError) as exc:
            raise ProviderUnavailable(f"The provider's keys ({uri}) are not a JWK set.") from exc

    return _cached("jwks " + uri, fetch, force)


def _session(config: OidcConfig, metadata: dict[str, Any], redirect_uri: str) -> OAuth2Session:
    if config.client_secret is None:
        method = "none"  # a public client: PKCE alone binds the code to this sign-in
    else:
        supported = metadata.get("token_endpoint_auth_methods_supported") or []
        basic = not supported or "client_secret_basic" in supported
        method = "client_secret_basic" if basic else "client_secret_post"
    return OAuth2Session(
        client_id=config.client_id,
        client_secret=config.client_secret,
        token_endpoint_auth_method=method,
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        default_timeout=HTTP_TIMEOUT_S,
    )


# ----------------------------------------------------------------- the flow


def safe_next(value: str | None) -> str:
    """``value`` when it is a path of this site (``/map?x=1``), else ``/``: the sign-in never
    sends anyone to another site (``//evil.example``, ``https://…``, ``/\\evil``)."""
    if not value or len(value) > 2000 or not value.startswith("/") or value.startswith("//"):
        return "/"
    if "\\" in value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return "/"
    parts = urlsplit(value)
    return "/" if parts.scheme or parts.netloc else value


def is_configured() -> bool:
    """Whether single sign-on is on."""
    return oidc_config() is not None


def begin(engine: Engine, callback_url: str, next_path: str | None = None) -> str:
    """Start a sign-in: keep its state, nonce and PKCE verifier; return the provider's
    authorization URL to send the browser to. ``callback_url``: this server's callback,
    unless ``GEOCRM_OIDC_REDIRECT_URL`` says otherwise."""
    config = _config()
    metadata = provider_metadata(config.issuer)
    redirect_uri = config.redirect_url or callback_url
    state, nonce, verifier = generate_token(43), generate_token(43), generate_token(64)
    with engine.begin() as conn:
        conn.execute(
            query("auth/oidc_insert_state"),
            {
                "state": state,
                "nonce": nonce,
                "next_path": safe_next(next_path),
                "code_verifier": verifier,
                "redirect_uri": redirect_uri,
                "max_age_s": STATE_MAX_AGE_S,
            },
        )
    with _session(config, metadata, redirect_uri) as session:
        url, _ = session.create_authorization_url(
            metadata["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce
        )
    return url


def finish(
    engine: Engine,
    *,
    state: str | None,
    code: str | None,
    error: str | None = None,
    error_description: str | None = None,
) -> tuple[Principal, str]:
    """Finish a sign-in the provider sent back: the signed-in user and the local path to go
    to. ``Unauthorized`` (with why) for an unknown, used or expired state, a refusal by the
    provider, a code it does not exchange, an ID token that is not valid, a disabled user."""
    config = _config()
    try:
        with engine.begin() as conn:
            row = None
            if state:
                row = conn.execute(
                    query("auth/oidc_take_state"), {"state": state, "max_age_s": STATE_MAX_AGE_S}
                ).first()
        if error:
            said = f"{error}: {error_description}" if error_description else error
            raise Unauthorized(f"The sign-in provider refused the sign-in ({said[:300]}).")
        if row is None:
            raise Unauthorized(f"This sign-in is unknown or was used already. {START_AGAIN}")
        if not row.fresh:
            raise Unauthorized(f"This sign-in took too long and expired. {START_AGAIN}")
        if not code:
            raise Unauthorized(f"The provider sent no authorization code. {START_AGAIN}")
        metadata = provider_metadata(config.issuer)
        tokens = _exchange(config, metadata, code, row.code_verifier, row.redirect_uri)
        claims = validate_id_token(config, metadata, tokens, row.nonce)
        principal = _user_for(engine, config, metadata["issuer"], claims)
    except Unauthorized as exc:
        audit.record_now(engine, None, "auth.oidc_failed", detail={"reason": str(exc)[:300]})
        raise
    return principal, row.next_path


def _exchange(
    config: OidcConfig, metadata: dict[str, Any], code: str, verifier: str, redirect_uri: str
) -> dict[str, Any]:
    try:
        with _session(config, metadata, redirect_uri) as session:
            tokens = session.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=verifier,
            )
    except OAuthError as exc:
        raise Unauthorized(
            f"The sign-in provider did not accept the authorization code ({exc.error}). "
            + START_AGAIN
        ) from exc
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"The sign-in provider's token endpoint failed: {exc}") from exc
    if not isinstance(tokens.get("id_token"), str):
        raise Unauthorized("The sign-in provider sent no ID token (is `openid` in its scopes?).")
    return dict(tokens)


def validate_id_token(
    config: OidcConfig, metadata: dict[str, Any], tokens: dict[str, Any], nonce: str
) -> dict[str, Any]:
    """The claims of the ID token in ``tokens`` once valid: signed by one of the provider's
    keys with an asymmetric algorithm it announces, issued by it, for our client id,
    unexpired, carrying this sign-in's nonce; else ``Unauthorized``."""
    announced = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [a for a in announced if a in SIGNING_ALGS] or ["RS256"]
    registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
    try:
        try:
            token = jwt.decode(tokens["id_token"], _key_set(metadata), registry=registry)
        except InvalidKeyIdError:  # the provider rotated its keys: fetch them once more
            token = jwt.decode(
                tokens["id_token"], _key_set(metadata, force=True), registry=registry
            )
        claims = CodeIDToken(
            token.claims,
            token.header,
            {
                "iss": {"essential": True, "value": metadata["issuer"]},
                "aud": {"essential": True, "value": config.client_id},
                "sub": {"essential": True},
            },
            {
                "nonce": nonce,
                "client_id": config.client_id,
                "access_token": tokens.get("access_token"),
            },
        )
        claims.validate(leeway=LEEWAY_S)
    except ExpiredTokenError as exc:
        raise Unauthorized(f"The provider's ID token has expired. {START_AGAIN}") from exc
    except JoseError as exc:
        why = getattr(exc, "description", None) or exc.error
        raise Unauthorized(f"The provider's ID token is not valid ({why}). {START_AGAIN}") from exc
    return dict(claims)


# ----------------------------------------------------------------- who signed in


def _verified_email(claims: dict[str, Any]) -> str | None:
    email = claims.get("email")
    verified = claims.get("email_verified")
    if isinstance(email, str) and email and (verified is True or verified == "true"):
        return email.strip().lower()
    return None


def _enabled(row) -> Principal:
    if row.disabled_at is not None:
        raise Unauthorized(f"The user {row.email} is disabled: ask an administrator.")
    return principal_from_row(row, via="session")


def _user_for(engine: Engine, config: OidcConfig, issuer: str, claims: dict[str, Any]) -> Principal:
    """The GeoCRM user of a valid ID token: linked, linked now by e-mail, or created."""
    subject = str(claims["sub"])
    link = {"issuer": issuer, "subject": subject}
    with engine.begin() as conn:
        row = conn.execute(query("auth/user_by_oidc"), link).first()
        if row is not None:
            return _enabled(row)
        email = _verified_email(claims)
        if email is None:
            raise Unauthorized(
                "Nobody here is linked to this account of the sign-in provider, and the "
                "provider does not vouch for its e-mail address (email_verified): ask an "
                "administrator."
            )
        row = conn.execute(query("auth/user_by_email_for_oidc"), {"email": email}).first()
        if row is not None:
            return _link(conn, row, link)
        return _create(conn, config, email, claims, link)


def _link(conn: Connection, row, link: dict[str, str]) -> Principal:
    principal = _enabled(row)
    if row.oidc_subject is not None:
        raise Unauthorized(
            f"The user {row.email} is linked to another account of a sign-in provider: "
            "ask an administrator."
        )
    conn.execute(query("auth/link_oidc"), {"user_id": row.user_id, **link})
    audit.record(conn, principal, "user.oidc_link", row.email, {"issuer": link["issuer"]})
    return principal


def _create(
    conn: Connection, config: OidcConfig, email: str, claims: dict[str, Any], link: dict[str, str]
) -> Principal:
    domain = email.rpartition("@")[2]
    if not config.create_users or (config.email_domains and domain not in config.email_domains):
        raise Unauthorized(f"There is no GeoCRM user {email}: ask an administrator to add you.")
    name = claims.get("name")
    display_name = name.strip()[:200] if isinstance(name, str) and name.strip() else None
    try:
        with conn.begin_nested():
            row = conn.execute(
                query("auth/insert_oidc_user"),
                {"email": email, "display_name": display_name, "role": config.default_role, **link},
            ).first()
    except IntegrityError as exc:  # the e-mail fails the table's check
        raise Unauthorized(f"The provider's e-mail address {email[:100]!r} is not usable.") from exc
    if row is None:  # the same person signing in twice at once
        raise Unauthorized(f"This user was just created by another sign-in. {START_AGAIN}")
    principal = principal_from_row(row, via="session")
    audit.record(conn, principal, "user.add", email, {"role": config.default_role, "via": "oidc"})
    return principal
