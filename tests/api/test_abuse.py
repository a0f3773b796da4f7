"""Attacks on the API (OWASP API Top 10: broken object-level authorisation, broken
authentication) and the browser hardening: another user's ids, wrong or stolen credentials,
forged or replayed CSRF tokens, cross-site requests, unknown hosts, security headers, CORS.
Every answer is a clear 4xx, never a 5xx, never another user's data, never a change.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geocrm import territories
from geocrm.api.access import CSRF_HEADER
from geocrm.api.app import create_app
from geocrm.auth.credentials import create_token, revoke_token
from geocrm.auth.users import WRONG_CREDENTIALS, add_user, disable_user
from geocrm.pipeline import enrich_city
from geocrm.settings import auth_settings

PASSWORD = "correct horse battery"


def sane(res):
    """Every answer of these tests: never a server error."""
    assert res.status_code < 500, f"{res.status_code} {res.text[:300]}"
    return res


@pytest.fixture(scope="module")
def app(app_engine, demo):
    return create_app(app_engine)


@pytest.fixture(scope="module")
def books(engine, demo):
    """Two reps' books: (rep_id, [(customer_id, external_id)]) of the two biggest."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT assigned_rep_id, array_agg(customer_id ORDER BY customer_id), "
                "array_agg(external_id ORDER BY customer_id) FROM crm.customers "
                "WHERE assigned_rep_id IS NOT NULL AND geom IS NOT NULL "
                "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3"
            )
        ).all()
    return [(r[0], list(zip(r[1], r[2], strict=True))) for r in rows]


def bearer(app, token: str) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def signed_in(app, email: str, password: str = PASSWORD, client=("10.0.0.1", 50000)):
    """A browser session: (client with the cookie, CSRF token)."""
    browser = TestClient(app, client=client)
    res = sane(browser.post("/api/auth/login", json={"email": email, "password": password}))
    assert res.status_code == 200, res.text
    return browser, res.json()["csrf_token"]


def _location(engine, customer_id: int):
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT ST_AsText(geom), geocode_match_level FROM crm.customers "
                "WHERE customer_id = :c"
            ),
            {"c": customer_id},
        ).one()


# --------------------------------------------------------------------------- object level


def test_a_rep_cannot_read_another_reps_customer(app, books, make_user):
    (mine, my_book), (_, their_book) = books[0], books[1]
    rep = bearer(app, make_user("rep", (mine,))[1])
    assert sane(rep.get(f"/api/customers/{my_book[0][0]}")).status_code == 200
    for customer_id, _ in their_book[:5]:
        res = sane(rep.get(f"/api/customers/{customer_id}"))
        assert res.status_code == 404, res.text
        assert str(customer_id) in res.json()["detail"]
        res = sane(rep.get(f"/api/customers/{customer_id}/interactions"))
        assert res.status_code == 404 or res.json() == [], res.text


def test_nobody_moves_a_customer_they_may_not_change(app, engine, books, make_user):
    (rep_a, _), (rep_b, _), (rep_c, book_c) = books
    customer_id, external_id = book_c[0]
    before = _location(engine, customer_id)
    body = {"lat": 60.2, "lon": 24.9}
    callers = {
        "rep of the account": bearer(app, make_user("rep", (rep_c,))[1]),
        "another rep": bearer(app, make_user("rep", (rep_a,))[1]),
        "a manager of other reps": bearer(app, make_user("manager", (rep_a, rep_b))[1]),
        "a marketer": bearer(app, make_user("marketer")[1]),
        "an analyst": bearer(app, make_user("analyst")[1]),
    }
    for who, caller in callers.items():
        res = sane(caller.put(f"/api/customers/{external_id}/location", json=body))
        assert res.status_code in (403, 404), f"{who}: {res.status_code} {res.text}"
        assert _location(engine, customer_id) == before, who
    # the manager of other reps cannot tell the account exists: 404, as for an unknown id
    manager = callers["a manager of other reps"]
    res = sane(manager.put(f"/api/customers/{external_id}/location", json=body))
    unknown = sane(manager.put("/api/customers/no-such-id/location", json=body))
    assert res.status_code == unknown.status_code == 404


def test_ids_out_of_range_or_malformed_are_clear_4xx(app, make_user):
    rep = bearer(app, make_user("rep", (1,))[1])
    for url in (
        "/api/customers/99999999999999999999",
        "/api/customers/-1",
        "/api/customers/abc",
        "/api/zones/0",
        "/api/zones/99999999999",
        "/api/territory-plans/0",
        "/api/territory-plans/abc/history",
        "/api/cube/zzzz",
        "/api/cube/ffffffffffffffffffff",
        "/tiles/customers/99/1/1.mvt",
        "/tiles/nope/15/1/1.mvt",
        "/api/customers?bbox=1,2,3",
        "/api/customers/search?q=" + "x" * 500,
    ):
        res = sane(rep.get(url))
        assert res.status_code in (404, 422), f"{url}: {res.status_code} {res.text[:200]}"
    res = sane(rep.post("/api/routes", json={"rep_id": 1, "customer_ids": [2**40]}))
    assert res.status_code == 422, res.text
    res = sane(
        rep.post("/api/routes", content=b"{not json", headers={"content-type": "application/json"})
    )
    assert res.status_code == 422


