"""``geocrm serve``: this machine only unless told, and never with a database role that
row-level security cannot bind."""

from __future__ import annotations

import uuid

import pytest
import uvicorn
from sqlalchemy import make_url, text

from geocrm import db, settings
from geocrm.cli import main
from geocrm.cli import serve as serve_cli
from geocrm.db import make_engine
from geocrm.db.status import check_app_role
from geocrm.errors import SetupError


@pytest.fixture
def served(monkeypatch, use_database):
    """What ``uvicorn.run`` was asked (it is not started)."""
    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    monkeypatch.delenv("GEOCRM_HOST", raising=False)
    settings.api_settings.cache_clear()
    db.get_app_engine.cache_clear()
    yield calls
    settings.api_settings.cache_clear()
    db.get_app_engine.cache_clear()


def test_serve_listens_on_this_machine_only_unless_told(served, monkeypatch, capsys):
    assert main(["serve"]) == 0
    assert served[-1]["host"] == "127.0.0.1" and served[-1]["factory"] is True
    assert "listens on" not in capsys.readouterr().err
    assert main(["serve", "--host", "0.0.0.0", "--port", "8123"]) == 0
    assert (served[-1]["host"], served[-1]["port"]) == ("0.0.0.0", 8123)
    assert "other machines can reach it" in capsys.readouterr().err
    monkeypatch.setenv("GEOCRM_HOST", "0.0.0.0")  # as the container image says
    settings.api_settings.cache_clear()
    assert main(["serve"]) == 0
    assert served[-1]["host"] == "0.0.0.0"


def test_the_app_role_is_fit_to_serve(app_engine):
    check_app_role(app_engine)  # raises if not


@pytest.fixture
def unfit_role(engine, database_url):
    """A login role that bypasses row-level security and owns a table: (name, url)."""
    with engine.connect() as conn:
        if not conn.execute(
            text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar():
            pytest.skip("creating a BYPASSRLS role needs a superuser")
    name = f"geocrm_unfit_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    with engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {name} LOGIN BYPASSRLS PASSWORD '{password}'"))
        database = conn.execute(text("SELECT current_database()")).scalar()
        conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {name}'))
        conn.execute(text(f"CREATE TABLE public.{name}_owned (x int)"))
        conn.execute(text(f"ALTER TABLE public.{name}_owned OWNER TO {name}"))
    url = make_url(database_url).set(username=name, password=password)
    yield name, url.render_as_string(hide_password=False)
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE public.{name}_owned"))
        conn.execute(text(f'REVOKE CONNECT ON DATABASE "{database}" FROM {name}'))
        conn.execute(text(f"DROP ROLE {name}"))


def test_serve_refuses_a_role_that_bypasses_rls_or_owns_objects(
    served, unfit_role, monkeypatch, capsys
):
    name, url = unfit_role
    unfit = make_engine(url, scoped=True)
    try:
        with pytest.raises(SetupError, match="BYPASSRLS") as refused:
            check_app_role(unfit)
        assert f"{name}_owned" in str(refused.value) and "owns 1 objects" in str(refused.value)
        monkeypatch.setattr(serve_cli, "get_app_engine", lambda: unfit)
        assert main(["serve"]) != 0
        err = capsys.readouterr().err
        assert name in err and "BYPASSRLS" in err and "owns" in err
        assert served == []  # never started
    finally:
        unfit.dispose()
