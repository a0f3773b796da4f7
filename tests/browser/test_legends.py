"""Legends in real Chromium: every layer drawn has a legend entry with its unit, the
legend's colours are the paint's, fixed classes survive a filter change and a reload from
the URL, numbers follow GEOCRM_LOCALE, and on a phone the legend leaves the zoom buttons
free. Screenshots in tests/artifacts/ (legend-desktop, legend-zones, legend-phone...)."""

from __future__ import annotations

import re

from geocrm.formats import format_value
from geocrm.tiles import catalog
from tests.browser.pages import HEX_COLOURS, VIEW, Session

ALL_LAYERS = "hexes,stores,streets,trade_areas,customers,zones,buildings,territories"

# every style layer of the overlays with what it draws on screen, and the legend's sections
_DRAWN = """() => {
    const map = window.geocrm.map;
    const out = {};
    for (const layer of map.getStyle().layers) {
        if (!layer.source || layer.source === 'base' || layer.type === 'symbol') continue;
        if (!['fill', 'line', 'circle'].includes(layer.type)) continue;
        const n = map.queryRenderedFeatures({layers: [layer.id]}).length;
        const prop = layer.type + '-color';
        (out[layer.source] ??= {drawn: 0, paints: []}).drawn += n;
        out[layer.source].paints.push(JSON.stringify(map.getPaintProperty(layer.id, prop)));
    }
    return out;
}"""
_LEGEND = """() => {
    const sections = {};
    for (const entry of document.querySelectorAll('#legend .legend-entry')) {
        const source = entry.dataset.layer;
        const section = entry.closest('section, .legend-hexes');
        (sections[source] ??= {title: section.querySelector('.legend-title').innerText,
                               colours: [], texts: []});
        sections[source].colours.push(entry.querySelector('.swatch').dataset.colour);
        sections[source].texts.push(entry.innerText.trim());
    }
    return sections;
}"""


def _hex_step_colours(page) -> list[str]:
    """The colours of the hex fill's classes, as painted (["case", has, ["step", ...], ...])."""
    fill = page.evaluate("window.geocrm.map.getPaintProperty('hexes-fill', 'fill-color')")
    step = fill[2]
    return [step] if isinstance(step, str) else [step[2], *step[4::2]]


def test_every_layer_drawn_has_a_legend_entry_with_units_in_the_paints_colours(session):
    page = session.open(f"/?measure=revenue&layers={ALL_LAYERS}{VIEW}")
    page.wait_for_selector("#legend .legend-layer", timeout=15_000)
    session.settle()
    drawn = page.evaluate(_DRAWN)
    legend = page.evaluate(_LEGEND)
    on_screen = {source for source, d in drawn.items() if d["drawn"]}
    # the demo city draws at least these here; each has its section, and so does the rest
    assert {"hexes", "stores", "streets", "customers", "trade_areas"} <= on_screen
    missing = on_screen - set(legend)
    hex_part = page.inner_text("#legend .legend-hexes")
    assert not missing, f"layers drawn without a legend entry: {missing} (hexes: {hex_part!r})"
    # units: money with its currency, foot traffic on its index
    assert legend["hexes"]["title"] == "Annual revenue (€)"
    assert "index 0-100" in legend["streets"]["title"]
    assert legend["customers"]["title"].startswith("Customers by ladder stage")
    assert "client" in legend["customers"]["texts"]
    # the legend's colours are the paint's: every swatch is a colour of its layer's paint
    for source, section in legend.items():
        if source == "hexes":
            continue
        paints = " ".join(drawn[source]["paints"])
        for colour in section["colours"]:
            assert f'"{colour}"' in paints, f"{source}: {colour} is not painted"
    # the hexes: one swatch per class painted, in the catalogue's palette, money in €
    classes = _hex_step_colours(page)
    assert legend["hexes"]["colours"][: len(classes)] == classes == HEX_COLOURS[: len(classes)]
    assert len(classes) > 1 and all("€" in t for t in legend["hexes"]["texts"][: len(classes)])
    assert re.search(r"\d\u00a0€", legend["hexes"]["texts"][-1])  # fi-FI: "1 234 €"
    session.screenshot("legend-desktop")
    assert session.errors == []
    assert session.foreign_requests() == []


def test_the_legend_stays_in_the_views_that_draw_the_hexagons(session):
    page = session.open(f"/?measure=customers&layers=hexes,stores{VIEW}")
    for view in ("zones", "accounts"):
        page.locator(f"nav [data-view={view}]").click()
        session.settle()
        assert page.locator("#legend").is_visible(), view
        assert page.locator("#legend .legend-hexes .legend-entry").count() > 1
        assert page.locator("#legend [data-source=stores]").count() == 1
        session.screenshot(f"legend-{view}")
    assert session.errors == []


