"""Under load the service keeps its own limits: a tile waits for a pooled connection no
longer than its timeout, a pool with no connection to give and a statement past its
timeout are 503s with ``Retry-After`` (never a 500 nor a hung request), the pools fit the
server's ``max_connections``, and a kept-alive connection outlives a failed request.

The pool is exhausted by the test holding its only connection, a statement is made slow by
the test holding a lock on the table it reads: no sleeps, no mocks.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import suppress

import pytest
import uvicorn
from fastapi import BackgroundTasks
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DataError

from geocrm import db
from geocrm.api.access import ANY_ROLE, allow
from geocrm.api.app import create_app
from geocrm.api.deadline import DATABASE_SHARE
from geocrm.cli import main
from geocrm.db import app_url, budget, make_engine, query
from geocrm.db.pool import ENGINES_PER_PROCESS, PoolLimits, fit_limits
from geocrm.errors import Overloaded, SetupError
from geocrm.settings import DatabaseSettings, api_settings, database_settings
from geocrm.tiles import TileServer, tile_xy

TILE_TIMEOUT_MS = 1000
#: A tile of the demo's customers (drawn from crm.customers itself at this zoom).
Z = 16
X, Y = tile_xy(24.945, 60.169, Z)
TILE = f"/tiles/customers/{Z}/{X}/{Y}.mvt"


@pytest.fixture
def tile_timeout(monkeypatch) -> Iterator[None]:
    """Tiles time out after ``TILE_TIMEOUT_MS`` (the app reads it when built)."""
    monkeypatch.setenv("GEOCRM_TILE_TIMEOUT_MS", str(TILE_TIMEOUT_MS))
    api_settings.cache_clear()
    yield
    api_settings.cache_clear()


def one_connection_app(database_url, admin_token, **engine_options):
    """An app on an engine with a pool of one connection, and that engine."""
    engine = make_engine(
        app_url(database_url),
        scoped=True,
        pool=engine_options.pop("pool", PoolLimits(size=1, max_overflow=0, timeout_s=30)),
        **engine_options,
    )
    client = TestClient(create_app(engine), headers={"Authorization": f"Bearer {admin_token}"})
    return engine, client


def busy(res, *, within: float, started: float) -> None:
    """``res`` is a 503 with Retry-After that came back ``within`` seconds of ``started``."""
    elapsed = time.monotonic() - started
    assert res.status_code == 503, res.text
    assert res.headers["Retry-After"] == "1"
    body = res.json()
    assert body["error"] == "Overloaded" and body["request_id"]
    assert not any(word in body["detail"] for word in ("SELECT", "QueuePool", "canceling"))
    assert elapsed < within, f"answered after {elapsed:.2f} s"


def test_a_map_read_waits_for_a_connection_no_longer_than_the_tile_timeout(
    database_url, demo, admin_token, tile_timeout
):
    # the pool would wait 30 s; the tile's budget (sign-in check included) is 1 s
    engine, client = one_connection_app(database_url, admin_token)
    try:
        # (the pool's working: checked on a route with no budget, which a busy machine
        # cannot make a 503)
        assert client.get("/api/customers", params={"limit": 1}).status_code == 200
        with engine.connect() as held:
            held.execute(text("SELECT 1"))  # the pool's only connection, checked out
            for path in (TILE, "/api/cube?res=9"):  # the map's live reads
                started = time.monotonic()
                busy(client.get(path), within=TILE_TIMEOUT_MS / 1000 + 1, started=started)
                # the database's share of the budget was there to wait in: not refused
                # before it was spent
                assert time.monotonic() - started >= TILE_TIMEOUT_MS / 1000 * DATABASE_SHARE
        assert client.get("/api/customers", params={"limit": 1}).status_code == 200
    finally:
        engine.dispose()


def test_an_exhausted_pool_is_a_503_on_any_route(database_url, demo, admin_token):
    engine, client = one_connection_app(
        database_url, admin_token, pool=PoolLimits(size=1, max_overflow=0, timeout_s=0.5)
    )
    try:
        assert client.get("/api/customers", params={"limit": 1}).status_code == 200
        with engine.connect() as held:
            held.execute(text("SELECT 1"))
            for path in ("/api/customers?limit=1", "/api/cube", TILE):
                busy(client.get(path), within=0.5 + 1, started=time.monotonic())
        assert client.get("/api/customers", params={"limit": 1}).status_code == 200
    finally:
        engine.dispose()


def test_a_statement_past_its_timeout_is_a_503(
    engine, database_url, demo, admin_token, tile_timeout
):
    app_engine, client = one_connection_app(
        database_url,
        admin_token,
        pool=PoolLimits(size=2, max_overflow=0, timeout_s=30),
        statement_timeout_ms=300,
    )
    try:
        with engine.begin() as owner:  # the customers' table, locked until this block ends
            owner.execute(text("LOCK TABLE crm.customers IN ACCESS EXCLUSIVE MODE"))
            busy(client.get("/api/customers?limit=1"), within=0.3 + 1, started=time.monotonic())
            busy(client.get(TILE), within=TILE_TIMEOUT_MS / 1000 + 1, started=time.monotonic())
        # no connection went back to the pool in a failed transaction
        assert client.get("/api/customers", params={"limit": 1}).status_code == 200
    finally:
        app_engine.dispose()


def test_a_tile_asked_for_by_many_at_once_is_drawn_once(engine, demo):
    server = TileServer(engine)  # the owner's, as the CLI: every row, cacheable
    ready = threading.Barrier(8)
    found: list[str] = []

    def ask() -> None:
        ready.wait()
        found.append(server.tile("customers", Z, X, Y, {"stage": "client"})[1])

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(found) == ["hit"] * 7 + ["miss"]


def test_a_drawing_outlives_the_requests_that_gave_up_on_it(engine, demo):
    server = TileServer(engine, timeout_ms=60_000)
    with engine.begin() as owner:  # the customers' table, locked until this block ends
        owner.execute(text("LOCK TABLE crm.customers IN ACCESS EXCLUSIVE MODE"))
        with budget.within(2), pytest.raises(Overloaded):
            server.tile("customers", Z, X, Y, {})
    # unlocked: the drawing that request gave up on goes on, and serves the next one
    assert server.tile("customers", Z, X, Y, {})[1] == "hit"


# --------------------------------------------------------------------------- pool sizes


def test_pools_are_made_to_fit_max_connections():
    wanted = PoolLimits(size=5, max_overflow=5, timeout_s=5)
    assert fit_limits(wanted, 100, 3, workers=1, reserve=10) == wanted
    # 8 processes x 2 pools in (100 - 3 - 10) connections: 5 each
    assert fit_limits(wanted, 100, 3, workers=8, reserve=10) == PoolLimits(5, 0, 5)
    assert fit_limits(wanted, 100, 3, workers=20, reserve=10) == PoolLimits(2, 0, 5)
    with pytest.raises(SetupError, match="max_connections"):
        fit_limits(wanted, 20, 3, workers=8, reserve=10)


def test_the_pools_fit_the_servers_max_connections(engine, monkeypatch):
    monkeypatch.setattr(db, "_fitted", None)
    settings = DatabaseSettings(pool_size=60, pool_max_overflow=60, workers=3)
    fitted = db.fit_pools(engine, settings)
    with engine.connect() as conn:
        most = conn.execute(text("SELECT current_setting('max_connections')::int")).scalar()
        reserved = conn.execute(
            text("SELECT current_setting('superuser_reserved_connections')::int")
        ).scalar()
    assert 1 <= fitted.most < 120
    assert 3 * ENGINES_PER_PROCESS * fitted.most + 10 <= most - reserved
    # engines made from now on get the fitted pool
    assert db.pool_limits() == fitted
    made = make_engine(engine.url.render_as_string(hide_password=False))
    assert made.pool.size() == fitted.size
    made.dispose()


def test_serve_sizes_its_pools_to_the_server(monkeypatch, use_database, capsys):
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)  # not started
    monkeypatch.setattr(db, "_fitted", None)
    monkeypatch.setenv("GEOCRM_WORKERS", "40")  # 40 processes of 2 pools: tiny pools
    database_settings.cache_clear()
    db.get_app_engine.cache_clear()
    try:
        assert main(["serve"]) == 0
        assert "smaller than configured" in capsys.readouterr().err
        app_pool = db.get_app_engine().pool
        with db.get_engine().connect() as conn:
            most, reserved = conn.execute(query("connection_limits")).one()
        most_open = app_pool.size() + app_pool._max_overflow
        assert 40 * ENGINES_PER_PROCESS * most_open + 10 <= most - reserved
    finally:
        db.get_app_engine().dispose()
        db.get_app_engine.cache_clear()
        db.get_engine.cache_clear()
        database_settings.cache_clear()


# --------------------------------------------------------------------------- keep-alive


@pytest.fixture
def served(app_engine, demo) -> Iterator[tuple[int, object]]:
    """The app, with routes that fail, served by uvicorn on a free port of 127.0.0.1."""
    app = create_app(app_engine)

    @app.get("/test/boom", dependencies=[allow(*ANY_ROLE)])
    def boom() -> dict:
        raise RuntimeError("a bug")

    @app.get("/test/failed-transaction", dependencies=[allow(*ANY_ROLE)])
    def failed_transaction() -> dict:
        with app_engine.connect() as conn:
            with suppress(DataError):  # division by zero: the transaction is now aborted
                conn.execute(text("SELECT 1 / 0"))
            raise RuntimeError("a bug inside a failed transaction")

    @app.get("/test/after", dependencies=[allow(*ANY_ROLE)])
    def after(background: BackgroundTasks) -> dict:
        def fail() -> None:
            raise RuntimeError("a bug after the response")

        background.add_task(fail)
        return {"answered": True}

    # before the web app's catch-all
    ours = [r for r in app.router.routes if getattr(r, "path", "").startswith("/test/")]
    for route in ours:
        app.router.routes.remove(route)
        app.router.routes.insert(0, route)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)  # connections wait in the backlog until the server accepts them
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1], server
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.mark.parametrize(
    ("failing", "status"),
    [("/test/boom", 500), ("/test/failed-transaction", 500), ("/test/after", 200)],
)
def test_a_kept_alive_connection_works_after_a_failed_request(served, admin_token, failing, status):
    port, _ = served
    headers = {"Authorization": f"Bearer {admin_token}"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", failing, headers=headers)
        res = conn.getresponse()
        body = json.loads(res.read())
        assert res.status == status
        if status == 500:
            assert body["error"] == "InternalError" and "a bug" not in body["detail"]
        sock = conn.sock
        for _ in range(3):  # the next requests, on the same connection
            conn.request("GET", "/api/customers?limit=1", headers=headers)
            res = conn.getresponse()
            assert res.status == 200, res.read()
            assert json.loads(res.read())["features"]
            assert conn.sock is sock
    finally:
        conn.close()
