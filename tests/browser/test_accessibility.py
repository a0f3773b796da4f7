"""Accessibility of the web map app in a real browser: axe-core (npm, read from
frontend/node_modules, injected by the test, never served to users) on every view on a
desktop and a phone, a keyboard-only path to a hexagon's panel and to a customer's card,
the views' tabs as a real tablist, a visible focus ring, the glossary of measures and
layers, and the phone's layout (legend clear of the zoom buttons, a hexagon's details
first)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from tests.browser.pages import VIEW, Session

AXE = Path(__file__).parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
VIEWS = ("heatmap", "zones", "accounts", "territories", "prospecting")
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
CENTRE = "#13/60.1680/24.9440"  # a hexagon of resolution 9 under the map's centre


def _axe(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now (every rule of
    axe: WCAG 2.x A and AA and best practices). The script is evaluated by the test driver
    (the page's CSP would refuse a script tag that is not the app's own)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return {passes: r.passes.length, violations: r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => [n.target.join(' '), n.failureSummary])}))};
        }"""
    )
    assert result["passes"] >= 10  # axe ran over the page (it checked the rules it could)
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def _assert_clean(found: dict) -> None:
    assert not any(found.values()), json.dumps(found, indent=1)[:8000]


def _open_hexagon(s: Session) -> None:
    """A hexagon's panel opened by keyboard only: Tab to the map, Enter at the crosshair."""
    page = s.page
    page.locator("nav [aria-selected=true]").focus()
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('maplibregl-canvas')"):
            break
    else:
        raise AssertionError("the map never took the keyboard focus")
    assert page.locator(".crosshair").is_visible()
    page.keyboard.press("Enter")
    page.locator("#cell").get_by_text("Top customers by revenue").wait_for(timeout=10_000)


def test_axe_finds_no_serious_violation_on_any_view(browser, server, admin, engine):
    with engine.connect() as conn:
        name = conn.execute(text("SELECT name FROM crm.customers ORDER BY 1 LIMIT 1")).scalar()
    for size, (width, height) in SIZES.items():
        s = Session(browser, server, admin, width=width, height=height)
        try:
            found = {}
            page = s.page
            page.goto(s.base + "/")
            page.locator("#login-form").wait_for()
            found["sign-in"] = _axe(page)
            s.screenshot(f"a11y-sign-in-{size}")
            for view in VIEWS:
                s.open(f"/?view={view}{CENTRE if view == 'heatmap' else VIEW}")
                s.screenshot(f"a11y-{view}-{size}")
                found[view] = _axe(page)
                if view == "heatmap":  # with a hexagon's panel and the glossary open
                    _open_hexagon(s)
                    s.settle()
                    s.screenshot(f"a11y-heatmap-hexagon-{size}")
                    found["hexagon panel"] = _axe(page)
                    page.locator("#glossary-button").click()
                    s.screenshot(f"a11y-glossary-{size}")
                    found["glossary"] = _axe(page)
                    page.keyboard.press("Escape")
                if view == "territories":  # with a designed plan's table
                    page.fill("#plan-design input[name=k]", "3")
                    page.get_by_role("button", name="Design").click()
                    page.locator("#plan tr[data-territory-id]").first.wait_for(timeout=30_000)
                    s.settle()
                    s.screenshot(f"a11y-territories-plan-{size}")
                    found["territory plan"] = _axe(page)
                if view == "accounts":  # with results and a card
                    page.fill("#search", name)
                    page.locator("#search-results [role=option]").first.wait_for()
                    page.keyboard.press("ArrowDown")
                    page.keyboard.press("Enter")
                    page.locator("#card").get_by_text("History").wait_for()
                    s.settle()
                    s.screenshot(f"a11y-accounts-card-{size}")
                    found["account card"] = _axe(page)
            _assert_clean(found)
            assert s.errors == []
        finally:
            s.close()


