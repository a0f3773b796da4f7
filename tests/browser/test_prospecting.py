"""The Prospecting view in real Chromium: its layers (whitespace, hotspots, leads) with their
legend sections; a rectangle drawn lists the leads inside ranked by score with their three
reasons, as many as the API counts for that polygon, paged with the API's cursor; a lead
assigned to a rep turns assigned and a second assignment says it is taken; the new prospect
goes on the rep's route; the export links carry the area and the filters and give the
list; a saved zone lists its leads; the empty states; a phone. Screenshots:
tests/artifacts/prospecting-*.png."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page
from sqlalchemy import text

from geocrm.prospecting.leads import build_leads
from geocrm.prospecting.lookalike import LookalikeSettings, score_leads
from geocrm.prospecting.whitespace import build_whitespace
from tests.browser.pages import VIEW, Session
from tests.browser.test_accessibility import _axe

PAGE_SIZE = 50  # the leads a page of the view asks (prospecting.js)
#: every customer past the prospect stage learns (the test demo has too few business accounts)
ALL_CUSTOMERS = LookalikeSettings(customers="all")


@pytest.fixture(scope="module")
def leads(server, engine) -> Iterator[int]:
    """The demo city's leads (built after the server's enrichment), scored by the lookalike
    model trained on the demo customers, and its whitespace; the prospects made from the
    leads go afterwards."""
    build_whitespace(engine)
    build_leads(engine, progress=False)
    report = score_leads(engine, progress=False, settings=ALL_CUSTOMERS)
    assert report.beats_random, report  # the demo plants a relation: the scores are shown
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM crm.leads")).scalar_one()
    yield count
    with engine.begin() as conn:
        made = conn.execute(text("DELETE FROM crm.lead_status RETURNING customer_id")).scalars()
        ids = [c for c in made if c is not None]
        if ids:
            conn.execute(
                text("DELETE FROM crm.customers WHERE customer_id = ANY(:ids)"), {"ids": ids}
            )


def _api(page: Page, path: str, method: str = "GET", body: dict | None = None) -> dict:
    """The API's answer to a request made from the page with its session: {status, body}."""
    return page.evaluate(
        """async ([path, method, body]) => {
            const me = await (await fetch('/api/auth/me')).json();
            const r = await fetch(path, {
                method, body: body === null ? undefined : JSON.stringify(body),
                headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token}});
            const type = r.headers.get('content-type') || '';
            const answer = type.includes('json') ? await r.json() : await r.text();
            return {status: r.status, body: answer};
        }""",
        [path, method, body],
    )


def _draw_rectangle(session: Session) -> int:
    """Draw a rectangle in the middle of the map (clear of the legend, bottom right) with
    the mouse; the number of leads the page says are inside, once the list is there."""
    page = session.page
    page.locator("#lead-draw").get_by_role("button", name="Rectangle").click()
    box = page.locator("#map").bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25
    x1, y1 = box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.6
    page.mouse.click(x0, y0)
    page.mouse.move(x1, y1, steps=8)
    page.mouse.click(x1, y1)
    return _matched(page)


def _matched(page: Page) -> int:
    """The count of the list shown, once the latest question is answered."""
    page.wait_for_function(
        "() => document.getElementById('lead-count').dataset.matched !== undefined && "
        "!document.getElementById('lead-count').textContent.startsWith('Counting')"
    )
    return int(page.locator("#lead-count").get_attribute("data-matched"))


def _percent(text_: str) -> int:
    """ "68 %" (fi-FI) or "68%" → 68."""
    return int(re.sub(r"\D", "", text_))


