"""Fixtures: a real PostGIS database loaded from the same migrations as production.

By default the tests use GeoCRM's embedded cluster (started if needed) with a database of
their own, ``geocrm_test``, dropped and re-created for each run. Set
``GEOCRM_TEST_DATABASE_URL`` to run them on another (dedicated, disposable) database.
"""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient

from geocrm.api.app import create_app
from geocrm.auth.credentials import create_token
from geocrm.auth.users import add_user
from geocrm.db import app_url, make_engine
from geocrm.db.embedded import EmbeddedCluster
from geocrm.demo import generate_demo_data
from geocrm.osm import load_osm
from geocrm.pipeline import migrate
from geocrm.settings import DatabaseSettings

DEMO_CUSTOMERS = 400
DEMO_SEED = 7
#: Every fixture that reaches PostGIS depends on one of these.
_DATABASE_FIXTURES = frozenset({"database_url", "make_database"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that need PostGIS ``db``: ``pytest -m "not db"`` runs the pure cores."""
    for item in items:
        if _DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def _fresh_database_url(name: str) -> str:
    url = os.environ.get("GEOCRM_TEST_DATABASE_URL")
    if url:
        return url
    cluster = EmbeddedCluster(DatabaseSettings(database_url=None))
    cluster.start()
    # GEOCRM_TEST_DB_SUFFIX lets two test runs share the cluster without clashing
    return cluster.create_database(
        name + os.environ.get("GEOCRM_TEST_DB_SUFFIX", ""), drop_first=True
    )


@pytest.fixture(scope="session")
def make_database():
    """Factory: a freshly created, empty database of this name; returns its URL."""
    return _fresh_database_url


@pytest.fixture(scope="session")
def database_url() -> str:
    return _fresh_database_url("geocrm_test")


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def city(engine):
    """Central Helsinki, loaded once for the session."""
    return load_osm(engine, progress=False)


@pytest.fixture(scope="session")
def demo(engine, city, tmp_path_factory):
    """A small demo CRM on the loaded city."""
    out = tmp_path_factory.mktemp("demo") / "customers.csv"
    return generate_demo_data(
        engine, customers=DEMO_CUSTOMERS, seed=DEMO_SEED, out=out, progress=False
    )


@pytest.fixture(scope="session")
def app_engine(engine, database_url):
    """The engine the web app uses: its own database role, row-level security applies."""
    app_engine = make_engine(app_url(database_url), scoped=True)
    yield app_engine
    app_engine.dispose()


@pytest.fixture(scope="session")
def make_user(engine):
    """Factory: a user of ``role`` (``reps``: crm.reps ids) and an API token of theirs."""
    made: dict[tuple, tuple[str, str]] = {}

    def make(role: str, reps: tuple[int, ...] = (), name: str | None = None):
        key = (role, tuple(reps), name)
        if key not in made:
            email = f"{name or role}-{'-'.join(map(str, reps)) or 'all'}@test.example"
            add_user(engine, email, role, reps=reps, password="correct horse battery")
            made[key] = (email, create_token(engine, email, name="tests"))
        return made[key]

    return make


@pytest.fixture(scope="session")
def admin_token(make_user) -> str:
    return make_user("admin")[1]


@pytest.fixture(scope="session")
def client(app_engine, demo, admin_token) -> TestClient:
    """The API as an administrator (an API token)."""
    return TestClient(create_app(app_engine), headers={"Authorization": f"Bearer {admin_token}"})


@pytest.fixture(scope="session")
def client_as(app_engine, demo, make_user):
    """Factory: the API as a user of ``role`` (an API token)."""

    def as_(role: str, reps: tuple[int, ...] = ()) -> TestClient:
        token = make_user(role, reps)[1]
        return TestClient(create_app(app_engine), headers={"Authorization": f"Bearer {token}"})

    return as_


@pytest.fixture
def use_database(monkeypatch, database_url):
    """Point the process-wide settings (as the CLI reads them) at the test database."""
    from geocrm import db, settings

    monkeypatch.setenv("DATABASE_URL", database_url)
    settings.database_settings.cache_clear()
    db.get_engine.cache_clear()
    yield database_url
    settings.database_settings.cache_clear()
    db.get_engine.cache_clear()
