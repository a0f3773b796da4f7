"""The web map app in a real browser: Debian's chromium, headless, driven by Playwright,
against the app served over real HTTP. Screenshots are kept in tests/artifacts/."""

from __future__ import annotations

import csv
import io
import json

import h3
import pytest
from PIL import Image
from playwright.sync_api import Page
from shapely.geometry import Point, Polygon
from sqlalchemy import text

from geocrm.formats import format_value
from geocrm.settings import auth_settings
from geocrm.territories import design_plan
from tests.browser.pages import HEX_COLOURS, HEX_OPACITY, ME, PASSWORD, VIEW, Session


def _customers_inside(engine, geometry: dict) -> int:
    """The customers whose point lies in a GeoJSON geometry, counted by PostGIS here."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM crm.customers WHERE ST_Intersects(geom, "
                "ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326))"
            ),
            {"g": json.dumps(geometry)},
        ).scalar_one()


def _share(image: Image.Image, hex_colour: str, tolerance: int = 40) -> float:
    """Share of the pixels within ``tolerance`` of a colour (blended over the base map)."""
    target = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    pixels = list(image.resize((320, 200)).get_flattened_data())
    near = sum(
        1 for p in pixels if sum(abs(a - b) for a, b in zip(p, target, strict=True)) <= tolerance
    )
    return near / len(pixels)


def _hex_share(image: Image.Image) -> float:
    # hexes are drawn at HEX_OPACITY over a light base map: compare with the blended colour
    blended = []
    for colour in HEX_COLOURS:
        rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
        mixed = [round(HEX_OPACITY * c + (1 - HEX_OPACITY) * 240) for c in rgb]
        blended.append("#" + "".join(f"{c:02x}" for c in mixed))
    return sum(_share(image, c, tolerance=60) for c in blended)


def test_the_page_loads_with_no_errors_and_no_outside_request(session):
    page = session.open(f"/?measure=revenue{VIEW}")
    assert page.title() == "GeoCRM"
    assert session.errors == []
    assert session.foreign_requests() == []
    # it asked for tiles of the base map and of the hex layer, from our server
    assert any("/tiles/base/" in u for u in session.requests)
    assert any("/tiles/hexes/" in u and "measure=revenue" in u for u in session.requests)


def test_hex_tiles_render_in_the_layer_colours(session):
    session.open(f"/?measure=customers{VIEW}")
    drawn = session.page.evaluate(
        "window.geocrm.map.queryRenderedFeatures({layers: ['hexes-fill']}).length"
    )
    assert drawn > 10
    assert _hex_share(session.map_image("heatmap-customers")) > 0.2
    legend = session.page.locator("#legend")
    assert legend.is_visible()
    assert "Customers (all stages)" in legend.inner_text()  # the measure's label
    assert session.errors == []


def test_changing_the_measure_changes_the_picture_and_the_url(session):
    page = session.open(f"/?measure=customers{VIEW}")
    before = session.map_image("measure-before")
    legend_before = page.locator("#legend").inner_text()
    page.select_option("#measure", "mean_churn_risk")
    page.wait_for_function("() => window.location.search.includes('measure=mean_churn_risk')")
    session.settle()
    page.wait_for_function(
        "() => document.getElementById('legend').innerText.includes('churn')", timeout=10_000
    )
    after = session.map_image("measure-after")
    changed = sum(
        1
        for a, b in zip(
            before.resize((320, 200)).get_flattened_data(),
            after.resize((320, 200)).get_flattened_data(),
            strict=True,
        )
        if a != b
    )
    assert changed > 500
    assert page.locator("#legend").inner_text() != legend_before
    # the URL keeps the view: reloading it gives the same measure
    session.open("/" + page.url.split("/", 3)[3])
    assert page.locator("#measure").input_value() == "mean_churn_risk"
    assert session.errors == []


def test_clicking_a_hex_opens_its_panel_with_drill_down(session):
    page = session.open("/?measure=customers#13/60.1680/24.9440")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    panel = page.locator("#cell")
    panel.get_by_text("Top customers by revenue").wait_for(timeout=10_000)
    assert "Hexagon" in panel.inner_text()
    assert "~400 m across" in panel.inner_text()  # resolution 9, in plain words
    assert page.evaluate("window.geocrm.state.cell") in page.url
    # drill down to the first child, then roll back up
    panel.locator("ul.children button").first.click()
    panel.get_by_text("~150 m across", exact=False).first.wait_for()  # resolution 10
    page.wait_for_function(
        "() => document.querySelector('#cell h2')?.innerText.includes('Hexagon')"
    )
    assert "Drill down" in panel.inner_text()
    panel.get_by_role("button", name="Roll up ↑").click()
    page.wait_for_function(
        "() => document.querySelector('#cell .crumbs')?.innerText.trim().endsWith('~400 m')"
    )
    # breadcrumbs res 5..8, computed in the page: the res-8 one is the API's parent
    cell = page.evaluate("window.geocrm.state.cell")
    crumbs = panel.locator(".crumbs button")
    assert crumbs.count() == 4
    parent = page.evaluate(f"fetch('/api/cube/{cell}/parent').then(r => r.json())")
    crumbs.last.click()
    page.wait_for_function(f"() => window.geocrm.state.cell === '{parent['h3']}'")
    panel.get_by_text("Top customers by revenue").wait_for()
    session.map_image("hex-panel")
    assert session.errors == []


def test_filters_redraw_and_no_match_is_an_empty_state(session):
    page = session.open(f"/?measure=customers{VIEW}")
    page.locator("details[data-filter=stage] summary").click()
    # the hex tiles are asked again with the filter (the wait fails if they never are)
    with page.expect_request(lambda r: "/tiles/hexes/" in r.url and "stage=partner" in r.url):
        page.locator("details[data-filter=stage]").get_by_role("checkbox", name="partner").click()
    page.wait_for_function("() => window.location.search.includes('stage=partner')")
    session.settle()
    months = page.locator("select[name=month] option").all_inner_texts()
    assert len(months) >= 13 and months[0] == "all"  # "all" and 12 months of activity
    page.select_option("select[name=month]", months[-1])
    page.wait_for_function(f"() => window.location.search.includes('month={months[-1]}')")
    session.wait_for_request("/tiles/hexes/", f"month={months[-1]}")
    session.settle()
    assert session.errors == []


def test_every_filter_control_and_measure_comes_from_the_api(session):
    """A manager finds one filter control per dimension the API names (territory included),
    labelled and filled as the API says, and the measures with the API's labels."""
    page = session.open(f"/?measure=customers{VIEW}")
    dims = page.evaluate("fetch('/api/cube/dimensions').then(r => r.json())")
    names = page.locator("#filters [data-filter]").evaluate_all(
        "els => els.map(e => e.dataset.filter)"
    )
    assert names == [f["name"] for f in dims["filters"]]
    assert "territory_id" in names
    for control in dims["filters"]:
        wanted = [str(v["value"]) for v in control["values"]]
        if control["multiple"]:  # a list of checkboxes under a summary naming the filter
            multi = page.locator(f"#filters details[data-filter={control['name']}]")
            assert multi.locator("summary .name").inner_text() == control["label"]
            assert multi.locator("legend").text_content() == control["label"]
            values = multi.locator("input[type=checkbox]").evaluate_all(
                "els => els.map(e => e.value)"
            )
            assert values == wanted
            continue
        select = page.locator(f"#filters select[name={control['name']}]")
        assert select.get_attribute("aria-label") == control["label"]
        values = select.locator("option").evaluate_all("els => els.map(e => e.value)")
        assert values == ["", *wanted]
    measures = page.locator("#measure option").evaluate_all(
        "els => els.map(e => [e.value, e.textContent])"
    )
    assert measures == [[m["name"], m["label"]] for m in dims["measure_details"]]
    assert session.errors == []