def test_the_view_opens_with_its_layers_and_their_legends(session, leads):
    page = session.open(f"/?view=prospecting{VIEW}")
    boxes = page.locator("#prospect-layers input[type=checkbox]")
    chosen = dict(boxes.evaluate_all("els => els.map(e => [e.name, e.checked])"))
    # on a first visit the whitespace and the leads are on; hotspots offered
    assert chosen == {"whitespace": True, "hotspots": False, "leads": True}
    session.settle()
    page.wait_for_selector("#legend [data-source=whitespace]", timeout=15_000)
    page.wait_for_selector("#legend [data-source=leads]", timeout=15_000)
    # the heatmap's hexagons step aside while the view is open, with their legend
    assert not page.evaluate("Boolean(window.geocrm.map.getSource('hexes'))")
    assert page.locator("#legend .legend-hexes .legend-entry").count() == 0
    whitespace = page.locator("#legend [data-source=whitespace]")
    assert "expected \u2212 actual" in whitespace.inner_text()  # the catalogue's label
    # hotspots turned on: its section joins the legend, and the URL keeps the choice
    page.locator("#prospect-layers input[name=hotspots]").check()
    page.wait_for_function("() => window.location.search.includes('hotspots')")
    session.settle()
    page.wait_for_selector("#legend [data-source=hotspots]", timeout=15_000)
    # the hot and cold spots of another measure: the layer's tiles are asked with it
    page.select_option("#hotspot-measure", "customers")
    session.wait_for_request("hotspots", "measure=customers")
    session.settle()
    assert "Nothing drawn yet" in page.locator("#lead-count").inner_text()
    assert "lookalike" in page.locator("#lead-model").inner_text()
    session.screenshot("prospecting-desktop")
    # back in the heatmap the hexagons are there again
    page.locator("nav [data-view=heatmap]").click()
    session.settle()
    assert page.evaluate("Boolean(window.geocrm.map.getSource('hexes'))")
    assert session.errors == []
    assert session.foreign_requests() == []


def test_a_rectangle_lists_the_leads_inside_by_score_with_reasons(session, leads):
    page = session.open(f"/?view=prospecting{VIEW}")
    matched = _draw_rectangle(session)
    polygon = page.evaluate("window.geocrm.prospecting.area.geometry")
    answer = _api(page, "/api/leads/query", "POST", {"polygon": polygon, "limit": 1000})
    assert answer["status"] == 200
    api = answer["body"]
    assert matched == api["numberMatched"] > PAGE_SIZE
    rows = page.locator("#lead-table tbody.lead")
    assert rows.count() == PAGE_SIZE
    ids = rows.evaluate_all("els => els.map(e => e.dataset.leadId)")
    assert ids == [f["id"] for f in api["features"][:PAGE_SIZE]]
    scores = [f["properties"]["score"] for f in api["features"][:PAGE_SIZE]]
    assert all(0 <= s <= 1 for s in scores) and scores == sorted(scores, reverse=True)
    shown = rows.locator("td.score").all_inner_texts()
    assert [_percent(s) for s in shown] == [round(s * 100) for s in scores]
    # each lead with its three reasons, the API's
    for i in (0, 1, PAGE_SIZE - 1):
        reasons = rows.nth(i).locator("ul.reasons li").all_inner_texts()
        assert reasons == api["features"][i]["properties"]["reasons"] and len(reasons) == 3
    # axe-core finds no serious violation in the list and its actions
    found = _axe(page)
    assert not found, found
    # "Show more" asks the next page with the cursor: the same order goes on
    page.locator("#lead-more").click()
    page.wait_for_function(
        f"() => document.querySelectorAll('#lead-table tbody.lead').length === "
        f"{min(2 * PAGE_SIZE, matched)}"
    )
    more = rows.evaluate_all("els => els.map(e => e.dataset.leadId)")
    assert more == [f["id"] for f in api["features"][: 2 * PAGE_SIZE]]
    # the keyboard finds the first new row's button (the focus moved there)
    assert (
        page.evaluate("document.activeElement.closest('tbody.lead').dataset.leadId")
        == more[PAGE_SIZE]
    )
    # a lead's dot on the map opens its popup, which leads to its row in the list
    first = api["features"][0]
    point = page.evaluate(
        "c => { const p = window.geocrm.map.project(c); "
        "const r = window.geocrm.map.getCanvas().getBoundingClientRect(); "
        "return [r.left + p.x, r.top + p.y]; }",
        first["geometry"]["coordinates"],
    )
    page.evaluate("window.geocrm.map.setCenter(window.geocrm.map.getCenter())")  # idle map
    page.mouse.click(*point)
    popup = page.locator(".lead-popup")
    popup.wait_for()
    under = popup.get_attribute("data-lead-id")
    assert under in more or "Not in the list" in popup.inner_text()
    if under in more:
        popup.get_by_role("button", name="Show in the list").click()
        assert page.evaluate("document.activeElement.closest('tbody.lead').dataset.leadId") == under
    # a minimum score above every lead: the empty state says so
    page.locator("#lead-filters input[name=min_score]").fill("100")
    page.locator("#lead-filters input[name=min_score]").dispatch_event("change")
    page.wait_for_function(
        "() => document.getElementById('lead-count').dataset.matched === '0' && "
        "!document.getElementById('lead-count').textContent.startsWith('Counting')"
    )
    assert "No leads here for these filters" in page.locator("#lead-list").inner_text()
    assert session.errors == []


