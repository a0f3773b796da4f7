"""Error bodies never carry SQL, a file's path on the server or a stack trace: what went
wrong inside goes to the log with the request id, and the body carries that id."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from geocrm.api.app import create_app
from geocrm.api.errors import install_error_handlers, public_text
from geocrm.db import make_engine
from geocrm.db.errors import TOO_SLOW, as_geocrm_error
from geocrm.errors import InvalidInput, SetupError

ERROR_KEYS = {"error", "detail", "problems", "request_id"}
#: What no error body may show: SQL as drivers quote it, tracebacks, driver and host names.
LEAKS = (
    "SELECT",
    "[SQL",
    "LINE 1",
    "Traceback",
    'File "',
    "psycopg",
    "sqlalche.me",
    "127.0.0.1",
    "/tmp/",
    "/work/",
    ".s.PGSQL",
    "postgresql://",
)


def _app(engine: Engine) -> TestClient:
    """An app with GeoCRM's error handlers whose routes fail the ways the real ones can."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/data-error")
    def data_error() -> None:  # a value the database cannot hold: 22003
        with engine.connect() as conn:
            conn.execute(text("SELECT CAST(:v AS integer)"), {"v": 2**40})

    @app.get("/syntax-of-a-value")
    def bad_value() -> None:  # 22P02
        with engine.connect() as conn:
            conn.execute(text("SELECT CAST(:v AS bigint)"), {"v": "²"})

    @app.get("/nul")
    def nul() -> None:  # the driver refuses a NUL byte before the server sees it
        with engine.connect() as conn:
            conn.execute(text("SELECT CAST(:v AS text)"), {"v": "a\x00b"})

    @app.get("/timeout")
    def timeout() -> None:  # a statement past its timeout: an OperationalError
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL statement_timeout = 10"))
            conn.execute(text("SELECT pg_sleep(1)"))

    @app.get("/setup")
    def setup() -> None:  # a message built from a subprocess's output with paths in it
        raise SetupError(
            'initdb failed:\nTraceback (most recent call last):\n  File "/usr/lib/x.py", '
            "line 3\nOSError: /work/wt/.geocrm/pgdata is not empty"
        )

    @app.get("/path")
    def path() -> None:
        raise InvalidInput("/work/wt/.geocrm/imports/uploads/1f2e-customers.csv: no header")

    return TestClient(app)


def _unreachable(url: str) -> TestClient:
    engine = make_engine(url)
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/connect")
    def connect() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    return TestClient(app)


def _assert_clean(res, status: int, kind: str, caplog, *, logged: str) -> dict:
    assert res.status_code == status, res.text
    body = res.json()
    assert set(body) == ERROR_KEYS and body["error"] == kind, body
    assert body["request_id"] == res.headers["x-request-id"]
    for leak in LEAKS:
        assert leak not in res.text, (leak, res.text)
    # the internals are in the log, under the request id the body carries
    lines = [r.getMessage() for r in caplog.records if r.name == "geocrm.api"]
    assert any(body["request_id"] in m and logged in m for m in lines), lines
    return body


@pytest.mark.parametrize(
    "route,says,logged",
    [
        ("/data-error", "a number is out of range", "integer out of range"),
        ("/syntax-of-a-value", "not in the form its field takes", "invalid input syntax"),
        ("/nul", "cannot be stored", "NUL"),
    ],
)
def test_a_value_the_database_refuses_is_a_422_without_sql(engine, caplog, route, says, logged):
    with caplog.at_level(logging.WARNING, logger="geocrm.api"):
        res = _app(engine).get(route)
    body = _assert_clean(res, 422, "InvalidInput", caplog, logged=logged)
    assert says in body["detail"]


def test_a_statement_timeout_is_a_503_without_sql(engine, caplog):
    with caplog.at_level(logging.WARNING, logger="geocrm.api"):
        res = _app(engine).get("/timeout")
    body = _assert_clean(res, 503, "Overloaded", caplog, logged="statement timeout")
    assert body["detail"] == TOO_SLOW and res.headers["Retry-After"] == "1"


@pytest.mark.parametrize(
    "url,logged",
    [
        ("postgresql+psycopg://nobody@127.0.0.1:1/geocrm?connect_timeout=2", "127.0.0.1"),
        ("postgresql+psycopg://nobody@/geocrm?host=/tmp/geocrm-no-such-dir", "/tmp/geocrm-no"),
    ],
)
def test_an_unreachable_database_is_a_503_without_host_or_socket_path(caplog, url, logged):
    with caplog.at_level(logging.WARNING, logger="geocrm.api"):
        res = _unreachable(url).get("/connect")
    _assert_clean(res, 503, "DatabaseUnavailable", caplog, logged=logged)


def test_a_message_with_a_traceback_or_a_path_is_cut_in_the_body(engine, caplog):
    client = _app(engine)
    with caplog.at_level(logging.WARNING, logger="geocrm.api"):
        setup = client.get("/setup")
        path = client.get("/path")
    body = _assert_clean(setup, 500, "SetupError", caplog, logged="/usr/lib/x.py")
    assert body["detail"].startswith("initdb failed; the details are in the server log")
    body = _assert_clean(path, 422, "InvalidInput", caplog, logged="/work/wt/.geocrm")
    assert body["detail"] == "1f2e-customers.csv: no header"


def test_public_text_keeps_api_paths_and_cuts_long_echoes():
    said = "unknown plan 7: GET /api/territory-plans lists them"
    assert public_text(said, "r1") == said
    assert len(public_text("x" * 10_000, "r1")) == 1000
    assert public_text("see /tmp/a/b.txt and /var/lib/pg", "r1") == "see b.txt and pg"


def test_the_cli_and_the_api_share_the_translation_and_keep_the_driver_text_apart(engine):
    with pytest.raises(Exception) as caught, engine.connect() as conn:
        conn.execute(text("SELECT CAST(:v AS integer)"), {"v": 2**40})
    known = as_geocrm_error(caught.value)
    assert isinstance(known, InvalidInput)
    assert "SELECT" not in str(known) and "out of range" in str(known)
    assert "integer out of range" in known.internal


def test_health_with_the_database_down_says_so_without_host_or_driver_text():
    engine = make_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/geocrm?connect_timeout=2", scoped=True
    )
    res = TestClient(create_app(engine)).get("/health")
    assert res.status_code == 503
    body = res.json()
    assert body["error"] == "DatabaseUnavailable" and body["detail"].startswith(
        "database unreachable: the database could not be reached"
    )
    for leak in LEAKS:
        assert leak not in res.text, (leak, res.text)