def test_phone_sized_viewport(browser, server, admin):
    phone = Session(browser, server, admin, width=390, height=844)
    try:
        page = phone.open(f"/?measure=revenue{VIEW}")
        assert page.locator("#map").bounding_box()["height"] > 300
        assert page.locator("#measure").is_visible()
        phone.map_image("phone")
        assert phone.errors == []
    finally:
        phone.close()


def test_drawing_a_zone_counts_saves_and_exports_the_same_customers(session, engine):
    page = session.open("/?view=zones#15/60.1680/24.9440")
    shown = session.draw_rectangle()
    geometry = page.evaluate("window.geocrm.zone.geometry")
    expected = _customers_inside(engine, geometry)
    assert expected > 0
    assert shown == expected
    assert str(expected) in page.locator("#zone-count").inner_text()

    page.fill("#zone-name", "Browser test zone")
    page.get_by_role("button", name="Save zone").click()
    item = page.locator("#zone-list li", has_text="Browser test zone")
    item.wait_for()
    assert f"{expected} inside" in item.inner_text()
    href = item.get_by_role("link", name="Export CSV").get_attribute("href")
    csv_text = page.evaluate(f"fetch('{href}').then(r => r.text())")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(rows) == expected
    assert list(rows[0])[:6] == ["customer_id", "name", "address", "stage", "revenue", "rep"]
    session.map_image("zone")
    assert session.errors == []
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.target_zones WHERE name = 'Browser test zone'"))


def test_accounts_search_flies_to_a_customer_and_shows_its_card(session, engine):
    with engine.connect() as conn:
        customer_id, name = conn.execute(
            text(
                "SELECT c.customer_id, c.name FROM crm.customers c "
                "JOIN crm.interactions i USING (customer_id) "
                "JOIN crm.customer_enrichment e USING (customer_id) ORDER BY 1 LIMIT 1"
            )
        ).one()
    page = session.open("/?view=accounts#13/60.1680/24.9440")
    page.fill("#search", name)
    result = page.locator(f"#search-results li[data-customer-id='{customer_id}']")
    result.click()
    card = page.locator("#card")
    card.get_by_text("History").wait_for()
    page.wait_for_function("() => window.geocrm.map.getZoom() > 16.5")
    assert name in card.inner_text()
    assert "Nearest store" in card.inner_text()
    assert card.locator("table.history tr").count() > 0
    session.map_image("account")
    assert session.errors == []


def test_an_isochrone_around_a_clicked_point_is_counted_like_a_drawn_zone(session, engine):
    page = session.open("/?view=zones#15/60.1680/24.9440")
    page.get_by_role("button", name="Isochrone").click()
    page.fill("#iso-minutes", "5")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "() => "
        "window.geocrm.zone.kind === 'isochrone' && "
        "window.geocrm.zone.counted === window.geocrm.zone.geometry"
    )
    zone = page.evaluate("window.geocrm.zone")
    assert zone["source"]["mode"] == "walk" and zone["source"]["minutes"] == 5
    expected = _customers_inside(engine, zone["geometry"])
    assert expected > 0
    assert int(page.locator("#zone-count").get_attribute("data-total")) == expected
    session.map_image("isochrone")
    assert session.errors == []


def test_a_polygon_drawn_point_by_point_is_counted(session, engine):
    page = session.open("/?view=zones#15/60.1680/24.9440")
    page.get_by_role("button", name="Polygon").click()
    box = page.locator("#map").bounding_box()
    corners = [(0.35, 0.3), (0.7, 0.35), (0.65, 0.7), (0.3, 0.65)]
    points = [(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy) for fx, fy in corners]
    for x, y in points:
        page.mouse.move(x, y, steps=4)
        page.mouse.click(x, y)
    page.mouse.move(*points[0], steps=4)
    page.mouse.click(*points[0])  # back on the first point closes the polygon
    page.wait_for_function(
        "() => "
        "window.geocrm.zone.kind === 'polygon' && "
        "window.geocrm.zone.geometry.coordinates[0].length === 5 && "
        "window.geocrm.zone.counted === window.geocrm.zone.geometry"
    )
    geometry = page.evaluate("window.geocrm.zone.geometry")
    expected = _customers_inside(engine, geometry)
    assert expected > 0
    assert int(page.locator("#zone-count").get_attribute("data-total")) == expected
    assert session.errors == []