def test_assigning_a_lead_makes_a_prospect_and_a_second_assignment_is_refused(
    session, leads, engine
):
    page = session.open(f"/?view=prospecting{VIEW}")
    _draw_rectangle(session)
    row = page.locator("#lead-table tbody.lead").first
    lead_id = row.get_attribute("data-lead-id")
    rep_id = int(row.locator("select.rep").input_value())
    row.locator("button.assign").click()
    row = page.locator(f'#lead-table tbody.lead[data-lead-id="{lead_id}"]')
    page.wait_for_function(
        f"""() => document.querySelector('tbody.lead[data-lead-id="{lead_id}"]')
            ?.dataset.status === 'assigned'"""
    )
    assert row.locator("td.status").inner_text().startswith("assigned")
    assert "now a prospect" in row.locator(".lead-message").inner_text()
    with engine.connect() as conn:
        made = conn.execute(
            text(
                "SELECT s.status, s.assigned_rep_id, c.source, c.stage, c.assigned_rep_id AS rep, "
                "c.name "
                "FROM crm.lead_status s JOIN crm.customers c USING (customer_id) "
                "WHERE s.lead_id = :id"
            ),
            {"id": lead_id},
        ).one()
    assert (made.status, made.assigned_rep_id, made.source, made.stage, made.rep) == (
        "assigned",
        rep_id,
        "lead",
        "prospect",
        rep_id,
    )
    # assigned again (from this page, as from another's): the page says it is taken
    row.locator("button.assign").click()
    message = row.locator(".lead-message.taken")
    message.wait_for()
    assert message.inner_text().startswith("Already taken")
    # the refusal is the API's 409, the only error the browser logged
    assert session.errors and all("409" in e for e in session.errors)
    session.errors.clear()
    session.screenshot("prospecting-assigned")
    # "Add to route": the Accounts view plans the rep's day with the new prospect as a stop
    row.locator("button.route").click()
    page.wait_for_function("() => window.geocrm.state.view === 'accounts'")
    page.locator("#route table.stops").wait_for(timeout=30_000)
    assert page.locator("#route-form select[name=rep_id]").input_value() == str(rep_id)
    stops = page.locator("#route table.stops").inner_text()
    assert made.name in stops
    new_stop = page.locator("#route tr.new-stop")
    assert new_stop.count() == 1 and made.name in new_stop.inner_text()
    assert made.name in page.locator("#route .route-added").inner_text()
    # the prospecting layers and the lead list's area left with their view
    session.settle()
    assert page.locator("#legend [data-source=whitespace]").count() == 0
    assert page.locator("#legend [data-source=route]").count() == 2  # line and stops
    assert page.evaluate("Boolean(window.geocrm.map.getSource('hexes'))")
    assert not page.evaluate("Boolean(window.geocrm.map.getSource('leads'))")
    session.screenshot("prospecting-route")
    assert session.errors == []


