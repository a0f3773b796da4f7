"""``/api/admin``: administrators manage users and tokens over HTTP and read the audit log;
a disabled user or a revoked token is refused on the very next request."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geocrm.api.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def rep_ids(engine, demo) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT rep_id FROM crm.reps ORDER BY rep_id")).scalars())


@pytest.fixture(scope="module")
def admin_email(make_user) -> str:
    return make_user("admin")[0]


def _add(client, email: str, role: str, reps=(), **extra) -> dict:
    res = client.post(
        "/api/admin/users", json={"email": email, "role": role, "reps": list(reps), **extra}
    )
    assert res.status_code == 201, res.text
    return res.json()


def test_only_admins_may_call_it(client_as, app_engine):
    anonymous = TestClient(create_app(app_engine))
    for method, path in [
        ("get", "/api/admin/users"),
        ("post", "/api/admin/users"),
        ("post", "/api/admin/users/1/disable"),
        ("put", "/api/admin/users/1/role"),
        ("get", "/api/admin/tokens"),
        ("post", "/api/admin/tokens"),
        ("delete", "/api/admin/tokens/1"),
        ("get", "/api/admin/audit"),
    ]:
        assert getattr(anonymous, method)(path).status_code == 401, path
        for role in ("manager", "rep", "marketer", "analyst"):
            reps = (1,) if role in ("manager", "rep") else ()
            res = getattr(client_as(role, reps), method)(path)
            assert res.status_code == 403, (role, path)
            assert res.json()["error"] == "Forbidden"


def test_add_list_change_role_and_disable_users(client, rep_ids, admin_email):
    made = _add(client, "api.rep@test.example", "rep", [rep_ids[0]], display_name="Api Rep")
    password = made["password"]
    assert len(password) >= 16
    user = made["user"]
    assert (user["email"], user["role"], user["reps"], user["disabled_at"]) == (
        "api.rep@test.example",
        "rep",
        [rep_ids[0]],
        None,
    )
    given = _add(client, "api.given@test.example", "analyst", password=PASSWORD)
    assert given["password"] is None

    listed = {u["email"]: u for u in client.get("/api/admin/users").json()}
    assert listed["api.rep@test.example"]["user_id"] == user["user_id"]
    assert "password_hash" not in listed["api.rep@test.example"]

    res = client.put(
        f"/api/admin/users/{user['user_id']}/role",
        json={"role": "manager", "reps": [rep_ids[1], rep_ids[0]]},
    )
    assert res.status_code == 200
    assert (res.json()["role"], res.json()["reps"]) == ("manager", sorted(rep_ids[:2]))

    res = client.post(f"/api/admin/users/{user['user_id']}/disable")
    assert res.status_code == 200 and res.json()["disabled_at"] is not None

    actions = client.get("/api/admin/audit", params={"actor": admin_email, "limit": 20}).json()
    mine = [(e["action"], e["detail"]) for e in actions if e["target"] == "api.rep@test.example"]
    assert mine == [
        ("user.disable", {}),
        ("user.set_role", {"role": "manager", "reps": sorted(rep_ids[:2])}),
        ("user.add", {"role": "rep", "reps": [rep_ids[0]]}),
    ]
    assert password not in str(actions)


def test_bad_user_requests_are_clear_4xx(client, rep_ids):
    _add(client, "api.twice@test.example", "marketer")
    cases = [
        ({"email": "api.twice@test.example", "role": "marketer"}, 409),
        ({"email": "api.x@test.example", "role": "root"}, 422),
        ({"email": "api.x@test.example", "role": "rep"}, 422),
        ({"email": "api.x@test.example", "role": "rep", "reps": [1, 2]}, 422),
        ({"email": "api.x@test.example", "role": "manager", "reps": [999999]}, 404),
        ({"email": "api.x@test.example", "role": "analyst", "password": "short"}, 422),
        ({"email": "not-an-email", "role": "analyst"}, 422),
        ({"email": "api.x@test.example", "role": "analyst", "admin": True}, 422),
    ]
    for body, status in cases:
        res = client.post("/api/admin/users", json=body)
        assert res.status_code == status, (body, res.text)
        assert set(res.json()) == {"error", "detail", "problems", "request_id"}
    assert client.post("/api/admin/users/999999/disable").status_code == 404
    assert client.put("/api/admin/users/999999/role", json={"role": "analyst"}).status_code == 404
    assert client.put("/api/admin/users/0/role", json={"role": "analyst"}).status_code == 422
    users = {u["email"]: u["user_id"] for u in client.get("/api/admin/users").json()}
    bad = client.put(f"/api/admin/users/{users['api.twice@test.example']}/role", json={})
    assert bad.status_code == 422


def test_tokens_are_shown_once_and_a_revoked_one_is_refused_at_once(client, app_engine):
    _add(client, "api.tokens@test.example", "marketer", password=PASSWORD)
    res = client.post(
        "/api/admin/tokens", json={"email": "api.tokens@test.example", "name": "ci", "days": 7}
    )
    assert res.status_code == 201
    created = res.json()
    token = created["token"]
    assert token.startswith("gcrm_") and created["name"] == "ci"
    as_them = TestClient(create_app(app_engine), headers={"Authorization": f"Bearer {token}"})
    me = as_them.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["user"]["email"] == "api.tokens@test.example"

    listed = client.get("/api/admin/tokens", params={"email": "api.tokens@test.example"}).json()
    assert [t["token_id"] for t in listed] == [created["token_id"]]
    assert listed[0]["expires_at"] is not None and listed[0]["last_used_at"] is not None
    assert token not in str(client.get("/api/admin/tokens").json())

    assert client.delete(f"/api/admin/tokens/{created['token_id']}").status_code == 204
    refused = as_them.get("/api/auth/me")
    assert refused.status_code == 401 and refused.json()["error"] == "Unauthorized"
    listed = client.get("/api/admin/tokens", params={"email": "api.tokens@test.example"}).json()
    assert listed[0]["revoked_at"] is not None
    assert client.delete("/api/admin/tokens/999999").status_code == 404
    for body in (
        {"email": "nobody@test.example"},
        {"email": "api.tokens@test.example", "days": 0},
        {"email": "api.tokens@test.example", "name": ""},
    ):
        assert client.post("/api/admin/tokens", json=body).status_code in (404, 422), body


def test_a_disabled_users_session_and_token_stop_working_at_once(client, app_engine):
    user = _add(client, "api.leaver@test.example", "marketer", password=PASSWORD)["user"]
    token = client.post("/api/admin/tokens", json={"email": "api.leaver@test.example"}).json()
    browser = TestClient(create_app(app_engine))
    login = browser.post(
        "/api/auth/login", json={"email": "api.leaver@test.example", "password": PASSWORD}
    )
    assert login.status_code == 200
    scripted = TestClient(
        create_app(app_engine), headers={"Authorization": f"Bearer {token['token']}"}
    )
    assert browser.get("/api/zones").status_code == 200
    assert scripted.get("/api/zones").status_code == 200

    assert client.post(f"/api/admin/users/{user['user_id']}/disable").status_code == 200
    assert browser.get("/api/zones").status_code == 401
    assert scripted.get("/api/zones").status_code == 401
    again = browser.post(
        "/api/auth/login", json={"email": "api.leaver@test.example", "password": PASSWORD}
    )
    assert again.status_code == 401


def test_an_admin_session_needs_its_csrf_token_to_change_users(app_engine, make_user):
    email, _ = make_user("admin", name="csrf-admin")
    browser = TestClient(create_app(app_engine))
    login = browser.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    csrf = login.json()["csrf_token"]
    body = {"email": "api.csrf@test.example", "role": "analyst"}
    assert browser.post("/api/admin/users", json=body).status_code == 403
    res = browser.post("/api/admin/users", json=body, headers={"X-CSRF-Token": csrf})
    assert res.status_code == 201


def test_the_audit_log_filters_and_carries_request_ids(client, app_engine, admin_email):
    res = client.post(
        "/api/admin/users",
        json={"email": "api.audited@test.example", "role": "analyst"},
        headers={"X-Request-ID": "audit-trace-1"},
    )
    assert res.status_code == 201
    found = client.get(
        "/api/admin/audit", params={"action": "user.add", "actor": admin_email, "limit": 1}
    ).json()
    assert len(found) == 1
    entry = found[0]
    assert (entry["target"], entry["request_id"], entry["actor"]) == (
        "api.audited@test.example",
        "audit-trace-1",
        admin_email,
    )
    assert entry["user_id"] is not None
    since = entry["at"]
    newer = client.get("/api/admin/audit", params={"since": since, "limit": 1000}).json()
    assert newer and all(e["at"] >= since for e in newer)
    assert client.get("/api/admin/audit", params={"since": "2999-01-01T00:00:00"}).json() == []
    for params in ({"limit": 0}, {"limit": 10**6}, {"since": "yesterday"}):
        res = client.get("/api/admin/audit", params=params)
        assert res.status_code == 422, params
    # sign-ins are in it too, with their request's id and no password
    browser = TestClient(create_app(app_engine))
    login = browser.post(
        "/api/auth/login",
        json={"email": admin_email, "password": PASSWORD},
        headers={"X-Request-ID": "login-trace-1"},
    )
    assert login.status_code == 200
    signed_in = client.get("/api/admin/audit", params={"action": "auth.login", "limit": 1}).json()
    assert [(e["target"], e["request_id"]) for e in signed_in] == [(admin_email, "login-trace-1")]
    assert PASSWORD not in str(signed_in)