def test_a_manager_designs_edits_undoes_and_publishes_territories(session, engine):
    page = session.open("/?view=territories#14/60.1680/24.9440")
    page.fill("#plan-design input[name=k]", "3")
    page.get_by_role("button", name="Design").click()
    rows = page.locator("#plan tr[data-territory-id]")
    rows.first.wait_for()
    assert rows.count() == 3
    plan = page.evaluate("window.geocrm.territories.plan")
    assert plan["status"] == "draft" and plan["contiguous"]
    assert page.locator("#plan-balance").inner_text() == f"{plan['balance']:.3f}"
    session.settle()
    # move a cell of the biggest territory into the first one, by clicking it on the map
    biggest = max(plan["territories"][1:], key=lambda t: t["cells"])
    target = plan["territories"][0]["territory_id"]
    page.locator(f"#plan input[value='{target}']").check()
    lon, lat = biggest["centroid"]
    point = page.evaluate(f"window.geocrm.map.project([{lon}, {lat}])")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.locator("#plan .edit").wait_for()
    edited = page.evaluate("window.geocrm.territories.plan")
    assert edited["edit"]["territory_id"] == target
    assert edited["edit"]["balance_before"] == pytest.approx(plan["balance"])
    with engine.connect() as conn:
        moved = conn.execute(
            text(
                "SELECT territory_id FROM crm.territory_cells "
                "WHERE plan_id = :p AND h3 = CAST(:c AS bigint)"
            ),
            {"p": plan["plan_id"], "c": int(edited["edit"]["cells"][0], 16)},
        ).scalar_one()
    assert moved == target
    # undo puts it back
    page.get_by_role("button", name="Undo").click()
    page.wait_for_function(
        f"() => window.geocrm.territories.plan.edit.territory_id === {biggest['territory_id']}"
    )
    page.get_by_role("button", name="Publish").click()
    page.wait_for_function("() => window.geocrm.territories.plan.status === 'published'")
    session.map_image("territories")
    assert session.errors == []


