"""What every browser test shares: the app served over real HTTP in a thread, Debian's
chromium driven by Playwright (software WebGL for MapLibre), an administrator, and a
signed-in ``Session`` page (tests/browser/pages.py)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright

from geocrm.api.app import FRONTEND_DIST, create_app
from geocrm.cube import build_cube
from geocrm.pipeline import enrich_city
from tests.browser.pages import CHROMIUM, CHROMIUM_ARGS, Session


@pytest.fixture(scope="module")
def server(engine, app_engine, demo) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, in a thread of this process, as it runs for real:
    on the app's own database role (row-level security), every route behind sign-in."""
    assert FRONTEND_DIST.joinpath("index.html").is_file(), "run scripts/build-frontend.sh"
    enrich_city(engine, progress=False)
    build_cube(engine)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(app_engine), host="127.0.0.1", port=port, log_level="warning"
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if uv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def admin(make_user) -> str:
    """The e-mail of an administrator (password PASSWORD)."""
    return make_user("admin")[0]


@pytest.fixture
def session(browser, server, admin) -> Iterator[Session]:
    s = Session(browser, server, admin)
    yield s
    s.close()
