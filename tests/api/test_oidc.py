"""Single sign-on through an OpenID Connect provider, end to end over loopback HTTP.

The provider (``tests/api/oidc_provider.py``) runs on 127.0.0.1 in a thread; the app under
test is the real one on the app's database role. Each sign-in follows the redirects by
hand: app → provider's authorization endpoint (approves at once) → app's callback → cookie.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import text

from geocrm import settings
from geocrm.api.app import create_app
from geocrm.auth import oidc
from geocrm.auth.users import add_user, disable_user
from geocrm.settings import AuthSettings
from tests.api.oidc_provider import CALLBACK, CLIENT_ID, CLIENT_SECRET, Provider, free_port, serve


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with serve(Provider()) as running:
        yield running


def _configure(monkeypatch, **env: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(f"GEOCRM_OIDC_{name.upper()}", value)
    settings.auth_settings.cache_clear()
    oidc.clear_cache()


@pytest.fixture
def sso(monkeypatch, provider, app_engine) -> Iterator[TestClient]:
    """The app with single sign-on through the test provider; a fresh cookie jar."""
    provider.mode = None
    _configure(
        monkeypatch, issuer=provider.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    )
    yield TestClient(create_app(app_engine), follow_redirects=False)
    monkeypatch.undo()
    settings.auth_settings.cache_clear()
    oidc.clear_cache()


def _person(provider: Provider, verified: bool = True, **extra) -> str:
    """The provider signs in a new person; returns their e-mail."""
    email = f"sso-{uuid.uuid4().hex[:10]}@Example.COM"
    provider.user = {
        "sub": uuid.uuid4().hex,
        "email": email,
        "email_verified": verified,
        "name": "Sso Person",
        **extra,
    }
    return email.lower()


def _to_provider(client: TestClient, next_path: str | None = None) -> str:
    """The app's login: the URL of the provider it redirects to."""
    res = client.get("/api/auth/oidc/login", params={"next": next_path} if next_path else None)
    assert res.status_code == 302, res.text
    assert res.headers["cache-control"] == "no-store"
    return res.headers["location"]


def _from_provider(authorize_url: str) -> str:
    """The provider's answer (over real HTTP): the callback URL it sends the browser to."""
    res = httpx.get(authorize_url, follow_redirects=False, trust_env=False)
    assert res.status_code == 302, res.text
    callback = res.headers["location"]
    assert callback.startswith(CALLBACK + "?")
    return callback


def _sign_in(client: TestClient, next_path: str | None = None) -> httpx.Response:
    """A whole sign-in; the callback's response (a redirect with the cookie, or an error)."""
    return client.get(_from_provider(_to_provider(client, next_path)))


def _refused(res: httpx.Response, status: int, words: str) -> dict:
    assert res.status_code == status, res.text
    body = res.json()
    assert words in body["detail"], body
    assert "set-cookie" not in res.headers
    return body


def _user(engine, email: str):
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT user_id, role, oidc_issuer, oidc_subject, password_hash, display_name "
                "FROM auth.users WHERE email = :e"
            ),
            {"e": email},
        ).first()


def test_the_provider_redirect_carries_state_nonce_and_pkce(sso, provider):
    url = _to_provider(sso)
    assert url.startswith(f"{provider.base}/authorize?")
    q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert q["client_id"] == CLIENT_ID and q["redirect_uri"] == CALLBACK
    assert q["response_type"] == "code" and q["scope"].split() == ["openid", "email", "profile"]
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert len(q["state"]) >= 40 and len(q["nonce"]) >= 40 and q["state"] != q["nonce"]


