"""GeoCRM's own PostGIS cluster: created, started, stopped and restarted without loss."""

import os
import uuid

import psycopg
import pytest

from geocrm.db.embedded import EmbeddedCluster, _check_postgis
from geocrm.errors import SetupError
from geocrm.settings import DatabaseSettings


@pytest.fixture
def scratch_cluster():
    """A second, throw-away cluster beside the default one (reachable by the server's user)."""
    default_home = EmbeddedCluster(DatabaseSettings(database_url=None)).home
    home = default_home / f"test-cluster-{uuid.uuid4().hex[:8]}"
    cluster = EmbeddedCluster(DatabaseSettings(database_url=None, home=home))
    yield cluster
    cluster.stop()
    import shutil

    shutil.rmtree(home, ignore_errors=True)


def test_lifecycle_is_idempotent_and_keeps_data(scratch_cluster):
    first = scratch_cluster.start()
    assert first.running and first.port
    assert scratch_cluster.start().port == first.port  # second start: nothing to do
    with psycopg.connect(first.url, autocommit=True) as conn:
        version = conn.execute("SELECT postgis_lib_version()").fetchone()
        conn.execute("CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)")
    assert version is not None
    stopped = scratch_cluster.stop()
    assert not stopped.running and stopped.initialised
    assert not scratch_cluster.stop().running  # stopping twice is fine
    again = scratch_cluster.start()
    with psycopg.connect(again.url) as conn:
        assert conn.execute("SELECT x FROM kept").fetchone() == (42,)


@pytest.mark.skipif(os.geteuid() != 0, reason="the server-user hand-off only happens as root")
def test_as_root_the_server_runs_as_an_unprivileged_user(scratch_cluster):
    scratch_cluster.start()
    owner = scratch_cluster.data_dir.stat().st_uid
    assert owner != 0
    pid = int((scratch_cluster.data_dir / "postmaster.pid").read_text().split()[0])
    assert os.stat(f"/proc/{pid}").st_uid == owner


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the cluster to another user")
def test_unreachable_data_directory_is_a_clear_error(tmp_path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    cluster = EmbeddedCluster(DatabaseSettings(database_url=None, home=private / "geocrm"))
    os.chmod(private, 0o700)
    with pytest.raises(SetupError, match="Set GEOCRM_HOME"):
        cluster.start()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the cluster to another user")
def test_a_checkout_the_server_user_cannot_reach_gets_a_home_it_can(tmp_path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    os.chmod(private, 0o700)
    # a default home (not set by the user) inside a directory only root can enter
    settings = DatabaseSettings.model_construct(
        _fields_set=set(),
        **{
            **DatabaseSettings().model_dump(),
            "database_url": None,
            "home": private / "checkout" / ".geocrm",
        },
    )
    home = EmbeddedCluster(settings).home
    assert str(home).startswith("/var/lib/geocrm/clusters/")
    assert EmbeddedCluster(settings).home == home  # stable per checkout


def test_missing_postgis_names_the_package_to_install(tmp_path):
    with pytest.raises(SetupError, match="postgresql-99-postgis-3"):
        _check_postgis(tmp_path / "99" / "bin")