def test_fixed_classes_survive_a_filter_change_and_a_reload(session):
    page = session.open(f"/?measure=customers{VIEW}")
    page.wait_for_selector("#keep-classes", timeout=15_000)
    before = page.evaluate(_LEGEND)["hexes"]["texts"]
    painted = page.evaluate("window.geocrm.map.getPaintProperty('hexes-fill', 'fill-color')")
    page.locator("#keep-classes").click()
    page.wait_for_function("() => window.location.search.includes('classes=')")
    kept = re.search(r"classes=([^&#]+)", page.url).group(1).replace("%2C", ",")
    breaks = [float(b) for b in kept.split(",")]
    assert page.evaluate("window.geocrm.state.classes") == breaks
    assert breaks == sorted(breaks) and len(breaks) == len(before) - 1
    assert page.locator("#release-classes").is_visible()
    # another filter: other hexagons and values, the same classes and colours
    page.locator("details[data-filter=stage] summary").click()
    page.locator("details[data-filter=stage] input[value=client]").check()
    page.wait_for_function("() => window.location.search.includes('stage=client')")
    session.settle()
    assert page.evaluate(_LEGEND)["hexes"]["texts"][: len(before)] == before
    assert (
        page.evaluate("window.geocrm.map.getPaintProperty('hexes-fill', 'fill-color')") == painted
    )
    # the link shares them: a reload keeps the classes and says so
    session.open("/" + page.url.split("/", 3)[3])
    assert page.evaluate("window.geocrm.state.classes") == breaks
    assert page.evaluate(_LEGEND)["hexes"]["texts"][: len(before)] == before
    assert before[-1] == f"≥ {format_value('customers', breaks[-1])}"
    # released: the classes follow the hexagons drawn again, the link forgets them
    page.locator("#release-classes").click()
    page.wait_for_function("() => !window.location.search.includes('classes=')")
    assert page.locator("#keep-classes").is_visible()
    assert session.errors == []


def test_bad_classes_in_the_url_are_refused_with_a_message(session):
    page = session.open(f"/?measure=customers&classes=50,10{VIEW}")
    assert page.evaluate("window.geocrm.state.classes") is None
    toast = page.locator("#toast")
    assert toast.is_visible() and "classes=50,10 ignored" in toast.inner_text()
    assert page.locator("#keep-classes").is_visible()


def test_on_a_phone_the_legend_is_collapsed_and_leaves_the_zoom_buttons_free(
    browser, server, admin
):
    phone = Session(browser, server, admin, width=390, height=844)
    try:
        page = phone.open(f"/?measure=revenue&layers=hexes,stores,streets{VIEW}")
        legend = page.locator("#legend")
        assert legend.is_visible()
        assert page.evaluate("document.querySelector('#legend details').open") is False
        zoom = page.locator(".maplibregl-ctrl-zoom-in").bounding_box()

        def overlaps(a, b) -> bool:
            return not (
                a["x"] + a["width"] <= b["x"]
                or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"]
                or b["y"] + b["height"] <= a["y"]
            )

        assert not overlaps(legend.bounding_box(), zoom)
        phone.screenshot("legend-phone-closed")
        page.locator("#legend summary").click()
        page.wait_for_selector("#legend .legend-hexes .legend-entry")
        assert not overlaps(legend.bounding_box(), zoom)
        assert not overlaps(
            legend.bounding_box(), page.locator(".maplibregl-ctrl-zoom-out").bounding_box()
        )
        phone.screenshot("legend-phone-open")
        assert phone.errors == []
    finally:
        phone.close()


def test_a_planned_route_and_its_stops_have_their_legend(session):
    page = session.open("/?view=accounts&layers=hexes#14/60.1680/24.9440")
    reps = page.locator("#route-form select[name=rep_id] option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    # a rep with visits due (other tests may have logged visits)
    for rep_id in reps:
        page.select_option("#route-form select[name=rep_id]", rep_id)
        page.get_by_role("button", name="Plan the day").click()
        page.locator("#route .route-totals").wait_for()
        if page.locator("#route table.stops tr").count():
            break
    session.settle()
    page.wait_for_selector("#legend [data-source=route]", timeout=10_000)
    legend = page.evaluate(_LEGEND)
    drawn = page.evaluate(_DRAWN)
    assert "route" in legend and "hexes" in legend
    texts = " ".join(legend["route"]["texts"])
    assert "start and end" in texts and "visit" in texts
    titles = page.locator("#legend [data-source=route] .legend-title").all_inner_texts()
    assert titles == ["Planned route", "Route stops"]
    paints = " ".join(drawn["route"]["paints"])
    assert all(f'"{c}"' in paints for c in legend["route"]["colours"])
    session.screenshot("legend-route")
    assert session.errors == []


def test_the_catalogue_names_what_every_overlay_paints():
    """Every overlay a user can toggle names what it paints (metadata.legend of a style
    layer: label, unit...) in the catalogue."""
    for name, layer in catalog().layers.items():
        if name in ("base", "plan_changes"):
            continue
        named = [s for s in layer.style if s.get("metadata", {}).get("legend")]
        assert named, f"layer {name} names nothing it paints in tiles/catalog.toml"
        assert all("label" in s["metadata"]["legend"] for s in named if s["id"] != "hexes-fill")