def test_a_rep_plans_the_day_and_sees_the_route(session):
    page = session.open("/?view=accounts#14/60.1680/24.9440")
    # a rep with visits due (other tests may have reassigned customers or logged visits)
    reps = page.locator("#route-form select[name=rep_id] option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    for rep_id in reps:
        route = _api(page, "/api/routes", "POST", {"rep_id": int(rep_id), "mode": "drive"})["body"]
        if route["totals"]["stops"] > 0:
            break
    stops = route["totals"]["stops"]
    assert stops > 0
    page.select_option("#route-form select[name=rep_id]", rep_id)
    page.get_by_role("button", name="Plan the day").click()
    page.locator("#route .route-totals").wait_for()
    assert page.locator("#route table.stops tr").count() == stops
    assert route["totals"]["travel_minutes"] <= route["baseline"]["travel_minutes"] + 1e-6
    session.settle()
    drawn = page.evaluate(
        "window.geocrm.map.queryRenderedFeatures({layers: ['route-line', 'route-stops']}).length"
    )
    assert drawn > stops  # the line and every stop
    session.map_image("route")
    assert session.errors == []


def _workload_text(value: float | None) -> str:
    """A workload as the page formats it (api.js formatValue, GEOCRM_LOCALE): the same
    rules as geocrm.formats."""
    return format_value("workload", value)


def _assignment(plan: dict) -> dict[str, int]:
    return {c: t["territory_id"] for t in plan["territories"] for c in t["h3_cells"]}


def _open_plan(session: Session, plan_id: int) -> Page:
    page = session.open("/?view=territories#14/60.1680/24.9440")
    page.locator(f"#plan-list li[data-plan-id='{plan_id}'] button").click()
    page.wait_for_function(f"() => window.geocrm.territories.plan?.plan_id === {plan_id}")
    session.settle()
    return page


def _draw_lasso(page: Page, points: list[tuple[float, float]]) -> None:
    """Freehand lasso through ``points`` (page pixels): click, move, click. Terra Draw keeps
    a mouse position 20 px or more from the last one it kept, so every step is longer."""
    page.mouse.move(*points[0])
    page.mouse.click(*points[0])
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        steps = max(1, int(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 // 30))
        page.mouse.move(x1, y1, steps=steps)
    page.mouse.click(*points[0])


def test_a_lasso_moves_the_cells_inside_it_in_one_edit_and_undo_puts_them_back(session, engine):
    plan = design_plan(engine, k=3, measure="customers", res=9, name="Lasso test")
    before = _assignment(plan)
    page = _open_plan(session, plan["plan_id"])
    # a lasso around the middle of the border between the first territory and the biggest other
    target = plan["territories"][0]
    other = max(plan["territories"][1:], key=lambda t: t["cells"])
    mid = page.evaluate(
        "([a, b]) => window.geocrm.map.project([(a[0] + b[0]) / 2, (a[1] + b[1]) / 2])",
        [target["centroid"], other["centroid"]],
    )
    box = page.locator("#map").bounding_box()
    shape = [(0, -110), (95, -50), (80, 70), (-20, 105), (-100, 30), (-75, -75)]
    points = [(box["x"] + mid["x"] + dx, box["y"] + mid["y"] + dy) for dx, dy in shape]
    assert all(box["x"] < x < box["x"] + box["width"] for x, _ in points)
    assert all(box["y"] < y < box["y"] + box["height"] for _, y in points)
    lnglats = page.evaluate(
        "(points) => points.map(([x, y]) => window.geocrm.map.unproject([x, y]).toArray())",
        [(x - box["x"], y - box["y"]) for x, y in points],
    )
    lasso = Polygon(lnglats)
    inside = {
        c for c in before if lasso.contains(Point(h3.cell_to_latlng(c)[1], h3.cell_to_latlng(c)[0]))
    }
    expected = {c for c in inside if before[c] != target["territory_id"]}
    assert expected, "the lasso should hold cells of another territory"

    page.locator(f"#plan input[value='{target['territory_id']}']").check()
    page.get_by_role("button", name="Lasso", exact=True).click()
    edits = sum("/edits" in u for u in session.requests)
    _draw_lasso(page, points)
    page.locator("#plan .edit").wait_for()
    assert sum("/edits" in u for u in session.requests) == edits + 1  # one request
    edited = page.evaluate("window.geocrm.territories.plan")
    assert set(edited["edit"]["cells"]) == expected
    saved = page.evaluate(f"fetch('/api/territory-plans/{plan['plan_id']}').then(r => r.json())")
    after = _assignment(saved)
    assert {c for c in inside if after[c] == target["territory_id"]} == inside
    assert {c: t for c, t in after.items() if c not in inside} == {
        c: t for c, t in before.items() if c not in inside
    }
    # the balance shown is the API's, before and after
    assert page.locator("#plan-balance").inner_text() == f"{saved['balance']:.3f}"
    assert (
        page.locator("#plan .edit .balance-change .before").inner_text() == f"{plan['balance']:.3f}"
    )
    assert (
        page.locator("#plan .edit .balance-change .after").inner_text() == f"{saved['balance']:.3f}"
    )
    # the lasso is gone from the map
    assert (
        page.evaluate(
            "window.geocrm.draw.getSnapshot().filter(f => f.properties.mode === 'freehand').length"
        )
        == 0
    )

    # undo: every cell back in its territory (one request per territory they came from)
    back_to = len({before[c] for c in expected})
    edits = sum("/edits" in u for u in session.requests)
    page.get_by_role("button", name="Undo").click()
    page.wait_for_function(
        "(before) => window.geocrm.territories.plan.territories.every("
        "t => t.h3_cells.every(c => before[c] === t.territory_id))",
        arg=before,
    )
    assert sum("/edits" in u for u in session.requests) == edits + back_to
    restored = page.evaluate(f"fetch('/api/territory-plans/{plan['plan_id']}').then(r => r.json())")
    assert _assignment(restored) == before
    assert restored["balance"] == pytest.approx(plan["balance"])

    # a lasso around no cell's centre: a message, no request
    corner = h3.cell_to_boundary(next(iter(expected)))[0]
    page.evaluate(f"window.geocrm.map.jumpTo({{center: [{corner[1]}, {corner[0]}], zoom: 18}})")
    session.settle()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    small = [(centre[0] + dx, centre[1] + dy) for dx, dy in [(0, -60), (60, 40), (-60, 40)]]
    edits = sum("/edits" in u for u in session.requests)
    _draw_lasso(page, small)
    page.locator("#toast.info").wait_for()
    assert "nothing to move" in page.locator("#toast").inner_text()
    page.wait_for_timeout(300)
    assert sum("/edits" in u for u in session.requests) == edits
    session.map_image("territories-lasso")
    assert session.errors == []


def test_each_territory_is_labelled_with_its_workload_on_the_map(session, engine):
    plan = design_plan(engine, k=4, measure="customers", res=9, name="Label test")
    page = _open_plan(session, plan["plan_id"])
    labels = page.locator(".territory-label")
    assert labels.count() == 4
    for t in plan["territories"]:
        label = page.locator(f".territory-label[data-territory-id='{t['territory_id']}']")
        assert label.locator(".workload").inner_text() == _workload_text(t["workload"])
        assert t["name"] in label.inner_text()
        assert (t["rep_name"] or "no rep") in label.inner_text()
    # after an edit the labels follow: move the second territory's busiest cell to the first
    first, second = plan["territories"][0], plan["territories"][1]
    with engine.connect() as conn:
        points = conn.execute(
            text("SELECT ST_Y(geom), ST_X(geom) FROM crm.customers WHERE geom IS NOT NULL")
        ).all()
    busy = [h3.latlng_to_cell(lat, lon, 9) for lat, lon in points]
    cell = max(second["h3_cells"], key=busy.count)
    page.locator(f"#plan input[value='{first['territory_id']}']").check()
    lat, lon = h3.cell_to_latlng(cell)
    point = page.evaluate(f"window.geocrm.map.project([{lon}, {lat}])")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.locator("#plan .edit").wait_for()
    edited = page.evaluate(f"fetch('/api/territory-plans/{plan['plan_id']}').then(r => r.json())")
    for t in edited["territories"]:
        label = page.locator(f".territory-label[data-territory-id='{t['territory_id']}']")
        assert label.locator(".workload").inner_text() == _workload_text(t["workload"])
    assert edited["territories"][0]["workload"] != first["workload"]
    session.map_image("territory-labels")
    # another view: no labels on its map
    page.get_by_role("tab", name="Heatmap").click()
    page.wait_for_function("() => document.querySelectorAll('.territory-label').length === 0")
    page.get_by_role("tab", name="Territories").click()
    page.wait_for_function("() => document.querySelectorAll('.territory-label').length === 4")
    assert session.errors == []


def _api(page: Page, path: str, method: str = "GET", body: dict | None = None) -> dict:
    """The API's answer to a request made from the page with its session: {status, body}
    (a change carries the session's CSRF token, as the app's own requests do)."""
    return page.evaluate(
        """async ([path, method, body]) => {
            const me = await (await fetch('/api/auth/me')).json();
            const r = await fetch(path, {
                method, body: body === null ? undefined : JSON.stringify(body),
                headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token}});
            return {status: r.status, body: r.status === 204 ? null : await r.json()};
        }""",
        [path, method, body],
    )


def test_a_manager_gives_a_territory_another_rep_and_sees_the_bonds_kept(session, engine):
    plan = design_plan(engine, k=3, measure="customers", res=9, name="Rep test")
    page = _open_plan(session, plan["plan_id"])
    first, second = plan["territories"][0], plan["territories"][1]
    assert second["rep_id"] is not None and second["rep_id"] != first["rep_id"]
    row = page.locator(f"#plan tr[data-territory-id='{first['territory_id']}']")
    row.locator("select.rep").select_option(str(second["rep_id"]))
    page.locator("#plan .edit .bonds-change").wait_for()
    edit = page.evaluate("window.geocrm.territories.plan.edit")
    saved = _api(page, f"/api/territory-plans/{plan['plan_id']}")["body"]
    assert saved["territories"][0]["rep_id"] == second["rep_id"]
    assert edit["changes"]["rep_id"] == {"before": first["rep_id"], "after": second["rep_id"]}
    # the table and the figures are the API's
    row = page.locator(f"#plan tr[data-territory-id='{first['territory_id']}']")
    assert row.locator("select.rep").input_value() == str(second["rep_id"])
    assert page.locator("#plan-bonds").inner_text() == str(saved["stats"]["bonds_kept"])
    bonds = page.locator("#plan .edit .bonds-change")
    assert bonds.locator(".before").inner_text() == str(plan["stats"]["bonds_kept"])
    assert bonds.locator(".after").inner_text() == str(saved["stats"]["bonds_kept"])
    assert edit["bonds_kept_after"] == saved["stats"]["bonds_kept"]
    balance = page.locator("#plan .edit .balance-change")
    assert balance.locator(".after").inner_text() == f"{saved['balance']:.3f}"
    label = page.locator(f".territory-label[data-territory-id='{first['territory_id']}']")
    assert second["rep_name"] in label.inner_text()
    assert "null" not in page.locator("#plan").inner_text()
    # undo gives the territory its rep back
    page.get_by_role("button", name="Undo").click()
    page.wait_for_function(
        f"() => window.geocrm.territories.plan.territories[0].rep_id === {first['rep_id']}"
    )
    assert session.errors == []


def test_a_locked_territory_refuses_a_cell_and_the_page_says_why(session, engine):
    plan = design_plan(engine, k=3, measure="customers", res=9, name="Lock test")
    page = _open_plan(session, plan["plan_id"])
    first, second = plan["territories"][0], plan["territories"][1]
    page.get_by_role("checkbox", name=f"lock {first['name']}", exact=True).check()
    page.wait_for_function("() => window.geocrm.territories.plan.territories[0].locked === true")
    assert page.get_by_role("checkbox", name=f"lock {first['name']}", exact=True).is_checked()
    # click a cell of the second territory to move it into the locked first one
    page.locator(f"#plan input[value='{first['territory_id']}']").check()
    point = page.evaluate(f"window.geocrm.map.project({json.dumps(second['centroid'])})")
    lng, lat = page.evaluate(f"window.geocrm.map.unproject([{point['x']}, {point['y']}]).toArray()")
    cell = h3.latlng_to_cell(lat, lng, 9)
    assert cell in second["h3_cells"]
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    toast = page.locator("#toast.error")
    toast.wait_for()
    refusal = _api(
        page,
        f"/api/territory-plans/{plan['plan_id']}/edits",
        "POST",
        {"cells": [cell], "territory_id": first["territory_id"]},
    )
    assert refusal["status"] == 422
    assert toast.inner_text() == refusal["body"]["detail"]
    assert "locked" in toast.inner_text()
    saved = _api(page, f"/api/territory-plans/{plan['plan_id']}")["body"]
    assert _assignment(saved) == _assignment(plan)
    assert page.evaluate("window.geocrm.territories.plan.edit.action") == "territory"
    # the browser logs the refused requests' 422s, and nothing else
    assert [e for e in session.errors if "status of 422" not in e] == []


def test_a_new_version_of_a_published_plan_opens_as_an_editable_draft(session, engine):
    plan = design_plan(engine, k=3, measure="customers", res=9, name="Version test")
    page = _open_plan(session, plan["plan_id"])
    page.get_by_role("button", name="Publish").click()
    page.wait_for_function("() => window.geocrm.territories.plan.status === 'published'")
    # read-only: nothing to pick, no rep to change, no lock to toggle
    assert page.locator("#plan input[name=paint]:enabled").count() == 0
    assert page.locator("#plan select.rep").count() == 0
    assert page.get_by_role("button", name="Publish").count() == 0
    page.get_by_role("button", name="New version").click()
    page.wait_for_function(
        "() => "
        f"window.geocrm.territories.plan.based_on === {plan['plan_id']} && "
        "window.geocrm.territories.plan.status === 'draft'"
    )
    copy = page.evaluate("window.geocrm.territories.plan")
    assert copy["version"] == plan["version"] + 1
    # the same cells in territories of its own
    assert sorted(_assignment(copy)) == sorted(_assignment(plan))
    assert page.locator("#plan input[name=paint]:enabled").count() == 3
    assert page.locator("#plan select.rep").count() == 3
    assert page.locator(f"#plan-list li[data-plan-id='{copy['plan_id']}']").is_visible()
    assert f"v{copy['version']}" in page.locator("#plan h2").inner_text()
    # and it takes edits
    page.locator(f"#plan input[value='{copy['territories'][0]['territory_id']}']").check()
    lon, lat = copy["territories"][1]["centroid"]
    point = page.evaluate(f"window.geocrm.map.project([{lon}, {lat}])")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.locator("#plan .edit").wait_for()
    assert session.errors == []


def test_comparing_a_plan_with_the_current_assignment(session, engine):
    plan = design_plan(engine, k=3, measure="customers", res=9, name="Compare test")
    page = _open_plan(session, plan["plan_id"])
    # the first territory's customers would go to the second one's rep
    first, second = plan["territories"][0], plan["territories"][1]
    row = page.locator(f"#plan tr[data-territory-id='{first['territory_id']}']")
    row.locator("select.rep").select_option(str(second["rep_id"]))
    page.locator("#plan .edit .bonds-change").wait_for()
    page.get_by_role("button", name="Compare with current").click()
    figures = page.locator("#plan .compare .changing-rep")
    figures.wait_for()
    compare = _api(page, f"/api/territory-plans/{plan['plan_id']}/compare")["body"]
    assert compare["customers_changing_rep"] > 0
    assert figures.inner_text() == str(compare["customers_changing_rep"])
    assert page.locator("#plan .compare .bonds-broken").inner_text() == str(compare["bonds_broken"])
    session.settle()
    assert any(
        "/tiles/plan_changes.json" in u and f"plan_id={plan['plan_id']}" in u
        for u in session.requests
    )
    tiles = [u for u in session.requests if "/tiles/plan_changes/" in u]
    assert tiles and all(f"plan_id={plan['plan_id']}" in u for u in tiles)
    drawn = page.evaluate(
        "window.geocrm.map.queryRenderedFeatures({layers: ['compare-plan-changes-fill']})"
        ".filter(f => f.properties.changing > 0).length"
    )
    assert drawn > 0
    session.map_image("territories-compare")
    # off: the layer goes
    page.get_by_role("button", name="Compare with current").click()
    page.wait_for_function("() => !window.geocrm.map.getSource('compare')")
    assert session.foreign_requests() == []
    assert session.errors == []


def test_a_plan_designed_within_a_saved_zone_and_redesigned_keeping_its_locks(session, engine):
    from geocrm import zones

    west = {
        "type": "Polygon",
        "coordinates": [
            [[24.92, 60.16], [24.942, 60.16], [24.942, 60.175], [24.92, 60.175], [24.92, 60.16]]
        ],
    }
    zone = zones.create_zone(engine, name="Web west", kind="rectangle", geometry=west)
    try:
        page = session.open("/?view=territories#14/60.1680/24.9440")
        page.wait_for_function(
            "() => "
            "[...document.querySelectorAll('#plan-area option')]"
            ".some(o => o.text.includes('Web west'))"
        )
        form = page.locator("#plan-design")
        form.locator("input[name=k]").fill("2")
        form.locator("select[name=zone]").select_option(str(zone["id"]))
        form.get_by_role("button", name="Design").click()
        page.wait_for_function(
            "() => window.geocrm.territories.plan?.area_label === 'target zone Web west'"
        )
        plan = page.evaluate("window.geocrm.territories.plan")
        assert "Covers target zone Web west only." in page.locator("#plan .plan-area").inner_text()
        drawn = page.evaluate(
            "window.geocrm.map.getSource('plan-area').serialize().data.geometry.coordinates"
        )
        assert Polygon(drawn[0][0]).equals_exact(Polygon(west["coordinates"][0]), 1e-6)
        # the designed cells have their centre in the zone, but for the gap cells joining them
        area = Polygon(west["coordinates"][0])
        cells = [c for t in plan["territories"] for c in t["h3_cells"]]
        outside = [c for c in cells if not area.contains(Point(h3.cell_to_latlng(c)[::-1]))]
        assert len(outside) <= sum(t["gap_cells"] for t in plan["territories"]) < len(cells)
        # lock the first territory, then redesign: the next version keeps it
        first = plan["territories"][0]
        page.locator(f"#plan tr[data-territory-id='{first['territory_id']}'] input.lock").check()
        page.wait_for_function(
            "() => window.geocrm.territories.plan.territories[0].locked === true"
        )
        page.get_by_role("button", name="Redesign keeping locks").click()
        page.wait_for_function(
            f"() => window.geocrm.territories.plan.based_on === {plan['plan_id']}"
        )
        again = page.evaluate("window.geocrm.territories.plan")
        assert again["version"] == plan["version"] + 1
        assert again["area_label"] == "target zone Web west"
        kept = next(t for t in again["territories"] if t["locked"])
        assert sorted(kept["h3_cells"]) == sorted(first["h3_cells"])
        assert session.errors == []
    finally:
        zones.delete_zone(engine, zone["id"])


# ---------------------------------------------------------------------- signing in


def _login_screen(session: Session) -> Page:
    """The app opened signed out: the sign-in screen."""
    page = session.page
    page.goto(session.base + "/")
    page.locator("#login-form").wait_for()
    return page


def _status(page: Page, path: str, method: str = "GET") -> int:
    return page.evaluate(
        "([path, method]) => fetch(path, {method}).then(r => r.status)", [path, method]
    )


def test_the_sign_in_screen_on_a_desktop_and_a_phone_and_a_wrong_password(browser, server, admin):
    for name, width, height in [("login-desktop", 1280, 800), ("login-phone", 390, 844)]:
        s = Session(browser, server, admin, width=width, height=height)
        try:
            page = _login_screen(s)
            form = page.locator("#login-form")
            # nothing of the app shows, and the form fits the screen
            assert page.locator("#login").is_visible()
            box = form.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
            assert box["y"] >= 0 and box["y"] + box["height"] <= height
            assert form.get_by_label("E-mail").is_visible()
            assert form.get_by_label("Password").is_visible()
            # the server offers no single sign-on here: no such link
            assert not page.locator("#sso").is_visible()
            s.screenshot(name)
            # a wrong password: a clear error, still the sign-in screen, no session
            form.get_by_label("E-mail").fill(admin)
            form.get_by_label("Password").fill("not the password")
            form.get_by_role("button", name="Sign in").click()
            error = page.locator("#login-error")
            error.wait_for()
            assert error.inner_text() == "Wrong e-mail or password."
            assert page.locator("#login").is_visible()
            assert _status(page, ME) == 401
            s.screenshot(f"{name}-wrong-password")
            # the right one: the app
            s.sign_in()
            page.wait_for_function("() => window.geocrm?.ready", timeout=30_000)
            assert not page.locator("#login").is_visible()
            # the failed sign-in's 401 is the only error the browser logged (no CSP refusal)
            assert [e for e in s.errors if "status of 401" not in e] == []
        finally:
            s.close()


def test_too_many_failed_sign_ins_are_told_apart_from_a_wrong_password(
    browser, server, admin, make_user, monkeypatch
):
    monkeypatch.setenv("GEOCRM_LOGIN_MAX_FAILURES", "2")
    auth_settings.cache_clear()  # the server runs in this process: it reads the new setting
    s = Session(browser, server, make_user("rep", (4,), name="limited")[0])
    try:
        page = _login_screen(s)
        for expected in ["Wrong e-mail or password."] * 2 + [
            "Too many attempts: wait a few minutes, then try again."
        ]:
            s.sign_in("not the password")
            page.wait_for_function(
                "(text) => { const e = document.getElementById('login-error');"
                " return !e.hidden && e.innerText === text; }",
                arg=expected,
            )
        assert page.locator("#login").is_visible()
        s.screenshot("login-too-many-attempts")
    finally:
        monkeypatch.delenv("GEOCRM_LOGIN_MAX_FAILURES")
        auth_settings.cache_clear()
    # this client signing in clears its failures (the later tests sign in from it too)
    s.email = admin
    s.sign_in()
    page.wait_for_function("() => window.geocrm?.ready", timeout=30_000)
    assert [e for e in s.errors if "status of 401" not in e and "status of 429" not in e] == []
    s.close()


def test_the_sign_in_screen_offers_single_sign_on_when_the_server_has_it(
    browser, server, admin, monkeypatch
):
    monkeypatch.setenv("GEOCRM_OIDC_ISSUER", "https://idp.example")
    monkeypatch.setenv("GEOCRM_OIDC_CLIENT_ID", "geocrm")
    auth_settings.cache_clear()  # the server runs in this process: it reads the new setting
    s = Session(browser, server, admin)
    try:
        page = _login_screen(s)
        link = page.get_by_role("link", name="Sign in with single sign-on")
        link.wait_for()
        config = page.evaluate("fetch('/api/auth/config').then(r => r.json())")
        assert config["oidc"] is True
        assert link.get_attribute("href") == config["oidc_login_url"]
        assert s.errors == []
    finally:
        s.close()
        monkeypatch.delenv("GEOCRM_OIDC_ISSUER")
        monkeypatch.delenv("GEOCRM_OIDC_CLIENT_ID")
        auth_settings.cache_clear()


def test_the_header_shows_the_user_with_a_menu(browser, server, admin):
    for name, width, height in [("desktop", 1280, 800), ("phone", 390, 844)]:
        s = Session(browser, server, admin, width=width, height=height)
        try:
            page = s.open(f"/?measure=customers{VIEW}")
            s.screenshot(f"signed-in-{name}")
            button = page.locator("#user-button")
            assert button.is_visible()
            # the header holds the views and the user, none cut off
            for control in [*page.locator("header nav button").all(), button]:
                box = control.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= width, control
            assert page.locator("#user-initial").inner_text() == "A"
            if width > 700:  # a phone shows the initial only, the menu says the rest
                assert admin in button.inner_text() and "administrator" in button.inner_text()
            button.click()
            menu = page.locator("#user-menu")
            assert menu.is_visible()
            assert admin in menu.inner_text() and "Role: administrator" in menu.inner_text()
            assert menu.get_by_role("button", name="Change password").is_visible()
            assert menu.get_by_role("button", name="Sign out").is_visible()
            box = menu.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
            # an administrator sees everything: no scope line
            assert not page.locator("#scope").is_visible()
            s.screenshot(
                f"user-menu-{name}",
                clip={"x": 0, "y": 0, "width": width, "height": min(height, 360)},
            )
            page.keyboard.press("Escape")
            assert not menu.is_visible()
            assert s.errors == []
        finally:
            s.close()


def test_a_rep_signs_in_sees_its_scope_and_signs_out(browser, server, engine, make_user):
    """A rep signs in through the sign-in screen and the map shows their own customers, every
    one of them and no other (the customers layer at a zoom where it draws points); their
    scope is said; the actions of other roles are not offered. Signed out, the sign-in screen
    is back and the API answers 401."""
    with engine.connect() as conn:
        rep_id, owned = conn.execute(
            text(
                "SELECT assigned_rep_id, count(*) FROM crm.customers "
                "WHERE assigned_rep_id IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
            )
        ).one()
        theirs = set(  # those on the map (the others are not placed yet)
            conn.execute(
                text(
                    "SELECT customer_id FROM crm.customers "
                    "WHERE assigned_rep_id = :r AND geom IS NOT NULL"
                ),
                {"r": rep_id},
            ).scalars()
        )
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(c), ST_Y(c) "
                "FROM (SELECT ST_Centroid(ST_Extent(geom)) AS c FROM crm.customers) AS city"
            )
        ).one()
        everyone = conn.execute(text("SELECT count(geom) FROM crm.customers")).scalar_one()
    assert 0 < len(theirs) <= owned < everyone
    email = make_user("rep", (rep_id,))[0]
    # a tall window: at zoom 15 (customers drawn as points) every customer of the city is in it
    s = Session(browser, server, email, width=1600, height=1500)
    try:
        page = s.open(f"/?layers=customers#15/{lat}/{lon}")
        assert page.locator("#user-email").inner_text() == email
        assert page.locator("#user-role").inner_text() == "sales rep"
        k = page.evaluate(f"fetch('{ME}').then(r => r.json())")["min_cell_count"]
        scope = page.locator("#scope")
        assert scope.is_visible()
        assert scope.inner_text() == (
            f"You see your own accounts. Outside your accounts, hexagons with fewer than {k} "
            "customers are hidden."
        )
        with engine.connect() as conn:
            west, south, east, north = page.evaluate(
                "window.geocrm.map.getBounds().toArray().flat()"
            )
            in_view = conn.execute(
                text(
                    "SELECT count(*) FROM crm.customers "
                    "WHERE geom && ST_MakeEnvelope(:w, :s, :e, :n, 4326)"
                ),
                {"w": west, "s": south, "e": east, "n": north},
            ).scalar_one()
        assert in_view == everyone  # the whole city is in view
        drawn = page.evaluate(
            "window.geocrm.map.queryRenderedFeatures({layers: ['customer-points']})"
            ".map(f => [f.id, f.properties.rep_id])"
        )
        assert {rep for _, rep in drawn} == {rep_id}
        assert {customer for customer, _ in drawn} == theirs
        # the accounts list of the API says the same
        listed = _api(page, "/api/customers?limit=1000")["body"]
        assert listed["numberMatched"] == owned
        s.map_image("rep-customers")
        s.screenshot("rep-signed-in")
        # what a rep may not do is not offered
        page.get_by_role("tab", name="Target zones").click()
        assert not page.locator("#zone-save").is_visible()
        assert page.locator("#zone-readonly").is_visible()
        page.get_by_role("tab", name="Territories").click()
        assert not page.locator("#plan-design").is_visible()
        page.get_by_role("tab", name="Accounts").click()
        reps = page.locator("#route-form select[name=rep_id] option").evaluate_all(
            "options => options.map(o => Number(o.value))"
        )
        assert reps == [rep_id]  # their own route only
        # sign out: the sign-in screen again, and the session is over
        page.locator("#user-button").click()
        page.get_by_role("button", name="Sign out").click()
        page.locator("#login-form").wait_for()
        assert page.locator("#login-notice").inner_text() == "You have signed out."
        assert not page.locator("#scope").is_visible()
        assert s.errors == []
        assert _status(page, ME) == 401
        assert _status(page, "/api/customers") == 401
        assert _status(page, "/tiles/customers.json") == 401
    finally:
        s.close()


def test_an_expired_session_asks_to_sign_in_again_and_the_app_carries_on(
    browser, server, engine, make_user
):
    email = make_user("manager", (1, 2), name="expiry")[0]
    s = Session(browser, server, email)
    try:
        page = s.open(f"/?measure=customers{VIEW}")
        with engine.begin() as conn:  # the session ends (it expired, or was ended elsewhere)
            conn.execute(
                text(
                    "DELETE FROM auth.sessions WHERE user_id = "
                    "(SELECT user_id FROM auth.users WHERE email = :e)"
                ),
                {"e": email},
            )
        page.select_option("#measure", "revenue")  # new tiles: refused, 401
        page.locator("#login-form").wait_for()
        assert page.locator("#login-notice").inner_text() == (
            "Your session has expired: sign in again."
        )
        assert page.locator("#login-form input[name=email]").input_value() == email
        s.screenshot("session-expired")
        s.sign_in()
        page.locator("#login").wait_for(state="hidden")
        # the same page carries on: the measure chosen, the tiles drawn, changes accepted
        assert page.locator("#measure").input_value() == "revenue"
        s.settle()
        assert (
            page.evaluate(
                "window.geocrm.map.queryRenderedFeatures({layers: ['hexes-fill']}).length"
            )
            > 10
        )
        page.get_by_role("tab", name="Target zones").click()
        page.get_by_role("button", name="Rectangle").click()
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + 500, box["y"] + 300)
        page.mouse.move(box["x"] + 800, box["y"] + 500, steps=8)
        page.mouse.click(box["x"] + 800, box["y"] + 500)
        page.wait_for_function(
            "() => window.geocrm.zone.geometry && "
            "window.geocrm.zone.counted === window.geocrm.zone.geometry"
        )  # POST /api/zones/count with the new session's CSRF token
        assert [e for e in s.errors if "status of 401" not in e] == []
    finally:
        s.close()