def test_the_export_links_carry_the_area_and_the_filters(session, leads, engine):
    page = session.open(f"/?view=prospecting{VIEW}")
    _draw_rectangle(session)
    category = page.locator("#lead-table tbody.lead").first.locator("td").first.inner_text()
    raw = page.evaluate("window.geocrm.prospecting.list.leads[0].properties.category")
    assert category == raw.replace("_", " ")
    page.select_option("#lead-filters select[name=category]", raw)
    page.locator("#lead-filters input[name=min_score]").fill("10")
    page.locator("#lead-filters input[name=min_score]").dispatch_event("change")
    page.wait_for_function("() => document.getElementById('lead-count').innerText.includes('≥')")
    matched = _matched(page)
    assert matched > 0
    href = page.locator("#lead-csv").get_attribute("href")
    query = parse_qs(urlsplit(href).query)
    assert query["format"] == ["csv"]
    assert query["category"] == [raw] and query["min_score"] == ["0.1"]
    polygon = page.evaluate("window.geocrm.prospecting.area.geometry")
    xs = [p[0] for p in polygon["coordinates"][0]]
    bbox = [float(v) for v in query["bbox"][0].split(",")]
    assert bbox[0] == pytest.approx(min(xs), abs=1e-6) and bbox[2] == pytest.approx(
        max(xs), abs=1e-6
    )
    # the files hold the list: as many leads as the page counts
    rows = list(csv.DictReader(io.StringIO(_api(page, href)["body"])))
    assert len(rows) == matched and {r["category"] for r in rows} == {raw}
    geojson = _api(page, page.locator("#lead-geojson").get_attribute("href"))["body"]
    if isinstance(geojson, str):
        geojson = json.loads(geojson)
    assert len(geojson["features"]) == matched
    # a saved zone: its leads, and the links name the zone instead of a box
    zone = _api(
        page,
        "/api/zones",
        "POST",
        {"name": "Prospecting test zone", "kind": "rectangle", "geometry": polygon, "filters": {}},
    )["body"]
    try:
        page.locator("#lead-draw").get_by_role("button", name="Clear").click()
        page.wait_for_function(
            "() => document.getElementById('lead-count').dataset.matched === undefined"
        )
        assert "Nothing drawn yet" in page.locator("#lead-count").inner_text()
        page.select_option("#lead-filters select[name=category]", "")
        page.locator("#lead-filters input[name=min_score]").fill("")
        page.locator("#lead-filters input[name=min_score]").dispatch_event("change")
        page.locator("nav [data-view=heatmap]").click()
        page.locator("nav [data-view=prospecting]").click()  # the zone list is read again
        page.wait_for_function(
            f"() => [...document.querySelectorAll('#lead-zone option')]"
            f".some(o => o.value === '{zone['properties']['zone_id']}')"
        )
        page.select_option("#lead-zone", str(zone["properties"]["zone_id"]))
        in_zone = _matched(page)
        api = _api(page, f"/api/leads?zone={zone['properties']['zone_id']}&limit=1")["body"]
        assert in_zone == api["numberMatched"] > 0
        zone_href = page.locator("#lead-csv").get_attribute("href")
        assert parse_qs(urlsplit(zone_href).query)["zone"] == [str(zone["properties"]["zone_id"])]
        assert "bbox" not in zone_href
        session.screenshot("prospecting-zone")
    finally:
        _api(page, f"/api/zones/{zone['properties']['zone_id']}", "DELETE")
    assert session.errors == []


