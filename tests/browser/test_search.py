"""The map's search box, by keyboard only: type, arrow down, Enter; the map goes there (a
street, a place) or the account's card opens (a customer). On a desktop and on a phone."""

from __future__ import annotations

import math

from playwright.sync_api import Page
from sqlalchemy import text

from tests.browser.pages import Session

BOX = "#map-search-input"


def _metres(a, b) -> float:
    x = math.radians(b[0] - a[0]) * math.cos(math.radians((a[1] + b[1]) / 2))
    return 6_371_000 * math.hypot(x, math.radians(b[1] - a[1]))


def _type_and_choose(page: Page, q: str, label: str) -> None:
    """Focus the box by keyboard, type, move to the first result and choose it."""
    box = page.locator(BOX)
    box.focus()
    page.keyboard.type(q, delay=20)
    page.locator("#map-search-results [role=option]").first.wait_for()
    first = page.locator("#map-search-results [role=option]").first
    assert label in first.inner_text()
    page.keyboard.press("ArrowDown")
    assert first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    page.keyboard.press("Enter")
    assert box.get_attribute("aria-expanded") == "false"


def _centre_after_the_flight(page: Page) -> tuple[float, float]:
    page.wait_for_function("() => !window.geocrmMap.isMoving()")
    page.wait_for_timeout(300)
    page.wait_for_function("() => !window.geocrmMap.isMoving()")
    c = page.evaluate("(() => { const c = window.geocrmMap.getCenter(); return [c.lng, c.lat] })()")
    return c[0], c[1]


def _stored(engine, sql: str) -> tuple[float, float]:
    with engine.connect() as conn:
        return tuple(conn.execute(text(sql)).one())


def test_keyboard_search_flies_to_a_street(session, engine):
    page = session.open("/#13/60.1750/24.9300")
    box = page.get_by_role("combobox", name="Go to an address, street, place or account")
    assert box.is_visible()
    _type_and_choose(page, "Aleksanterinkatu", "Aleksanterinkatu")
    centre = _centre_after_the_flight(page)
    street = _stored(
        engine,
        "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Collect(geom)) AS c "
        "FROM ref.streets WHERE name_fi = 'Aleksanterinkatu') s",
    )
    assert _metres(centre, street) < 250, centre
    assert page.evaluate("window.geocrmMap.getZoom()") > 15
    assert page.locator(".maplibregl-marker").count() == 1
    session.settle()
    session.screenshot("search-street")
    assert session.errors == []
    assert session.foreign_requests() == []


def test_keyboard_search_flies_to_a_place_despite_a_typo(session, engine):
    page = session.open("/#13/60.1750/24.9300")
    _type_and_choose(page, "Senaatintorri", "Senaatintori")
    centre = _centre_after_the_flight(page)
    square = _stored(
        engine, "SELECT ST_X(geom), ST_Y(geom) FROM ref.places WHERE name = 'Senaatintori'"
    )
    assert _metres(centre, square) < 150, centre
    # Escape closes the list, then clears the box
    page.locator(BOX).focus()
    page.keyboard.type(" ")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    assert page.locator(BOX).input_value() == ""
    # the mouse chooses too
    page.keyboard.type("Hakaniemi", delay=20)
    option = page.locator("#map-search-results [role=option]", has_text="Hakaniemi").first
    option.click()
    hakaniemi = _stored(
        engine, "SELECT ST_X(geom), ST_Y(geom) FROM ref.places WHERE name = 'Hakaniemi'"
    )
    assert _metres(_centre_after_the_flight(page), hakaniemi) < 30
    assert page.locator(BOX).input_value() == "Hakaniemi"
    assert session.errors == []
    assert session.foreign_requests() == []


def test_keyboard_search_opens_an_account_card(session, engine):
    with engine.connect() as conn:
        customer_id, name, lon, lat = conn.execute(
            text(
                "SELECT c.customer_id, c.name, ST_X(c.geom), ST_Y(c.geom) FROM crm.customers c "
                "JOIN crm.customer_enrichment e USING (customer_id) "
                "WHERE c.geom IS NOT NULL AND c.name ~ '^[A-Z][a-z]+ [A-Z][a-z]+ O' "
                "ORDER BY 1 LIMIT 1"
            )
        ).one()
    page = session.open("/#13/60.1750/24.9300")
    _type_and_choose(page, name, name)
    chosen = page.locator(f"#map-search-results [data-customer-id='{customer_id}']")
    assert chosen.get_attribute("id") == "map-search-option-0"
    card = page.locator("#card")
    card.get_by_text("History").wait_for()
    assert name in card.inner_text()
    assert page.locator("nav [data-view=accounts]").get_attribute("aria-selected") == "true"
    page.wait_for_function("() => window.geocrmMap.getZoom() > 16.5")
    assert _metres(_centre_after_the_flight(page), (lon, lat)) < 30
    session.screenshot("search-account")
    assert session.errors == []
    assert session.foreign_requests() == []


def test_search_box_fits_on_a_phone(browser, server, admin):
    phone = Session(browser, server, admin, width=390, height=844)
    try:
        page = phone.open("/#14/60.1700/24.9450")
        box = page.locator(BOX).bounding_box()
        zoom_in = page.locator(".maplibregl-ctrl-zoom-in").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert box["x"] + box["width"] <= zoom_in["x"]  # beside the zoom buttons, not on them
        _type_and_choose(page, "Kamppi", "Kamppi")
        _centre_after_the_flight(page)
        phone.settle()
        page.locator(BOX).focus()
        page.keyboard.press("Control+a")
        page.keyboard.type("katu", delay=20)
        # the answer for "katu", not the list for "Kamppi" shown again
        page.locator("#map-search-results [role=option]", has_text="katu").first.wait_for()
        labels = page.locator("#map-search-results [role=option] strong").all_inner_texts()
        assert "Kamppi" not in labels and all("katu" in label.lower() for label in labels[:3])
        results = page.locator("#map-search-results").bounding_box()
        assert results["x"] + results["width"] <= 390
        phone.screenshot("search-phone")
        assert phone.errors == []
        assert phone.foreign_requests() == []
    finally:
        phone.close()
