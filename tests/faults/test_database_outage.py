"""PostgreSQL stopped and started under requests: every request is answered at once, a 503
with Retry-After while the database is away (never a 500, never a hang), and everything
works again once it is back, with no write lost.

A throw-away cluster of its own (its GEOCRM_HOME beside the tests' one): stopping the tests'
cluster would take every other test down with it."""

from __future__ import annotations

import shutil
import threading
import time
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geocrm import db, settings
from geocrm.api.app import create_app
from geocrm.auth.credentials import create_token
from geocrm.auth.users import add_user
from geocrm.db import app_url, make_engine
from geocrm.db.embedded import EmbeddedCluster
from geocrm.pipeline import migrate

#: no request may take longer than this while the database is away (no hang)
ANSWER_WITHIN_S = 10


@pytest.fixture(scope="module")
def outage():
    """A cluster of its own, migrated, with an administrator's API token."""
    default_home = EmbeddedCluster(settings.DatabaseSettings(database_url=None)).home
    home = default_home / f"outage-{uuid.uuid4().hex[:8]}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GEOCRM_HOME", str(home))
        mp.delenv("DATABASE_URL", raising=False)
        mp.delenv("GEOCRM_APP_DATABASE_URL", raising=False)
        settings.database_settings.cache_clear()
        db.get_engine.cache_clear()
        cluster = EmbeddedCluster(settings.database_settings())
        try:
            cluster.start()
            url = cluster.url()
            owner = make_engine(url)
            migrate(owner)
            add_user(owner, "admin@outage.example", "admin", password="correct horse battery")
            token = create_token(owner, "admin@outage.example", name="outage")
            app_engine = make_engine(app_url(url), scoped=True)
            yield cluster, owner, app_engine, token
            app_engine.dispose()
            owner.dispose()
        finally:
            cluster.stop()
            shutil.rmtree(home, ignore_errors=True)
            settings.database_settings.cache_clear()
            db.get_engine.cache_clear()


def test_requests_during_an_outage_get_503_with_retry_after_then_work_again(outage):
    cluster, owner, app_engine, token = outage
    client = TestClient(create_app(app_engine), headers={"Authorization": f"Bearer {token}"})
    answers: list[tuple[str, int, str | None, float]] = []  # (email, status, Retry-After, s)
    stop, went_through, seen_outage, back = (threading.Event() for _ in range(4))

    def writer() -> None:
        """Adds users one after the other until told to stop: the requests under way."""
        n = 0
        while not stop.is_set():
            email = f"user{n}@outage.example"
            n += 1
            started = time.perf_counter()
            res = client.post("/api/admin/users", json={"email": email, "role": "analyst"})
            spent = time.perf_counter() - started
            answers.append((email, res.status_code, res.headers.get("Retry-After"), spent))
            if res.status_code == 503:
                seen_outage.set()
            elif res.status_code == 201:
                (back if seen_outage.is_set() else went_through).set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert went_through.wait(60), answers  # writes are going through
        cluster.stop()  # fast shutdown: sessions (and a request's transaction) cut off
        assert seen_outage.wait(60), "no request noticed the outage"
        health = client.get("/health")
        assert health.status_code == 503 and health.json()["database"] == "unreachable"
        assert int(health.headers["Retry-After"]) > 0
        read = client.get("/api/admin/users")
        assert read.status_code == 503 and read.json()["error"] == "DatabaseUnavailable"
        assert int(read.headers["Retry-After"]) > 0
        cluster.start()
        assert back.wait(60), answers[-3:]  # the writes go through again, by themselves
    finally:
        stop.set()
        thread.join(60)
    statuses = {a[1] for a in answers}
    assert statuses <= {201, 503}, [a for a in answers if a[1] not in (201, 503)]
    assert all(a[2] and int(a[2]) > 0 for a in answers if a[1] == 503)
    assert max(a[3] for a in answers) < ANSWER_WITHIN_S
    assert client.get("/health").status_code == 200
    with owner.connect() as conn:
        kept = set(
            conn.execute(
                text("SELECT email FROM auth.users WHERE email LIKE 'user%@outage.example'")
            ).scalars()
        )
    acknowledged = {a[0] for a in answers if a[1] == 201}
    assert acknowledged <= kept  # no acknowledged write lost
    refused = [a[0] for a in answers if a[1] == 503]
    for email in refused:  # a refused write can be sent again: it lands once
        again = client.post("/api/admin/users", json={"email": email, "role": "analyst"})
        assert again.status_code in (201, 409)
    with owner.connect() as conn:
        assert conn.execute(
            text("SELECT count(*) = count(DISTINCT email) FROM auth.users")
        ).scalar()
        assert conn.execute(
            text("SELECT count(*) FROM auth.users WHERE email LIKE 'user%@outage.example'")
        ).scalar() == len({a[0] for a in answers})