# --------------------------------------------------------------------------- sign-in


@pytest.fixture
def fresh_limits(engine):
    """Sign-in attempts of these tests do not count against anyone else's."""
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM auth.login_attempts"))


def test_a_wrong_password_and_an_unknown_email_get_the_same_401(app, make_user, fresh_limits):
    email, _ = make_user("rep", (1,), name="signin")
    browser = TestClient(app, client=("10.0.0.2", 50000))
    wrong = sane(browser.post("/api/auth/login", json={"email": email, "password": "nope"}))
    unknown = sane(
        browser.post("/api/auth/login", json={"email": "nobody@x.example", "password": "nope"})
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == WRONG_CREDENTIALS
    assert "geocrm_session" not in browser.cookies


def test_sign_in_is_rate_limited(app, engine, make_user, monkeypatch, fresh_limits):
    monkeypatch.setenv("GEOCRM_LOGIN_MAX_FAILURES", "3")
    auth_settings.cache_clear()
    try:
        email, _ = make_user("rep", (1,), name="limited")
        browser = TestClient(app, client=("10.0.0.3", 50000))
        login = {"email": email, "password": "wrong"}
        codes = [sane(browser.post("/api/auth/login", json=login)).status_code for _ in range(3)]
        assert codes == [401, 401, 401]
        res = sane(browser.post("/api/auth/login", json=login))
        assert res.status_code == 429 and "Too many" in res.json()["detail"]
        # even the right password waits now
        res = sane(browser.post("/api/auth/login", json={**login, "password": PASSWORD}))
        assert res.status_code == 429
        # another address is limited by the e-mail too
        other = TestClient(app, client=("10.0.0.4", 50000))
        res = sane(other.post("/api/auth/login", json={**login, "password": PASSWORD}))
        assert res.status_code == 429
    finally:
        monkeypatch.delenv("GEOCRM_LOGIN_MAX_FAILURES")
        auth_settings.cache_clear()


def test_expired_revoked_and_disabled_credentials_are_401(app, engine, fresh_limits):
    email = "short-lived@test.example"
    add_user(engine, email, "rep", reps=(1,), password=PASSWORD)
    expiring = create_token(engine, email, name="expiring", days=1)
    revoked = create_token(engine, email, name="revoked")
    kept = create_token(engine, email, name="kept")
    for token in (expiring, revoked, kept):
        assert sane(bearer(app, token).get("/api/auth/me")).status_code == 200
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE auth.tokens SET expires_at = now() - interval '1 second' "
                "WHERE name = 'expiring' AND user_id = (SELECT user_id FROM auth.users "
                "WHERE email = :e)"
            ),
            {"e": email},
        )
        token_id = conn.execute(
            text(
                "SELECT token_id FROM auth.tokens WHERE name = 'revoked' AND user_id = "
                "(SELECT user_id FROM auth.users WHERE email = :e)"
            ),
            {"e": email},
        ).scalar()
    revoke_token(engine, token_id)
    for token in (expiring, revoked):
        res = sane(bearer(app, token).get("/api/customers"))
        assert res.status_code == 401, res.text
        assert "expired, revoked" in res.json()["detail"]
    browser, csrf = signed_in(app, email)
    assert sane(browser.get("/api/auth/me")).status_code == 200
    disable_user(engine, email)
    res = sane(bearer(app, kept).get("/api/customers"))
    assert res.status_code == 401
    for res in (
        browser.get("/api/auth/me"),
        browser.get("/api/customers"),
        browser.post("/api/zones/count", json={}, headers={CSRF_HEADER: csrf}),
    ):
        assert sane(res).status_code == 401, res.text
    # and a disabled user cannot sign in again
    res = sane(TestClient(app).post("/api/auth/login", json={"email": email, "password": PASSWORD}))
    assert res.status_code == 401 and res.json()["detail"] == WRONG_CREDENTIALS


def test_a_token_that_is_not_a_geocrm_token_is_401(app):
    for header in ("Bearer nope", "Basic YWRtaW46YWRtaW4=", "Bearer gcrm_forged", "Bearer "):
        res = sane(TestClient(app, headers={"Authorization": header}).get("/api/customers"))
        assert res.status_code == 401, header


# --------------------------------------------------------------------------- CSRF and origin


@pytest.fixture(scope="module")
def draft(engine, demo):
    enrich_city(engine, progress=False)  # skipped when done
    return territories.design_plan(engine, k=2, measure="customers", name="abuse draft")


def _status(engine, plan_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT status FROM crm.territory_plans WHERE plan_id = :p"), {"p": plan_id}
        ).scalar()


