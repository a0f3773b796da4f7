"""Explore in real Chromium: the concentration ranking agrees with the API and opens a
hexagon; a zone's audience table sorts, pages and holds the zone's count; a customer dot
opens its popup (not the hexagon panel); the trade-area picker draws only the chosen
store's areas of the chosen kind. Screenshots in tests/artifacts/."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import text

from geocrm import zones

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[24.935, 60.160], [24.955, 60.160], [24.955, 60.180], [24.935, 60.180], [24.935, 60.160]]
    ],
}


@pytest.fixture(scope="module")
def zone(engine, server) -> dict:
    made = zones.create_zone(
        engine, name=f"Explore {uuid.uuid4().hex[:6]}", kind="rectangle", geometry=SQUARE
    )
    yield made["properties"]
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM crm.target_zones WHERE zone_id = :z"),
            {"z": made["properties"]["zone_id"]},
        )


def fetch_json(page, url: str):
    return page.evaluate(f"fetch('{url}').then(r => r.json())")


def test_the_concentration_table_and_sentence_agree_with_the_api(session):
    page = session.open("/?measure=revenue#13/60.1700/24.9440")
    page.locator("#concentration summary").click()
    table = page.locator("table.concentration tbody tr")
    table.first.wait_for(timeout=15_000)
    asked = [u for u in session.requests if "/api/cube/concentration?" in u][-1]
    assert "res=9" in asked and "measure=revenue" in asked  # the map's resolution at z13
    api = fetch_json(page, "/api/cube/concentration?res=9&measure=revenue&top=10,20&limit=1000")
    assert api["items"] > 5
    sentence = page.locator("#concentration .sentence").inner_text()
    top20 = next(s for s in api["summary"] if s["percent"] == 20)
    assert f"The top 20% of hexagons ({top20['items']} of {api['items']})" in sentence
    assert f"{round(top20['share'] * 100)}% of annual revenue" in sentence
    # the rows are the API's, in its order; their cumulative share ends at 100%
    shown = [r.get_attribute("data-h3") for r in table.all()]
    assert shown == [r["h3"] for r in api["rows"][: len(shown)]]
    cells = table.first.locator("td").all_inner_texts()
    assert cells[0] == "1"
    assert cells[3] == f"{round(api['rows'][0]['cumulative_share'] * 100)}%"
    page.locator("table.concentration").scroll_into_view_if_needed()
    assert "null" not in page.locator("#concentration").inner_text()
    session.screenshot("explore-concentration")
    # clicking a row opens that hexagon
    second = api["rows"][1]["h3"]
    table.nth(1).click()
    page.wait_for_function(f"() => window.geocrm.state.cell === '{second}'")
    page.locator("#cell").get_by_text("Top customers by revenue").wait_for(timeout=10_000)
    assert page.locator("#cell h2").get_attribute("data-h3") == second
    # a measure that does not add up says so in the part, not as a broken table
    page.select_option("#measure", "mean_satisfaction")
    page.locator("#concentration .empty").get_by_text("adds up", exact=False).wait_for()
    assert session.errors == [] or all("422" in e for e in session.errors)


def test_a_zones_audience_table_sorts_pages_and_holds_the_zone_count(session, zone):
    page = session.open("/?view=zones#14/60.1700/24.9440")
    item = page.locator(f"#zone-list li[data-zone-id='{zone['zone_id']}']")
    item.get_by_role("button", name="Table").click()
    box = page.locator("#audience")
    box.locator("table.audience tbody tr").first.wait_for(timeout=10_000)
    count = fetch_json(page, f"/api/zones/{zone['zone_id']}/count")
    assert count["total"] > 25
    assert f"{count['total']} customers and prospects" in box.inner_text()
    pages = -(-count["total"] // 25)
    assert f"Page 1 of {pages}" in box.inner_text()
    # by revenue first, largest first
    revenue = [
        float(re.sub(r"[^0-9.]", "", t) or 0)
        for t in box.locator("tbody tr td:nth-child(4)").all_inner_texts()
    ]
    assert revenue == sorted(revenue, reverse=True)
    # sort by name: ascending, the header says so
    box.locator("button.sort[data-sort=name]").click()
    page.wait_for_function(
        "() => document.querySelector('#audience th[aria-sort=ascending] button')"
        "?.dataset.sort === 'name'"
    )
    names = [
        t.split("\n")[0].lower() for t in box.locator("tbody tr td:first-child").all_inner_texts()
    ]
    assert names == sorted(names)
    # every page, once: as many rows as the zone's count, each customer once
    seen = []
    for n in range(1, pages + 1):
        page.wait_for_function(
            f"() => document.querySelector('#audience .page')?.innerText === 'Page {n} of {pages}'"
        )
        seen += [r.get_attribute("data-customer-id") for r in box.locator("tbody tr").all()]
        if n < pages:
            box.locator("button.next").click()
    assert len(seen) == len(set(seen)) == count["total"]
    assert box.locator("button.next").is_disabled()
    session.screenshot("explore-audience")
    assert session.errors == []


def test_a_drawn_zones_audience_table_follows_the_drawing(session):
    page = session.open("/?view=zones&stage=client,partner#15/60.1680/24.9440")
    total = session.draw_rectangle()
    page.locator("#zone-audience").click()
    table = page.locator("#audience")
    table.locator("tbody tr").first.wait_for(timeout=10_000)
    assert f"{total} customers and prospects" in table.inner_text()
    stages = set(table.locator("tbody tr td:nth-child(2)").all_inner_texts())
    assert stages <= {"client", "partner"}  # the filters of the heatmap view
    # cleared: the table goes with the drawing
    page.get_by_role("button", name="Clear").click()
    table.wait_for(state="hidden")
    # an area with nobody in it: the empty state
    page.evaluate(
        "window.geocrm.zone.geometry = "
        "{type: 'Polygon', coordinates: [[[24.9400, 60.1670], [24.9401, 60.1670], "
        "[24.9401, 60.16705], [24.9400, 60.1670]]]}"
    )
    page.locator("#zone-audience").evaluate("b => b.hidden = false")
    page.locator("#zone-audience").click()
    table.locator(".empty").wait_for(timeout=10_000)
    assert "Nobody" in table.inner_text()
    assert session.errors == []


def test_clicking_a_customer_dot_opens_its_popup_and_not_the_hexagon(session, engine):
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(geom), ST_Y(geom) FROM crm.customers "
                "WHERE geom IS NOT NULL AND NOT outside_city ORDER BY customer_id LIMIT 1 OFFSET 7"
            )
        ).one()
    page = session.open(f"/?layers=hexes,customers#16/{lat:.6f}/{lon:.6f}")
    page.wait_for_function(
        "() => window.geocrmMap.queryRenderedFeatures({layers: ['customer-points']}).length > 0",
        timeout=15_000,
    )
    point = page.evaluate(
        "(() => { const m = window.geocrmMap;"
        " const f = m.queryRenderedFeatures({layers: ['customer-points']})[0];"
        " const p = m.project(f.geometry.coordinates);"
        " return {x: p.x, y: p.y, id: f.id, name: f.properties.name}; })()"
    )
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    popup = page.locator(".maplibregl-popup .customer-popup")
    popup.wait_for(timeout=5_000)
    assert popup.get_attribute("data-customer-id") == str(point["id"])
    assert point["name"] in popup.inner_text()
    detail = fetch_json(page, f"/api/customers/{point['id']}")
    page.wait_for_function(
        "() => !document.querySelector('.customer-popup').innerText.includes('…')"
    )
    assert (detail["properties"]["address"] or "no address") in popup.inner_text()
    assert page.locator("#cell").is_hidden()  # no hexagon panel
    assert page.evaluate("window.geocrm.state.cell") is None
    # the button has the focus; Escape closes the popup
    assert page.evaluate("document.activeElement.textContent") == "Open account"
    session.map_image("explore-popup")
    page.keyboard.press("Escape")
    popup.wait_for(state="detached")
    # again, and open the account's card
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    popup.get_by_role("button", name="Open account").click()
    page.locator("#card h2").wait_for(timeout=10_000)
    assert page.locator("#card h2").inner_text() == point["name"]
    assert page.evaluate("window.geocrm.state.view") == "accounts"
    assert session.errors == []


def test_a_cluster_click_zooms_in(session):
    page = session.open("/?layers=customers#12/60.1700/24.9440")
    page.wait_for_function(
        "() => window.geocrmMap.queryRenderedFeatures({layers: ['customer-clusters']}).length > 0",
        timeout=15_000,
    )
    point = page.evaluate(
        "(() => { const m = window.geocrmMap;"
        " const f = m.queryRenderedFeatures({layers: ['customer-clusters']})[0];"
        " const p = m.project(f.geometry.coordinates); return {x: p.x, y: p.y}; })()"
    )
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_function("() => window.geocrmMap.getZoom() >= 13.9", timeout=5_000)


def test_the_trade_area_picker_draws_only_the_chosen_store_and_kind(session, engine):
    with engine.connect() as conn:
        store_id, name = conn.execute(
            text("SELECT store_id, name FROM crm.stores ORDER BY store_id LIMIT 1")
        ).one()
    page = session.open("/?layers=trade_areas,stores#13/60.1700/24.9440")
    picker = page.locator("#trade-area-picker")
    assert picker.is_visible()
    session.map_image("explore-trade-areas-all")

    def drawn(expected: set[tuple] | None = None) -> set[tuple]:
        """The areas the map holds, once its new tiles are in (up to 15 s for `expected`)."""
        for _ in range(30):
            session.settle()
            now = features()
            if expected is None or now == expected:
                return now
            page.wait_for_timeout(500)
        return now

    def features() -> set[tuple]:
        return {
            tuple(f)
            for f in page.evaluate(
                "window.geocrmMap.querySourceFeatures('trade_areas', "
                "{sourceLayer: 'trade_areas'}).map(f => "
                "[f.properties.store_id, f.properties.kind, f.properties.mode ?? null])"
            )
        }

    before = drawn()
    assert len({s for s, _, _ in before}) > 1  # every store's areas at first
    picker.get_by_label(name).check()
    # one change at a time, each with its tiles in (two source URLs set at once can race)
    page.wait_for_function(
        f"() => window.geocrmMap.getSource('trade_areas').url.includes('store_id={store_id}')"
    )
    assert {s for s, _, _ in drawn({(s, k, m) for s, k, m in before if s == store_id})} == {
        store_id
    }
    picker.locator("select[name=trade-area-kind]").select_option("drive")
    page.wait_for_function(
        "() => window.geocrmMap.getSource('trade_areas').url.includes('mode=drive')"
    )
    assert drawn({(store_id, "isochrone", "drive")}) == {(store_id, "isochrone", "drive")}
    url = page.evaluate("window.geocrmMap.getSource('trade_areas').url")
    assert f"store_id={store_id}" in url and "area_kind=isochrone" in url
    session.map_image("explore-trade-areas-one-store")
    picker.locator("select[name=trade-area-kind]").select_option("ring")
    page.wait_for_function("() => window.geocrmMap.getSource('trade_areas').url.includes('ring')")
    assert drawn({(store_id, "ring", None)}) == {(store_id, "ring", None)}
    # zoomed out, the rings are whole: no tile is left out at the city's edge
    page.evaluate("window.geocrmMap.jumpTo({zoom: 12})")
    session.map_image("explore-trade-areas-rings-z12")
    assert session.errors == []
    assert session.foreign_requests() == []
