"""A manager picks two stages, with the mouse or the keyboard, and every part of the app
follows the one filter state: the hexagons of the map (tiles), the hexagon panel, the count
of a zone drawn in the zones view, the saved zone and its export, and the cube export; a
shared link with stage=client,partner shows both values chosen; the breakdown is tables."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import text

from tests.browser.pages import Session

VIEW = "#13/60.1680/24.9440"  # central Helsinki, the hex layer at resolution 9
STAGES = ["client", "partner"]


def _stage_box(page):
    return page.locator("details[data-filter=stage]")


def _digits(shown: str) -> int:
    """A formatted whole number ("€357,208", "357 208 €") as an int."""
    return int(re.sub(r"\D", "", shown))


def _open_centre_cell(session) -> str:
    page = session.page
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator("#cell").get_by_text("Top customers by revenue").wait_for(timeout=15_000)
    return page.evaluate("window.geocrm.state.cell")


def _tile_values(page, cell: str, field: str) -> list[float]:
    """The values of a cell's hexagon in the vector tiles the map has loaded."""
    return page.evaluate(
        """([cell, field]) => window.geocrmMap
             .querySourceFeatures('hexes', {sourceLayer: 'hexes'})
             .filter((f) => f.properties.h3 === cell)
             .map((f) => f.properties[field])""",
        [cell, field],
    )


def _fetch_json(page, url: str):
    return page.evaluate(f"fetch('{url}').then(r => r.json())")


def _fetch_csv(page, url: str) -> list[dict]:
    body = page.evaluate(f"fetch('{url}').then(r => r.text())")
    return list(csv.DictReader(io.StringIO(body)))