def test_forged_or_replayed_csrf_tokens_are_403(app, engine, draft, make_user, fresh_limits):
    manager_email, _ = make_user("manager", (1, 2))
    admin_email, _ = make_user("admin")
    browser, csrf = signed_in(app, manager_email)
    _, other_csrf = signed_in(app, admin_email, client=("10.0.0.5", 50000))
    url = f"/api/territory-plans/{draft['plan_id']}/publish"
    for given in ("forged", csrf[:-1] + ("A" if csrf[-1] != "A" else "B"), other_csrf, ""):
        res = sane(browser.post(url, headers={CSRF_HEADER: given}))
        assert res.status_code == 403, given
        assert CSRF_HEADER in res.json()["detail"]
    assert _status(engine, draft["plan_id"]) == "draft"


def test_a_cross_site_post_changes_nothing(app, engine, draft, make_user, fresh_limits):
    admin_email, admin_token = make_user("admin")
    browser, csrf = signed_in(app, admin_email, client=("10.0.0.6", 50000))
    url = f"/api/territory-plans/{draft['plan_id']}/publish"
    evil = {"Origin": "http://evil.example"}
    res = sane(browser.post(url, headers={**evil, CSRF_HEADER: csrf}))
    assert res.status_code == 403 and "evil.example" in res.json()["detail"]
    res = sane(bearer(app, admin_token).post(url, headers=evil))
    assert res.status_code == 403
    assert _status(engine, draft["plan_id"]) == "draft"
    # the same site may (a check that the refusal above is the origin's)
    res = sane(browser.post(url, headers={"Origin": "http://testserver", CSRF_HEADER: "x"}))
    assert res.status_code == 403 and CSRF_HEADER in res.json()["detail"]


def test_an_unknown_host_is_400(app, make_user):
    client = bearer(app, make_user("admin")[1])
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example"):
        res = sane(client.get("/api/customers", headers={"Host": host}))
        assert res.status_code == 400, host
        assert "GEOCRM_ALLOWED_HOSTS" in res.json()["detail"]
    assert sane(client.get("/health", headers={"Host": "127.0.0.1:8000"})).status_code == 200


# --------------------------------------------------------------------------- headers, CORS


def test_every_answer_carries_the_security_headers(app, make_user):
    client = bearer(app, make_user("rep", (1,))[1])
    answers = [
        client.get("/api/customers?limit=1"),  # JSON
        client.get("/api/zones/0"),  # an error
        TestClient(app).get("/api/customers"),  # 401
        client.get("/api/customers", headers={"Host": "evil.example"}),  # 400
        TestClient(app).get("/"),  # the web app
        TestClient(app).get("/docs"),
    ]
    for res in answers:
        if res.url.path != "/":  # the web app's page is a 503 where it is not built
            sane(res)
        h = res.headers
        assert h["x-content-type-options"] == "nosniff", res.url
        csp = h["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, res.url
        assert h["referrer-policy"] in ("same-origin", "no-referrer", "strict-origin"), res.url
        assert h["x-frame-options"] == "DENY"
        if res.url.path != "/docs":  # scripts of this origin only, never inline ones
            assert "script-src 'self';" in csp, res.url
    # the API docs load Swagger UI from this origin (offline), never from a CDN
    docs = TestClient(app).get("/docs")
    assert "/docs-assets/swagger-ui-bundle.js" in docs.text and "https://" not in docs.text
    assert "https:" not in docs.headers["content-security-policy"]
    assert TestClient(app).get("/docs-assets/swagger-ui-bundle.js").status_code == 200


def test_no_cors_by_default(app, make_user):
    client = bearer(app, make_user("rep", (1,))[1])
    res = sane(client.get("/api/customers?limit=1", headers={"Origin": "http://evil.example"}))
    assert "access-control-allow-origin" not in res.headers
    pre = sane(
        client.options(
            "/api/customers",
            headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"},
        )
    )
    assert "access-control-allow-origin" not in pre.headers


def test_cors_answers_only_the_configured_origins(app_engine, demo, make_user, monkeypatch):
    monkeypatch.setenv("GEOCRM_CORS_ORIGINS", "https://maps.example.com")
    auth_settings.cache_clear()
    try:
        client = bearer(create_app(app_engine), make_user("rep", (1,))[1])
        allowed = {"Origin": "https://maps.example.com"}
        res = sane(client.get("/api/customers?limit=1", headers=allowed))
        assert res.headers["access-control-allow-origin"] == "https://maps.example.com"
        assert "access-control-allow-credentials" not in res.headers
        pre = sane(
            client.options(
                "/api/customers",
                headers={**allowed, "Access-Control-Request-Method": "GET"},
            )
        )
        assert pre.status_code == 200
        assert pre.headers["access-control-allow-origin"] == "https://maps.example.com"
        for origin in ("http://evil.example", "https://maps.example.com.evil.example"):
            res = sane(client.get("/api/customers?limit=1", headers={"Origin": origin}))
            assert "access-control-allow-origin" not in res.headers, origin
            pre = sane(
                client.options(
                    "/api/customers",
                    headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
                )
            )
            assert "access-control-allow-origin" not in pre.headers, origin
    finally:
        monkeypatch.delenv("GEOCRM_CORS_ORIGINS")
        auth_settings.cache_clear()
