"""An admin installs the built wheel into a fresh virtualenv, far from the checkout, and runs it.

Nothing is downloaded: the wheel is built with ``--no-deps --no-build-isolation`` from the
test environment's own setuptools, and the fresh virtualenv sees the dependencies already
installed in ``.venv`` through a ``.pth`` file (a ``.pth`` line adds a directory but does
not run the ``.pth`` files inside it, so ``.venv``'s editable link to the checkout stays off).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest

from geocrm.auth.credentials import create_token
from geocrm.auth.users import add_user
from geocrm.db import make_engine

CHECKOUT = Path(__file__).resolve().parent.parent


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: int = 300):
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtualenv outside the checkout with GeoCRM's wheel installed; its bin/."""
    if not (CHECKOUT / "frontend" / "dist" / "index.html").is_file():
        pytest.fail("the web app is not built: run scripts/build-frontend.sh (make install does)")
    root = tmp_path_factory.mktemp("install")
    built = _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "-q", "-w", root / "wheels", CHECKOUT, cwd=root,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (root / "wheels").glob("geocrm-*.whl")
    venv = root / "venv"
    made = _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=root)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=root)
    Path(site.stdout.strip(), "dependencies.pth").write_text(sysconfig.get_paths()["purelib"])
    pip = (sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index")
    done = _run(*pip, "-q", wheel, cwd=root)
    assert done.returncode == 0, done.stderr
    return venv / "bin"


@pytest.fixture
def outside(tmp_path) -> Path:
    """A working directory outside the checkout."""
    assert CHECKOUT not in tmp_path.parents
    return tmp_path


def test_the_wheel_carries_its_own_sql_tiles_and_web_app(installed, outside):
    code = (
        "import geocrm, importlib.resources as r; a = r.files('geocrm') / 'assets';"
        "print(geocrm.__file__);"
        "print(sum(1 for _ in (a / 'spatial_sql' / 'migrations').iterdir()));"
        "print((a / 'tiles' / 'catalog.toml').is_file(), (a / 'webapp' / 'index.html').is_file(),"
        "(a / 'webapp' / 'report-assets' / 'report-assets.json').is_file(),"
        "(a / 'demo' / 'settings.toml').is_file())"
    )
    shown = _run(installed / "python", "-c", code, cwd=outside)
    assert shown.returncode == 0, shown.stderr
    where, migrations, flags = shown.stdout.split("\n")[:3]
    assert str(CHECKOUT) not in where and "site-packages" in where
    assert int(migrations) == len(list((CHECKOUT / "spatial_sql" / "migrations").glob("*.sql")))
    # the tile catalogue, the web app, the reports' Leaflet files, the demo CRM's settings
    assert flags == "True True True True"


def test_an_installed_geocrm_prints_its_version(installed, outside):
    shown = _run(installed / "geocrm", "--version", cwd=outside)
    assert shown.returncode == 0, shown.stderr
    from geocrm import __version__

    assert shown.stdout.strip() == f"geocrm {__version__}"


def test_an_installed_geocrm_migrates_a_database_and_serves_it(installed, outside, make_database):
    env = {**os.environ, "DATABASE_URL": make_database("geocrm_test_install")}
    migrated = _run(installed / "geocrm", "db", "migrate", cwd=outside, env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert "0001" in migrated.stdout and "SQL function files refreshed" in migrated.stdout

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [installed / "geocrm", "serve", "--port", str(port)],
        cwd=outside,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{base}/health", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "geocrm serve did not answer within 60 s"
                time.sleep(0.5)
        assert health.status_code == 200
        assert health.json()["database"] == "reachable"
        page = httpx.get(f"{base}/", timeout=10)
        assert page.status_code == 200 and "<title>" in page.text
        assert httpx.get(f"{base}/app.js", timeout=10).status_code == 200
        # the map's layers need a signed-in user: refused without, served with a token
        assert httpx.get(f"{base}/tiles/hexes.json", timeout=10).status_code == 401
        owner = make_engine(env["DATABASE_URL"])
        add_user(owner, "admin@install.example", "admin", password="correct horse battery")
        token = create_token(owner, "admin@install.example")
        owner.dispose()
        tilejson = httpx.get(
            f"{base}/tiles/hexes.json", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert tilejson.status_code == 200 and tilejson.json()["tilejson"] == "3.0.0"
    finally:
        server.terminate()
        server.wait(timeout=30)