def test_a_hexagon_panel_by_keyboard_only(session):
    page = session.open(f"/?measure=revenue{CENTRE}")
    canvas = page.locator(".maplibregl-canvas")
    assert "Enter opens" in canvas.get_attribute("aria-label")
    _open_hexagon(session)
    cell = page.evaluate("window.geocrm.state.cell")
    assert cell and page.locator("#cell h2").get_attribute("data-h3") == cell
    # the arrow keys pan the map (MapLibre's keyboard handler), Enter opens the new centre
    before = page.evaluate("window.geocrm.map.getCenter().lng")
    for _ in range(8):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => window.geocrm.map.getCenter().lng > {before}")
    page.wait_for_function("() => !window.geocrm.map.isMoving()")
    session.screenshot("a11y-keyboard-crosshair")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => (window.geocrm.state.cell || '{cell}') !== '{cell}'")
    # words, not H3 jargon: the size in metres
    heading = page.locator("#cell h2").inner_text()
    assert "across" in heading and "res" not in heading.lower()
    assert "H3" not in page.locator("#legend").inner_text()
    assert session.errors == []


def test_the_views_are_a_tablist_with_arrow_keys_and_a_visible_focus(session):
    page = session.open(f"/{VIEW}")
    tabs = page.locator("nav [role=tab]")
    # one tab in the Tab order: the selected one
    assert [tabs.nth(i).get_attribute("tabindex") for i in range(tabs.count())] == [
        "0",
        "-1",
        "-1",
        "-1",
        "-1",
    ]
    page.locator("body").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.id")
    assert focused == "tab-heatmap"
    # the focus ring on the dark header: a solid outline that stands out from the header
    ring = page.evaluate(
        """() => {
            const s = getComputedStyle(document.activeElement);
            return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor];
        }"""
    )
    assert ring[0] == "solid" and ring[1] >= 2, ring
    assert ring[2] == "rgb(255, 210, 63)", ring  # yellow on the blue header: 8:1
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => window.geocrm.state.view === 'zones'")
    assert page.evaluate("document.activeElement.id") == "tab-zones"
    assert page.locator("#panel").get_attribute("aria-labelledby") == "tab-zones"
    page.keyboard.press("End")
    page.wait_for_function("() => window.geocrm.state.view === 'prospecting'")
    page.keyboard.press("ArrowRight")  # wraps around
    page.wait_for_function("() => window.geocrm.state.view === 'heatmap'")
    # the tab order: the tab, the glossary, the user, then the panel, then the map
    order = []
    for _ in range(60):
        page.keyboard.press("Tab")
        info = page.evaluate(
            """() => { const a = document.activeElement; const r = a.getBoundingClientRect();
                const again = a.a11ySeen === true; a.a11ySeen = true;
                return [a.id || a.className || a.tagName, r.width > 0 && r.height > 0,
                        getComputedStyle(a).outlineStyle, again]; }"""
        )
        order.append(info[0])
        assert not info[3], f"{info[0]} has the focus twice before the map: {order}"
        assert info[1], f"{info[0]} has the focus but is not visible"
        assert info[2] != "none", f"{info[0]} has the focus without a ring"
        if "maplibregl-canvas" in info[0]:
            break
    assert order[:2] == ["glossary-button", "user-button"], order
    assert order.index("measure") < len(order) - 1, order
    assert "maplibregl-canvas" in order[-1], order
    assert session.errors == []


def test_accounts_search_results_by_keyboard(session, engine):
    with engine.connect() as conn:
        customer_id, name = conn.execute(
            text(
                "SELECT c.customer_id, c.name FROM crm.customers c "
                "JOIN crm.customer_enrichment e USING (customer_id) ORDER BY 1 LIMIT 1"
            )
        ).one()
    page = session.open(f"/?view=accounts{VIEW}")
    search = page.get_by_label("Find a customer")
    search.focus()
    page.keyboard.type(name)
    page.locator(f"#search-results [data-customer-id='{customer_id}']").wait_for()
    assert search.get_attribute("aria-expanded") == "true"
    options = page.locator("#search-results [role=option]")
    target = next(
        i
        for i in range(options.count())
        if options.nth(i).get_attribute("data-customer-id") == str(customer_id)
    )
    for _ in range(target + 1):
        page.keyboard.press("ArrowDown")
    active = search.get_attribute("aria-activedescendant")
    assert page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")
    page.locator("#card").get_by_text("History").wait_for()
    # the card's heading takes the focus: the next Tab is inside the card
    page.wait_for_function("() => document.activeElement.matches('#card h2')")
    assert page.locator("#card h2").inner_text() == name
    assert session.errors == []