def test_changing_the_password(browser, server, make_user):
    email = make_user("analyst", name="password")[0]
    s = Session(browser, server, email)
    try:
        page = s.open(f"/?measure=customers{VIEW}")
        # an analyst: totals only, said once, and no account to open (nor a link to one)
        assert "You see totals, not accounts" in page.locator("#scope").inner_text()
        assert not page.get_by_role("tab", name="Accounts").is_visible()
        page.goto(s.base + "/?view=accounts")
        page.wait_for_function("() => window.geocrm?.ready", timeout=30_000)
        assert page.evaluate("window.geocrm.state.view") == "heatmap"
        assert not page.locator("#search").is_visible()
        page.locator("#user-button").click()
        page.get_by_role("button", name="Change password").click()
        dialog = page.locator("#password-dialog")
        assert dialog.is_visible()
        problem = dialog.locator("#password-error")

        def change(current: str, new: str, repeat: str | None = None) -> None:
            dialog.get_by_label("Current password").fill(current)
            dialog.get_by_label("New password", exact=True).fill(new)
            dialog.get_by_label("New password again").fill(new if repeat is None else repeat)
            dialog.get_by_role("button", name="Change password").click()

        change("not the password", "a long new password")
        problem.wait_for()
        assert problem.inner_text() == "The current password is wrong."
        change(PASSWORD, "short")
        page.wait_for_function(
            "() => document.getElementById('password-error').innerText.includes('10 characters')"
        )
        change(PASSWORD, "a long new password", "another long password")
        assert problem.inner_text() == "The two new passwords differ."
        s.screenshot("change-password")
        change(PASSWORD, "a long new password")
        dialog.wait_for(state="hidden")
        assert "Password changed" in page.locator("#toast").inner_text()
        # the session goes on; signed out, the new password signs in
        assert _status(page, ME) == 200
        page.locator("#user-button").click()
        page.get_by_role("button", name="Sign out").click()
        page.locator("#login-form").wait_for()
        s.sign_in("a long new password")
        page.wait_for_function("() => window.geocrm?.ready", timeout=30_000)
        assert [e for e in s.errors if "status of 4" not in e] == []
    finally:
        s.close()


