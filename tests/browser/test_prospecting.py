"""The Prospecting view in real Chromium (scratch)."""

from __future__ import annotations

from tests.browser.pages import VIEW


def test_the_view_opens(session):
    page = session.open(f"/?view=prospecting{VIEW}")
    assert page.locator('section[data-view="prospecting"]').is_visible()
    session.screenshot("prospecting-open")
    print(session.errors)