def test_the_glossary_explains_every_measure_and_layer(session):
    page = session.open(f"/{VIEW}")
    dims = page.evaluate("fetch('/api/cube/dimensions').then(r => r.json())")
    catalogue = page.evaluate("fetch('/tiles').then(r => r.json())")
    # an info button next to the measure: by keyboard, it shows the chosen measure's meaning
    info = page.get_by_role("button", name="What is this measure?")
    info.focus()
    page.keyboard.press("Enter")
    note = page.locator(f"#{info.get_attribute('aria-controls')}")
    described = {m["name"]: m["description"] for m in dims["measure_details"]}
    assert note.is_visible() and described["customers"] in note.inner_text()
    page.locator("#measure").select_option("penetration")
    assert described["penetration"] in note.inner_text()
    assert "household" in note.inner_text()
    # one beside each layer of the list
    for layer in page.locator("#layers input[type=checkbox]").all():
        name = layer.get_attribute("name")
        button = layer.locator("xpath=ancestor::div[@class='with-info'][1]//button[@class='info']")
        button.click()
        assert (
            dims["layer_descriptions"][name]
            in page.locator(f"#{button.get_attribute('aria-controls')}").inner_text()
        )
    # the Glossary dialog: every measure, every layer, the terms
    page.get_by_role("button", name="Glossary").click()
    dialog = page.get_by_role("dialog", name="Glossary")
    assert dialog.is_visible()
    words = dialog.inner_text()
    for m in dims["measure_details"]:
        assert m["label"] in words and m["description"] in words
    for layer in catalogue["layers"]:
        assert layer["title"] in words
        assert dims["layer_descriptions"][layer["name"]] in words
    assert "Huff probability" in words and "Strong bond" in words
    session.screenshot("a11y-glossary")
    dialog.get_by_role("button", name="Close").click()
    assert not dialog.is_visible()
    assert session.errors == []


def test_the_phone_layout(browser, server, admin):
    s = Session(browser, server, admin, width=390, height=844)
    try:
        page = s.open(f"/?measure=revenue{CENTRE}")
        page.locator("#legend").wait_for()
        legend = page.locator("#legend").bounding_box()
        zoom = page.locator(".maplibregl-ctrl-zoom-in").bounding_box()
        lx, ly, lw, lh = (legend[k] for k in ("x", "y", "width", "height"))
        zx, zy, zw, zh = (zoom[k] for k in ("x", "y", "width", "height"))
        apart_x = lx >= zx + zw or zx >= lx + lw
        apart_y = ly >= zy + zh or zy >= ly + lh
        assert apart_x or apart_y, (legend, zoom)
        # a tapped hexagon: its details first in the bottom sheet, in view
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.locator("#cell").get_by_text("Top customers by revenue").wait_for(timeout=10_000)
        s.settle()
        sheet = page.locator("#panel").bounding_box()
        heading = page.locator("#cell h2").bounding_box()
        assert heading["y"] < page.locator("#measure").bounding_box()["y"]
        assert sheet["y"] <= heading["y"] < sheet["y"] + sheet["height"]
        s.screenshot("a11y-phone-hexagon")
        # every view fits the phone's width
        for view in VIEWS:
            s.open(f"/?view={view}{VIEW}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (view, width)
            s.screenshot(f"a11y-phone-{view}")
        assert s.errors == []
    finally:
        s.close()


def test_an_isochrone_zone_by_keyboard_only(session):
    """The keyboard alternative to drawing: Isochrone, Tab to the map, Enter at the
    crosshair; the zone is counted as a clicked one is."""
    page = session.open("/?view=zones#15/60.1680/24.9440")
    assert "By keyboard" in page.locator("#draw-keyboard").inner_text()
    button = page.get_by_role("button", name="Isochrone")
    button.focus()
    page.keyboard.press("Enter")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('maplibregl-canvas')"):
            break
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => window.geocrm.zone?.kind === 'isochrone' && "
        "window.geocrm.zone.counted === window.geocrm.zone.geometry"
    )
    assert int(page.locator("#zone-count").get_attribute("data-total")) > 0
    session.screenshot("a11y-zone-by-keyboard")
    assert session.errors == []