@pytest.mark.parametrize(
    ("role", "reps", "zones", "territories", "routes", "accounts"),
    [
        ("admin", (), True, True, True, True),
        ("manager", (1, 2), False, True, True, True),
        ("rep", (3,), False, False, True, True),
        ("marketer", (), True, False, False, True),
        ("analyst", (), False, False, False, False),
    ],
)
def test_each_role_is_offered_what_it_may_do(
    browser, server, make_user, role, reps, zones, territories, routes, accounts
):
    """Saving zones (admin, marketer), designing territories (admin, manager), visit routes
    (admin, manager, rep), the accounts view (all but an analyst): offered to those roles
    only, as the API's rules say, so that the page invites no 403."""
    s = Session(browser, server, make_user(role, reps)[0])
    try:
        page = s.open("/?view=zones#14/60.1680/24.9440")
        assert page.locator("#zone-save").is_visible() is zones
        assert page.locator("#zone-readonly").is_visible() is not zones
        page.get_by_role("tab", name="Territories").click()
        assert page.locator("#plan-design").is_visible() is territories
        assert page.locator("#plan-readonly").is_visible() is not territories
        tab = page.get_by_role("tab", name="Accounts")
        assert tab.is_visible() is accounts
        if accounts:
            tab.click()
            assert page.locator("#search").is_visible()
            assert page.locator("#route-form").is_visible() is routes
            if routes:
                offered = page.locator("#route-form select[name=rep_id] option").evaluate_all(
                    "options => options.map(o => Number(o.value))"
                )
                assert sorted(offered) == list(reps) or (not reps and len(offered) > 1)
        scope = page.locator("#scope")
        assert scope.is_visible() is (role in ("manager", "rep", "analyst"))
        assert s.errors == []
    finally:
        s.close()
