"""The browser tests' page object: a signed-in ``Session`` page in Debian's chromium that
records console errors and every request, and takes screenshots into tests/artifacts/."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Page

from geocrm.tiles import catalog

ARTIFACTS = Path(__file__).parents[1] / "artifacts"
CHROMIUM = "/usr/bin/chromium"
# software WebGL for MapLibre in a headless browser
CHROMIUM_ARGS = ["--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
VIEW = "#15/60.1680/24.9440"  # central Helsinki, the hex layer at resolution 11
# the hex classes' colours and their fill opacity: the catalogue's, as the app paints them
_HEX_FILL = next(s for s in catalog().layers["hexes"].style if s["id"] == "hexes-fill")
HEX_COLOURS = list(_HEX_FILL["metadata"]["legend"]["palette"])
HEX_OPACITY = _HEX_FILL["paint"]["fill-opacity"]
PASSWORD = "correct horse battery"  # every user of tests/conftest.py make_user
ME = "/api/auth/me"
# the map's next idle (a repaint asked for, so that one comes), or 10 s at most
_NEXT_IDLE = """() => new Promise(resolve => {
    const map = window.geocrm.map;
    const timer = setTimeout(resolve, 10000);
    map.once('idle', () => { clearTimeout(timer); setTimeout(resolve, 0); });
    map.triggerRepaint();
})"""


class Session:
    """A page with its console errors and every request it made; it signs in as ``email``
    through the sign-in screen when the app asks for it."""

    def __init__(
        self, browser: Browser, base: str, email: str, width: int = 1280, height: int = 800
    ):
        self.base = base
        self.email = email
        self.page: Page = browser.new_page(viewport={"width": width, "height": height})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        # signed out, the app's first question (who am I?) is answered 401: that is how it
        # knows to show the sign-in screen; the browser logs it as a failed resource
        if "status of 401" in message.text and message.location["url"].endswith(ME):
            return
        self.errors.append(message.text)

    def open(self, path: str) -> Page:
        """Open a view of the app, signing in first if the app asks for it."""
        self.page.goto(self.base + path)
        self.page.wait_for_function(
            "() => "
            "(window.geocrm && (window.geocrm.ready || window.geocrm.failed)) || "
            "!document.getElementById('login').hidden",
            timeout=30_000,
        )
        if self.page.locator("#login").is_visible():
            self.sign_in()
        self.page.wait_for_function(
            "() => window.geocrm && (window.geocrm.ready || window.geocrm.failed)", timeout=30_000
        )
        assert not self.page.evaluate("window.geocrm.failed"), self.page.evaluate(
            "window.geocrm.failed"
        )
        self.settle()
        return self.page

    def sign_in(self, password: str = PASSWORD) -> None:
        """Fill in the sign-in screen and send it (the screen must be showing)."""
        form = self.page.locator("#login-form")
        form.locator("input[name=email]").fill(self.email)
        form.locator("input[name=password]").fill(password)
        form.get_by_role("button", name="Sign in").click()

    def settle(self) -> None:
        """Wait until the map has drawn everything it asked for, and the app has seen it:
        an ``idle`` event after the tiles loaded (the legend and panels update on idle; on
        a busy machine a frame can take longer than any fixed wait)."""
        self.page.wait_for_function(
            "() => window.geocrm.map.loaded() && window.geocrm.map.areTilesLoaded()", timeout=30_000
        )
        self.page.evaluate(_NEXT_IDLE)
        self.page.wait_for_timeout(500)

    def map_image(self, name: str) -> Image.Image:
        ARTIFACTS.mkdir(exist_ok=True)
        png = self.page.locator("#map").screenshot(path=str(ARTIFACTS / f"{name}.png"))
        return Image.open(io.BytesIO(png)).convert("RGB")

    def screenshot(self, name: str, **options: Any) -> None:
        """A screenshot of the page as the user sees it, into tests/artifacts/."""
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), **options)

    def draw_rectangle(self) -> int:
        """Draw a rectangle over the middle of the map in the zones view with the mouse and
        wait for its count; the total the page shows."""
        page = self.page
        page.get_by_role("button", name="Rectangle").click()
        box = page.locator("#map").bounding_box()
        x0, y0 = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3
        x1, y1 = box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.7
        page.mouse.click(x0, y0)
        page.mouse.move(x1, y1, steps=8)
        page.mouse.click(x1, y1)
        page.wait_for_function(
            "() => window.geocrm.zone.geometry && "
            "window.geocrm.zone.counted === window.geocrm.zone.geometry"
        )
        return int(page.locator("#zone-count").get_attribute("data-total"))

    def wait_for_request(self, *parts: str, timeout_ms: int = 15_000) -> None:
        """Wait until the page has asked a URL holding every one of ``parts`` (a changed
        layer asks its TileJSON, then its tiles: later than the map's next idle)."""
        for _ in range(timeout_ms // 100):
            if any(all(p in u for p in parts) for u in self.requests):
                return
            self.page.wait_for_timeout(100)
        raise AssertionError(f"no request for {parts}")

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith((self.base, "data:", "blob:"))]

    def close(self) -> None:
        self.page.close()