def _inside(engine, geometry: dict, stages: list[str]) -> int:
    """The customers of those stages whose point lies in a GeoJSON geometry (PostGIS)."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM crm.customers WHERE ST_Intersects(geom, "
                "ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)) AND stage = ANY (:stages)"
            ),
            {"g": json.dumps(geometry), "stages": stages},
        ).scalar_one()


def test_two_stages_picked_with_the_mouse_reach_tiles_panel_zones_and_exports(session, engine):
    page = session.open(f"/?measure=revenue{VIEW}")
    stage = _stage_box(page)
    stage.locator("summary").click()
    for value in STAGES:
        stage.get_by_role("checkbox", name=value, exact=True).click()
    page.wait_for_function("() => window.geocrm.state.filters.stage === 'client,partner'")
    assert stage.locator("summary .chosen").inner_text() == "2 selected"
    assert "client, partner" in page.locator("#active-filters").inner_text()
    session.screenshot("filters-picked")
    page.locator("#map").click(position={"x": 5, "y": 5})  # a click outside closes the list
    assert not stage.evaluate("d => d.open")
    session.wait_for_request("/tiles/hexes/", "stage=client%2Cpartner")
    session.settle()

    # the hexagon: tile = panel = API = cube export
    cell = _open_centre_cell(session)
    page.wait_for_function(
        f"() => performance.getEntriesByType('resource').some("
        f"e => e.name.includes('/api/cube/{cell}?') && e.name.includes('stage=client'))"
    )
    api = _fetch_json(page, f"/api/cube/{cell}?stage=client,partner")
    everything = _fetch_json(page, f"/api/cube/{cell}")
    assert api["revenue"] < everything["revenue"]
    tiles = _tile_values(page, cell, "revenue")
    assert tiles and all(v == pytest.approx(api["revenue"], abs=0.01) for v in tiles)
    panel = page.locator("#cell")
    assert "client, partner" in panel.locator(".cell-filters").inner_text()
    revenue_row = panel.locator("table").first.locator("tr", has_text="revenue").first
    assert _digits(revenue_row.locator("td").inner_text()) == round(api["revenue"])
    customers_row = panel.locator("table").first.locator("tr").first
    assert _digits(customers_row.locator("td").inner_text()) == api["customers"]
    href = page.locator("#cube-export a", has_text="CSV").get_attribute("href")
    assert "stage=client%2Cpartner" in href and "res=9" in href
    rows = _fetch_csv(page, href)
    (row,) = [r for r in rows if r["h3"] == cell]
    assert float(row["revenue"]) == pytest.approx(api["revenue"], abs=0.01)
    assert len(rows) == len(_fetch_json(page, "/api/cube?res=9&stage=client,partner"))
    session.map_image("filters-hexes")

    # the zones view: the same controls and chips; a drawn zone is counted under them
    page.get_by_role("tab", name="Target zones").click()
    zone_box = page.locator("#zone-filters")
    assert "client, partner" in zone_box.locator("#active-filters").inner_text()
    assert zone_box.locator("details[data-filter=stage] summary").is_visible()
    assert not zone_box.locator("[data-filter=month]").is_visible()  # a zone takes no month
    shown = session.draw_rectangle()
    geometry = page.evaluate("window.geocrm.zone.geometry")
    expected = _inside(engine, geometry, STAGES)
    assert shown == expected and expected >= api["customers"] + api["prospects"] > 0
    assert expected < _inside(engine, geometry, ["prospect", "customer", *STAGES])

    # saved: the list shows its filters; the export holds the same customers
    page.fill("#zone-name", "Filtered browser zone")
    page.get_by_role("button", name="Save zone").click()
    item = page.locator("#zone-list li", has_text="Filtered browser zone")
    item.wait_for()
    assert f"{expected} inside" in item.inner_text()
    assert "client, partner" in item.locator(".zone-filters").inner_text()
    exported = _fetch_csv(page, item.get_by_role("link", name="Export CSV").get_attribute("href"))
    assert len(exported) == expected
    assert {r["stage"] for r in exported} <= set(STAGES)
    item.get_by_role("button", name="Show").click()
    opened = item.locator(".zone-open").inner_text()
    assert "Saved with the filters: " in opened and "stage: client, partner" in opened
    assert f"{expected} in all" in opened
    session.screenshot("filters-zones")
    assert session.errors == []
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.target_zones WHERE name = 'Filtered browser zone'"))


def test_two_stages_picked_with_the_keyboard(session):
    page = session.open(f"/?measure=revenue{VIEW}")
    stage = _stage_box(page)
    summary = stage.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert stage.evaluate("d => d.open")
    values = stage.locator("input[type=checkbox]").evaluate_all("els => els.map(e => e.value)")
    for value in values:
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.value") == value
        if value in STAGES:
            page.keyboard.press("Space")
    page.wait_for_function("() => window.geocrm.state.filters.stage === 'client,partner'")
    page.keyboard.press("Escape")
    assert not stage.evaluate("d => d.open")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    assert summary.locator(".chosen").inner_text() == "2 selected"
    assert "stage=client%2Cpartner" in page.url
    session.wait_for_request("/tiles/hexes/", "stage=client%2Cpartner")
    session.settle()
    # a chip removes its filter from the keyboard too
    chip = page.locator("#active-filters .chip[data-filter=stage] button")
    chip.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => !window.geocrm.state.filters.stage")
    assert summary.locator(".chosen").inner_text() == "all"
    assert "stage=" not in page.url
    assert session.errors == []


def test_a_link_with_two_stages_shows_both_chosen(session):
    page = session.open(f"/?measure=revenue&stage=client,partner{VIEW}")
    stage = _stage_box(page)
    checked = stage.locator("input[type=checkbox]:checked").evaluate_all(
        "els => els.map(e => e.value)"
    )
    assert checked == STAGES
    assert stage.locator("summary .chosen").inner_text() == "2 selected"
    label = stage.locator("summary").get_attribute("aria-label")
    assert label == "Ladder stage 2 selected (client, partner)"
    assert "client, partner" in page.locator("#active-filters").inner_text()
    assert any(
        re.search(r"stage=client(%2C|,)partner", u)
        for u in session.requests
        if "/tiles/hexes/" in u
    )
    assert session.errors == []


def test_the_breakdown_is_readable_tables(session):
    page = session.open(f"/?measure=revenue&stage=client,partner{VIEW}")
    dims = _fetch_json(page, "/api/cube/dimensions")
    _open_centre_cell(session)
    panel = page.locator("#cell")
    sections = panel.locator(".breakdown details")
    assert sections.count() >= 5
    for i in range(sections.count()):
        sections.nth(i).locator("summary").click()
    assert "[object" not in panel.inner_text()
    for i in range(sections.count()):
        table = sections.nth(i).locator("table")
        assert table.locator("thead th").count() == 4
        assert table.locator("tbody tr").count() >= 1
    # values by their labels: a store by its name, the stages only those filtered
    (store_filter,) = [f for f in dims["filters"] if f["name"] == "store_id"]
    store_names = {v["label"] for v in store_filter["values"]}
    stores = panel.locator("details[data-dimension=store_id] tbody th").all_inner_texts()
    assert stores and set(stores) <= store_names
    stages = panel.locator("details[data-dimension=stage] tbody th").all_inner_texts()
    assert set(stages) <= set(STAGES)
    months = panel.locator("details[data-dimension=month] tbody th").all_inner_texts()
    assert months and all(re.fullmatch(r"\d{4}-\d{2}", m) for m in months)
    revenue = panel.locator("details[data-dimension=stage] tbody td").nth(2).inner_text()
    assert re.search(r"\d", revenue) and "€" in revenue
    panel.locator("h2").scroll_into_view_if_needed()
    session.screenshot("filters-cell-panel")  # the panel says which filters it is under
    panel.locator(".breakdown").scroll_into_view_if_needed()
    session.screenshot("filters-breakdown")
    assert session.errors == []


def test_the_multi_select_fits_a_phone(browser, server, admin):
    phone = Session(browser, server, admin, width=390, height=844)
    try:
        page = phone.open(f"/?measure=revenue&stage=client,partner{VIEW}")
        stage = _stage_box(page)
        stage.locator("summary").scroll_into_view_if_needed()
        stage.locator("summary").click()
        for box in stage.locator("input[type=checkbox]").all():
            bounds = box.bounding_box()
            assert bounds and bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= 390
            assert bounds["height"] >= 16  # a target a finger can hit
        stage.get_by_role("checkbox", name="partner", exact=True).click()
        page.wait_for_function("() => window.geocrm.state.filters.stage === 'client'")
        phone.screenshot("filters-phone")
        assert phone.errors == []
    finally:
        phone.close()
