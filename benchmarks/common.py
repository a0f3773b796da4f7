"""What every benchmark needs: a database of its own in the embedded cluster, and the API
as the web app serves it (its own database role, a signed-in user)."""

from __future__ import annotations

import secrets
from contextlib import suppress

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geocrm.api.app import create_app
from geocrm.auth.credentials import create_token
from geocrm.auth.users import add_user
from geocrm.db import app_url, make_engine
from geocrm.db.embedded import EmbeddedCluster
from geocrm.errors import Conflict
from geocrm.osm import load_osm
from geocrm.pipeline import migrate
from geocrm.settings import DatabaseSettings

BENCH_ADMIN = "bench-admin@bench.example"


def bench_engine(name: str, *, with_city: bool = True, fresh: bool = True) -> Engine:
    """A fresh database ``name`` (dropped and re-created), migrated, with Helsinki loaded.

    ``fresh=False`` keeps the database if it exists (a benchmark re-run on data it already
    set up; loading the same city again is skipped)."""
    cluster = EmbeddedCluster(DatabaseSettings(database_url=None))
    cluster.start()
    engine = make_engine(cluster.create_database(name, drop_first=fresh))
    migrate(engine)
    if with_city:
        load_osm(engine, progress=False)
    return engine


def api_token(engine: Engine, role: str = "admin") -> str:
    """A new API token of the benchmark's user of ``role`` (default an administrator, who
    sees every row), made on ``engine`` (the owner's, as ``bench_engine`` returns)."""
    email = BENCH_ADMIN if role == "admin" else f"bench-{role}@bench.example"
    with suppress(Conflict):  # a re-run on a kept database has the user
        add_user(engine, email, role, password=secrets.token_urlsafe(16))
    return create_token(engine, email, name="bench")


def api_client(engine: Engine, role: str = "admin") -> TestClient:
    """The API on ``engine``'s database as the web app runs it: the app's role (row-level
    security applies) and a user of ``role`` (default an administrator, who sees every row)
    signed in with an API token. ``engine`` is the owner's, as ``bench_engine`` returns."""
    token = api_token(engine, role)
    owner_url = engine.url.render_as_string(hide_password=False)
    app_engine = make_engine(app_url(owner_url), scoped=True)
    return TestClient(create_app(app_engine), headers={"Authorization": f"Bearer {token}"})
