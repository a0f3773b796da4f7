"""Compare two periods in the app: the difference map (the hex_change layer) drawn with its
diverging legend in place of the heatmap, and back; the hexagon panel's and a saved zone's
month-by-month series, whose values are the API's."""

from __future__ import annotations

import pytest

from geocrm import territories, zones
from tests.browser.pages import ARTIFACTS, Session

VIEW_RES9 = "#13/60.1680/24.9440"  # central Helsinki, hexagons at resolution 9
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[24.930, 60.160], [24.960, 60.160], [24.960, 60.175], [24.930, 60.175], [24.930, 60.160]]
    ],
}

RENDERED = """(source) => {
  const map = window.geocrmMap;
  const ids = map.getStyle().layers.filter((l) => l.source === source).map((l) => l.id);
  return ids.length ? map.queryRenderedFeatures({ layers: ids }).length : -1;
}"""
HEX_VISIBILITY = """() => window.geocrmMap.getStyle().layers
  .filter((l) => l.source === 'hexes' && l.id !== 'hexes-selected')
  .map((l) => window.geocrmMap.getLayoutProperty(l.id, 'visibility') || 'visible')"""


@pytest.fixture(scope="module")
def months(client, server) -> list[str]:
    response = client.get("/api/cube/dimensions")
    assert response.status_code == 200
    return response.json()["month"]


def test_two_months_draw_the_difference_map_with_its_legend(session: Session, client, months):
    page = session.open(f"/?view=heatmap&measure=customers{VIEW_RES9}")
    a, b = months[-2], months[-1]
    page.locator("#compare-a-from").select_option(a)
    page.locator("#compare-b-from").select_option(b)
    page.get_by_label("Show the change from period a to period b").check()
    page.wait_for_function("() => window.geocrmMap.getSource('hex_change')", timeout=15_000)
    session.settle()
    page.wait_for_function(f"() => ({RENDERED})('hex_change') > 0", timeout=15_000)
    assert page.evaluate(HEX_VISIBILITY) and set(page.evaluate(HEX_VISIBILITY)) == {"none"}
    legend = page.locator("#compare-legend")
    legend.wait_for(state="visible")
    page.wait_for_function(
        "() => document.getElementById('compare-legend').textContent.includes('more in b')"
    )
    text = legend.inner_text()
    assert "Change in Customers" in text and f"a: {a} · b: {b}" in text
    assert "less in b" in text and "no change" in text
    assert not page.locator("#legend").is_visible()  # the heatmap's legend stands aside
    # the map draws what the API compares: every rendered hexagon's change is the API's
    answer = client.get("/api/cube/compare", params={"res": 9, "a": a, "b": b})
    api = {c["h3"]: c["change"] for c in answer.json()["cells"]}
    drawn = page.evaluate(
        "() => window.geocrmMap.queryRenderedFeatures({layers: ['hex-change-fill']})"
        ".map((f) => [f.properties.h3, f.properties.change])"
    )
    assert drawn and all(api[h] == change for h, change in drawn)
    assert {change > 0 for _, change in drawn} | {change < 0 for _, change in drawn} == {
        True,
        False,
    }
    session.screenshot("compare-difference-map")
    session.page.locator("#compare-legend").screenshot(path=str(_artifact("compare-legend")))
    assert "compare=" in page.url
    # a range for b, then off: the heatmap comes back with its legend
    page.locator("#compare-b-from").select_option(months[-3])
    page.locator("#compare-b-to").select_option(months[-1])
    page.wait_for_function(
        f"() => document.getElementById('compare-legend').textContent"
        f".includes('b: {months[-3]}..{months[-1]}')",
        timeout=15_000,
    )
    page.get_by_label("Show the change from period a to period b").uncheck()
    page.wait_for_function("() => !window.geocrmMap.getSource('hex_change')")
    assert set(page.evaluate(HEX_VISIBILITY)) == {"visible"}
    session.settle()
    assert page.locator("#legend").is_visible()
    assert not page.locator("#compare-legend").is_visible()
    assert session.errors == [] and session.foreign_requests() == []


def _artifact(name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def test_the_hexagon_panel_shows_a_series_equal_to_the_api(session: Session, client):
    cells = client.get("/api/cube", params={"res": 9}).json()
    cell = max(cells, key=lambda c: c["customers"])["h3"]
    page = session.open(f"/?view=heatmap&measure=revenue&cell={cell}{VIEW_RES9}")
    figure = page.locator("#cell figure.series")
    figure.wait_for(state="attached", timeout=15_000)
    series = client.get(f"/api/cube/{cell}/series", params={"measure": "revenue"}).json()
    rows = page.locator("#cell .series-values tr[data-month]")
    shown = [
        (r.get_attribute("data-month"), float(r.locator("td.num").get_attribute("data-value")))
        for r in rows.all()
    ]
    assert shown == [(p["month"], p["value"]) for p in series["points"]]
    chart = page.locator("#cell svg.series-chart")
    assert chart.get_attribute("role") == "img"
    label = chart.get_attribute("aria-label")
    assert all(p["month"] in label for p in series["points"])
    assert page.locator("#cell svg.series-chart circle").count() == len(series["points"])
    page.locator("#cell").screenshot(path=str(_artifact("compare-cell-series")))
    assert session.errors == [] and session.foreign_requests() == []


def test_a_saved_zone_shows_its_series(session: Session, client, engine):
    zone = zones.create_zone(engine, name="browser series", kind="polygon", geometry=SQUARE)
    try:
        page = session.open(f"/?view=zones{VIEW_RES9}")
        item = page.locator(f"#zone-list li[data-zone-id='{zone['id']}']")
        item.locator("summary", has_text="Month by month").click()
        item.locator("figure.series").wait_for(timeout=15_000)
        series = client.get(f"/api/zones/{zone['id']}/series", params={"measure": "total"})
        values = [
            float(v)
            for v in item.locator(".series-values td.num").evaluate_all(
                "(cells) => cells.map((c) => c.dataset.value)"
            )
        ]
        assert values == [p["value"] for p in series.json()["points"]]
        item.screenshot(path=str(_artifact("compare-zone-series")))
        assert session.errors == [] and session.foreign_requests() == []
    finally:
        zones.delete_zone(engine, zone["id"])


def test_a_territorys_row_shows_its_series(session: Session, client, engine):
    plan = territories.design_plan(engine, k=2, measure="customers", name="browser series plan")
    first = plan["territories"][0]
    page = session.open("/?view=territories#14/60.1680/24.9440")
    page.locator(f"#plan-list li[data-plan-id='{plan['plan_id']}'] button").click()
    page.wait_for_function(f"() => window.geocrm.territories.plan?.plan_id === {plan['plan_id']}")
    row = page.locator(f"#plan tr[data-territory-id='{first['territory_id']}']")
    row.locator("summary", has_text="Trend").click()
    row.locator("figure.series").wait_for(timeout=15_000)
    url = f"/api/territory-plans/{plan['plan_id']}/territories/{first['territory_id']}/series"
    series = client.get(url).json()
    values = row.locator(".series-values td.num").evaluate_all(
        "(cells) => cells.map((c) => Number(c.dataset.value))"
    )
    assert values == [p["value"] for p in series["points"]] and sum(values) > 0
    row.screenshot(path=str(_artifact("compare-territory-series")))
    assert session.errors == [] and session.foreign_requests() == []
