"""The database holds the line even if the app does not: the app's role is no superuser,
cannot bypass row-level security and owns nothing; with no user set it sees no customer;
row-level security is forced on every table that holds a customer's row; the embedded
cluster asks every connection for a password and keeps its secrets 0600; the audit log is
append-only, for its owner too."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess

import psycopg
import pytest
from sqlalchemy import make_url, text

from geocrm.db import app_url
from geocrm.db.embedded import EmbeddedCluster, app_login
from geocrm.settings import DatabaseSettings

RLS_TABLES = (
    "crm.customers",
    "crm.interactions",
    "crm.customer_enrichment",
    "crm.import_jobs",
    "crm.import_rejects",
)
EMBEDDED = not os.environ.get("GEOCRM_TEST_DATABASE_URL")


@pytest.fixture(scope="module")
def app_conn(engine, database_url):
    """A plain connection of the app's role: no scope, no user set."""
    url = make_url(app_url(database_url)).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        yield conn


def test_the_app_role_is_no_superuser_and_cannot_bypass_rls(app_conn):
    rows = app_conn.execute(
        "SELECT r.rolname, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb "
        "FROM pg_roles r WHERE pg_has_role(current_user, r.oid, 'MEMBER')"
    ).fetchall()
    login = app_conn.execute("SELECT current_user").fetchone()[0]
    assert login == app_login(app_conn.info.dbname)
    assert {r[0] for r in rows} >= {login, "geocrm_app"}
    for name, superuser, bypass, createrole, createdb in rows:
        assert not (superuser or bypass or createrole or createdb), name


def test_the_app_role_owns_nothing(app_conn):
    owned = app_conn.execute(
        """
        SELECT 'relation ' || oid::regclass::text FROM pg_class
        WHERE pg_has_role(current_user, relowner, 'MEMBER')
        UNION ALL SELECT 'function ' || oid::regprocedure::text FROM pg_proc
        WHERE pg_has_role(current_user, proowner, 'MEMBER')
        UNION ALL SELECT 'schema ' || nspname FROM pg_namespace
        WHERE pg_has_role(current_user, nspowner, 'MEMBER')
        UNION ALL SELECT 'type ' || oid::regtype::text FROM pg_type
        WHERE pg_has_role(current_user, typowner, 'MEMBER')
        UNION ALL SELECT 'database ' || datname FROM pg_database
        WHERE pg_has_role(current_user, datdba, 'MEMBER')
        """
    ).fetchall()
    assert owned == []


def test_with_no_user_set_the_app_sees_no_customer(app_conn, app_engine, demo, engine):
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM crm.customers")).scalar() > 0
    for table in RLS_TABLES:
        assert app_conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
    with app_engine.connect() as conn:  # scoped, but nobody signed in
        assert conn.execute(text("SELECT count(*) FROM crm.customers")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM crm.interactions")).scalar() == 0


def test_the_app_cannot_change_a_customer_with_no_user_set(app_conn, demo):
    changed = app_conn.execute("UPDATE crm.customers SET name = name || ' (hacked)'").rowcount
    assert changed == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_conn.execute("ALTER TABLE crm.customers DISABLE ROW LEVEL SECURITY")


def test_row_level_security_is_forced_on_every_customer_table(engine):
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT oid::regclass::text, relrowsecurity, relforcerowsecurity FROM pg_class "
                "WHERE oid = ANY (CAST(:tables AS regclass[]))"
            ),
            {"tables": list(RLS_TABLES)},
        ).all()
    assert {r[0] for r in rows} == set(RLS_TABLES)
    for table, enabled, forced in rows:
        assert enabled and forced, table


def test_the_audit_log_is_append_only_even_for_its_owner(engine, app_conn):
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO auth.audit_log (actor, action, target) "
                "VALUES ('test', 'test.append', 'x')"
            )
        )
    for statement in (
        "UPDATE auth.audit_log SET action = 'rewritten'",
        "DELETE FROM auth.audit_log",
        "TRUNCATE auth.audit_log",
    ):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app_conn.execute(statement)
    with engine.connect() as conn:
        assert conn.execute(
            text("SELECT count(*) FROM auth.audit_log WHERE action = 'test.append'")
        ).scalar()


# --------------------------------------------------------------------------- the cluster


@pytest.fixture(scope="module")
def cluster(database_url):
    if not EMBEDDED:
        pytest.skip("GEOCRM_TEST_DATABASE_URL: not GeoCRM's embedded cluster")
    return EmbeddedCluster(DatabaseSettings(database_url=None))


def test_the_embedded_cluster_asks_every_connection_for_its_password(
    cluster, database_url, monkeypatch, tmp_path
):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    url = make_url(database_url).set(drivername="postgresql")
    for user in (url.username, "geocrm_web", "postgres", "nobody"):
        no_password = url.set(username=user, password=None).render_as_string()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(no_password, connect_timeout=5).close()
        wrong = url.set(username=user, password="guess").render_as_string(hide_password=False)
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(wrong, connect_timeout=5).close()


def test_the_secret_files_are_the_owners_only(cluster, database_url):
    secrets = sorted(cluster.home.glob("*.secret"))
    app_role = app_login(make_url(database_url).database)
    assert {p.name for p in secrets} >= {"superuser.secret", f"{app_role}.secret"}
    for path in secrets:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(cluster.data_dir.stat().st_mode) == 0o700


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("runuser") or not shutil.which("psql"),
    reason="needs root, runuser and psql to act as another local user",
)
def test_another_local_user_cannot_read_the_crm(cluster, database_url):
    url = make_url(database_url).set(drivername="postgresql", password=None)

    def as_nobody(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "nobody", "--", "env", "-i", "PGCONNECT_TIMEOUT=5", *command],
            capture_output=True,
            text=True,
            timeout=30,
            cwd="/",
        )

    for secret in cluster.home.glob("*.secret"):
        assert as_nobody("cat", str(secret)).returncode != 0
    for user in (url.username, "geocrm_web", "nobody"):
        target = url.set(username=user).render_as_string()
        done = as_nobody("psql", target, "-Atc", "SELECT count(*) FROM crm.customers")
        assert done.returncode != 0, done.stdout
        assert "password" in done.stderr or "authentication" in done.stderr, done.stderr