def test_a_drawn_polygon_is_exported_with_its_leads(session, leads):
    page = session.open(f"/?view=prospecting{VIEW}")
    page.locator("#lead-draw").get_by_role("button", name="Polygon").click()
    box = page.locator("#map").bounding_box()
    corners = [(0.3, 0.3), (0.6, 0.35), (0.55, 0.6), (0.3, 0.55)]
    points = [(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy) for fx, fy in corners]
    for x, y in [*points, points[0]]:  # back on the first point closes the polygon
        page.mouse.move(x, y, steps=4)
        page.mouse.click(x, y)
    matched = _matched(page)
    assert matched > 0
    href = page.locator("#lead-csv").get_attribute("href")
    polygon = json.loads(parse_qs(urlsplit(href).query)["polygon"][0])
    drawn = page.evaluate("window.geocrm.prospecting.area.geometry")
    assert polygon["type"] == "Polygon" and len(polygon["coordinates"][0]) == 5
    assert polygon["coordinates"][0][1] == pytest.approx(drawn["coordinates"][0][1], abs=1e-6)
    rows = list(csv.DictReader(io.StringIO(_api(page, href)["body"])))
    assert len(rows) == matched  # the file holds the leads the list counts
    assert session.errors == []


def test_a_model_no_better_than_random_shows_no_score_and_says_why(session, leads, engine):
    report = score_leads(engine, progress=False, settings=ALL_CUSTOMERS, shuffle_labels=True)
    assert not report.beats_random
    try:
        page = session.open(f"/?view=prospecting{VIEW}")
        assert _draw_rectangle(session) > 0
        note = page.locator("#lead-list .no-score")
        assert "did not beat random" in note.inner_text()
        assert "AUC" in note.inner_text()
        rows = page.locator("#lead-table tbody.lead")
        assert set(rows.locator("td.score").all_inner_texts()) == {"\u2013"}  # an en dash: no score
        assert rows.locator("ul.reasons").count() == 0
        assert rows.locator("tr.why").count() == 0  # no reasons without a score
        session.screenshot("prospecting-no-score")
        assert session.errors == []
    finally:
        assert score_leads(engine, progress=False, settings=ALL_CUSTOMERS).beats_random


def test_an_analyst_reads_the_leads_and_is_offered_no_action(browser, server, make_user, leads):
    analyst = Session(browser, server, make_user("analyst")[0])
    try:
        page = analyst.open(f"/?view=prospecting{VIEW}")
        assert _draw_rectangle(analyst) > 0
        first = page.locator("#lead-table tbody.lead").first
        # an analyst reads (every lead: no customer row is in one) but assigns, sets and
        # plans nothing: only "Fly to" is offered
        assert first.locator("button").all_inner_texts() == ["Fly to"]
        assert first.locator("select").count() == 0
        first.locator("button.fly").click()
        page.wait_for_function("() => window.geocrm.map.getZoom() >= 16.9")
        assert analyst.errors == []
    finally:
        analyst.close()


def test_the_view_on_a_phone(browser, server, admin, leads):
    phone = Session(browser, server, admin, width=390, height=844)
    try:
        page = phone.open(f"/?view=prospecting{VIEW}")
        # the chosen tab is in sight, the panel is a bottom sheet under the map
        tab = page.locator("nav [data-view=prospecting]").bounding_box()
        nav = page.locator("header nav").bounding_box()
        assert nav["x"] <= tab["x"] and tab["x"] + tab["width"] <= nav["x"] + nav["width"] + 1
        panel = page.locator("#panel").bounding_box()
        assert panel["y"] > page.locator("#map").bounding_box()["y"]
        matched = _draw_rectangle(phone)
        assert matched > 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # the list's actions are buttons within the sheet's width
        first = page.locator("#lead-table tbody.lead").first
        for button in first.locator("button").all():
            b = button.bounding_box()
            assert b["x"] >= 0 and b["x"] + b["width"] <= 390, button.inner_text()
        phone.screenshot("prospecting-phone")
        assert phone.errors == []
    finally:
        phone.close()