def test_a_first_sign_in_creates_an_analyst_with_a_session(sso, provider, engine):
    assert sso.get("/api/auth/config").json() == {
        "password": True,
        "oidc": True,
        "oidc_login_url": "/api/auth/oidc/login",
    }
    email = _person(provider)
    res = _sign_in(sso)
    assert res.status_code == 302 and res.headers["location"] == "/"
    cookie = res.headers["set-cookie"]
    assert cookie.startswith("geocrm_session=") and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    me = sso.get("/api/auth/me")
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["user"]["email"] == email and body["user"]["role"] == "analyst"
    assert body["user"]["display_name"] == "Sso Person"
    assert body["via"] == "session" and body["csrf_token"]
    row = _user(engine, email)
    assert (row.oidc_issuer, row.oidc_subject) == (provider.issuer, provider.user["sub"])
    assert row.password_hash is None  # no password: a password sign-in cannot succeed
    # the PKCE verifier went to the provider with the code (the provider checked it)
    assert provider.token_requests[-1]["code_verifier"]

    # signing in again finds the linked user by (issuer, subject), whatever the e-mail says
    provider.user["email"] = f"renamed-{email}"
    again = TestClient(sso.app, follow_redirects=False)
    assert _sign_in(again).status_code == 302
    assert again.get("/api/auth/me").json()["user"]["user_id"] == row.user_id


def test_the_default_role_is_a_setting_but_never_admin(sso, provider, engine, monkeypatch):
    _configure(monkeypatch, default_role="marketer")
    email = _person(provider)
    assert _sign_in(sso).status_code == 302
    assert _user(engine, email).role == "marketer"
    for role in ("admin", "manager", "rep", "nobody"):
        monkeypatch.setenv("GEOCRM_OIDC_DEFAULT_ROLE", role)
        with pytest.raises(ValidationError, match="analyst or marketer"):
            AuthSettings()


def test_an_existing_user_is_linked_by_verified_email_and_keeps_their_role(sso, provider, engine):
    email = _person(provider)
    user_id, _ = add_user(engine, email, "marketer", password="correct horse battery")
    assert _sign_in(sso).status_code == 302
    me = sso.get("/api/auth/me").json()["user"]
    assert (me["user_id"], me["role"]) == (user_id, "marketer")
    row = _user(engine, email)
    assert row.oidc_subject == provider.user["sub"] and row.password_hash is not None
    # another account at the provider with the same e-mail cannot take the user over
    provider.user["sub"] = uuid.uuid4().hex
    _refused(_sign_in(TestClient(sso.app, follow_redirects=False)), 401, "linked to another")
    assert _user(engine, email).oidc_subject != provider.user["sub"]


def test_an_unverified_email_neither_links_nor_creates(sso, provider, engine):
    email = _person(provider, verified=False)
    add_user(engine, email, "marketer", password="correct horse battery")
    _refused(_sign_in(sso), 401, "email_verified")
    assert _user(engine, email).oidc_subject is None
    _person(provider, verified=False)
    _refused(_sign_in(sso), 401, "email_verified")


def test_new_users_can_be_limited_to_domains_or_turned_off(sso, provider, engine, monkeypatch):
    _configure(monkeypatch, email_domains="geocrm.example, other.example")
    email = _person(provider)
    _refused(_sign_in(sso), 401, "ask an administrator to add you")
    assert _user(engine, email) is None
    provider.user["email"] = f"{uuid.uuid4().hex[:8]}@geocrm.example"
    assert _sign_in(sso).status_code == 302
    _configure(monkeypatch, create_users="false")
    provider.user.update(sub=uuid.uuid4().hex, email=f"{uuid.uuid4().hex[:8]}@geocrm.example")
    _refused(_sign_in(sso), 401, "ask an administrator to add you")


def test_a_disabled_user_cannot_sign_in_through_the_provider(sso, provider, engine):
    linked = _person(provider)
    assert _sign_in(sso).status_code == 302
    disable_user(engine, linked)
    _refused(_sign_in(TestClient(sso.app, follow_redirects=False)), 401, "is disabled")
    unlinked = _person(provider)
    add_user(engine, unlinked, "admin", password="correct horse battery")
    disable_user(engine, unlinked)
    _refused(_sign_in(sso), 401, "is disabled")
    assert _user(engine, unlinked).oidc_subject is None


def test_a_state_is_used_once_and_expires(sso, provider, engine):
    _person(provider)
    callback = _from_provider(_to_provider(sso))
    assert sso.get(callback).status_code == 302
    _refused(sso.get(callback), 401, "unknown or was used already")
    _refused(
        sso.get("/api/auth/oidc/callback", params={"code": "x", "state": "forged"}), 401, "unknown"
    )
    _refused(sso.get("/api/auth/oidc/callback", params={"code": "x"}), 401, "unknown")

    late = _from_provider(_to_provider(sso))
    state = parse_qs(urlsplit(late).query)["state"][0]
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE auth.oidc_states SET created_at = now() - interval '1 hour' "
                "WHERE state = :s"
            ),
            {"s": state},
        )
    _refused(sso.get(late), 401, "expired")
    _refused(sso.get(late), 401, "used already")


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("nonce", "nonce"),
        ("aud", "aud"),
        ("iss", "iss"),
        ("expired", "expired"),
        ("signature", "not valid"),
        ("hs256", "not valid"),
        ("none", "not valid"),
    ],
)
def test_a_bad_id_token_is_refused(sso, provider, engine, mode, words):
    email = _person(provider)
    provider.mode = mode
    body = _refused(_sign_in(sso), 401, words)
    assert body["error"] == "Unauthorized"
    assert _user(engine, email) is None
    assert sso.get("/api/auth/me").status_code == 401
    with engine.connect() as conn:
        reason = conn.execute(
            text(
                "SELECT detail->>'reason' FROM auth.audit_log WHERE action = 'auth.oidc_failed' "
                "ORDER BY audit_id DESC LIMIT 1"
            )
        ).scalar()
    assert words in reason


def test_the_provider_saying_no_is_a_clear_401(sso, provider):
    _person(provider)
    provider.mode = "deny"
    body = _refused(_sign_in(sso), 401, "access_denied")
    assert "the user said no" in body["detail"]
    provider.mode = "bad_code"
    _refused(_sign_in(sso), 401, "did not accept the authorization code (invalid_grant)")


def test_a_rotated_provider_key_is_fetched_again(sso, provider):
    _person(provider)
    assert _sign_in(sso).status_code == 302  # caches the provider's keys
    old = provider.key
    provider.rotate_key("k2")
    try:
        assert _sign_in(TestClient(sso.app, follow_redirects=False)).status_code == 302
    finally:
        provider.key = old


@pytest.mark.parametrize(
    ("asked", "ends_at"),
    [
        ("/map?zoom=12#x", "/map?zoom=12#x"),
        ("https://evil.example/", "/"),
        ("//evil.example/path", "/"),
        ("/\\evil.example", "/"),
        ("evil", "/"),
    ],
)
def test_the_sign_in_ends_on_a_local_path_only(sso, provider, asked, ends_at):
    _person(provider)
    res = _sign_in(sso, asked)
    assert res.status_code == 302 and res.headers["location"] == ends_at


def test_safe_next_keeps_only_paths_of_this_site():
    assert oidc.safe_next("/customers/12?tab=notes") == "/customers/12?tab=notes"
    for bad in (None, "", "https://evil.example", "//evil", "/\\evil", "/a\nb", "javascript:x"):
        assert oidc.safe_next(bad) == "/", bad
    assert oidc.safe_next("/" + "a" * 3000) == "/"


def test_without_configuration_the_routes_are_404(app_engine, monkeypatch):
    for name in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET"):
        monkeypatch.delenv(f"GEOCRM_OIDC_{name}", raising=False)
    settings.auth_settings.cache_clear()
    try:
        client = TestClient(create_app(app_engine), follow_redirects=False)
        assert client.get("/api/auth/config").json()["oidc"] is False
        for path in ("/api/auth/oidc/login", "/api/auth/oidc/callback?code=a&state=b"):
            res = client.get(path)
            assert res.status_code == 404 and "not configured" in res.json()["detail"]
    finally:
        settings.auth_settings.cache_clear()


def test_an_unreachable_provider_is_a_502_not_a_500(sso, monkeypatch):
    _configure(monkeypatch, issuer=f"http://127.0.0.1:{free_port()}")
    res = sso.get("/api/auth/oidc/login")
    assert res.status_code == 502 and res.json()["error"] == "ProviderUnavailable"
    assert "could not be read" in res.json()["detail"]
