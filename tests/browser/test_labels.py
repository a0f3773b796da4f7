"""Text on the map, in real Chromium: street names along the streets, store names, POI names
at z16 and the numbers of a route's stops are drawn as MapLibre symbol layers with glyphs
from GeoCRM's own /tiles/fonts (signed in by the session's cookie), no request elsewhere."""

from __future__ import annotations

import pytest

from geocrm import fonts
from geocrm.pipeline import publish_plan
from geocrm.territories import design_plan
from tests.browser.pages import Session

#: The placed labels (MapLibre returns a symbol feature only where its text was drawn).
RENDERED_LABELS = """() => window.geocrmMap.queryRenderedFeatures()
    .filter(f => f.layer.type === 'symbol')
    .map(f => ({layer: f.layer.id, text: f.properties.name ?? null}))"""


@pytest.fixture(scope="module", autouse=True)
def glyphs_built():
    """The web app's glyphs, as `geocrm fonts build` leaves them (a no-op when built)."""
    list(fonts.build())


def _labels(session: Session) -> dict[str, list[str]]:
    session.settle()
    out: dict[str, list[str]] = {}
    for label in session.page.evaluate(RENDERED_LABELS):
        out.setdefault(label["layer"], []).append(label["text"])
    return out


def test_street_store_and_poi_names_are_drawn_at_z15_and_z16(session):
    glyphs: list[tuple[str, int]] = []
    session.page.on(
        "response",
        lambda r: glyphs.append((r.url, r.status)) if "/tiles/fonts/" in r.url else None,
    )
    page = session.open("/?layers=stores#15/60.1680/24.9440")
    stores = page.evaluate("fetch('/api/stores').then(r => r.json())")
    features = stores["features"] if isinstance(stores, dict) else stores
    store = next(
        f
        for f in features
        if abs(f["geometry"]["coordinates"][0] - 24.944) < 0.01
        and abs(f["geometry"]["coordinates"][1] - 60.168) < 0.005
    )
    lon, lat = store["geometry"]["coordinates"]
    name = store["properties"]["name"]
    page.evaluate(f"window.geocrmMap.jumpTo({{center: [{lon}, {lat}], zoom: 15}})")
    z15 = _labels(session)
    streets = [t for t in z15.get("base-road-labels", []) if t]
    assert len(set(streets)) >= 3, z15
    assert name in z15.get("stores-labels", []), z15
    assert "base-poi-labels" not in z15  # POI names from z16 only
    session.map_image("labels-z15")

    page.evaluate(f"window.geocrmMap.jumpTo({{center: [{lon}, {lat}], zoom: 16}})")
    z16 = _labels(session)
    assert len(set(t for t in z16.get("base-road-labels", []) if t)) >= 2, z16
    assert name in z16.get("stores-labels", [])
    assert [t for t in z16.get("base-poi-labels", []) if t], z16
    session.map_image("labels-z16")

    # the glyphs came from GeoCRM, with the session's cookie (a 401 would show as an error)
    assert glyphs and all(status == 200 for _, status in glyphs), glyphs
    assert any("Noto%20Sans%20Regular/0-255.pbf" in url for url, _ in glyphs)
    assert any("Noto%20Sans%20Bold/0-255.pbf" in url for url, _ in glyphs)
    assert session.foreign_requests() == []
    assert session.errors == []


def test_labels_stay_above_the_hexagons(session):
    page = session.open("/?layers=hexes,stores#15/60.1680/24.9440")
    order = page.evaluate("window.geocrmMap.getStyle().layers.map(l => [l.id, l.type])")
    kinds = [kind for _, kind in order]
    first_label = kinds.index("symbol")
    assert all(kind == "symbol" for kind in kinds[first_label:]), order
    assert [i for i, _ in order].index("hexes-fill") < first_label
    assert _labels(session).get("base-road-labels")
    session.map_image("labels-over-hexes")
    assert session.errors == []


def test_route_stops_are_numbered_on_the_map(session):
    page = session.open("/?view=accounts&layers=#14/60.1680/24.9440")
    reps = page.locator("#route-form select[name=rep_id] option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    # a rep with visits due (other tests may have logged visits or moved customers)
    due = page.evaluate(
        """async (reps) => {
            const me = await (await fetch('/api/auth/me')).json();
            for (const rep of reps) {
                const r = await fetch('/api/routes', {method: 'POST',
                    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token},
                    body: JSON.stringify({rep_id: Number(rep), mode: 'drive'})});
                if ((await r.json()).totals.stops > 0) return rep;
            }
            return null;
        }""",
        reps,
    )
    assert due, "no rep has visits due"
    page.select_option("#route-form select[name=rep_id]", due)
    page.get_by_role("button", name="Plan the day").click()
    page.locator("#route .route-totals").wait_for()
    stops = page.locator("#route table.stops tr").count()
    assert stops > 0
    session.settle()
    numbers = page.evaluate(
        "window.geocrmMap.queryRenderedFeatures({layers: ['route-stop-numbers']})"
        ".map(f => f.properties.order)"
    )
    assert sorted(set(numbers)) == list(range(1, stops + 1))
    session.map_image("route-numbers")
    assert session.errors == []


def test_the_territories_layer_labels_each_territory(session, engine):
    plan = design_plan(engine, k=3, measure="customers", res=9, name="Overlay label test")
    publish_plan(engine, plan["plan_id"])  # the layer draws the active plan
    page = session.open("/?layers=territories#13/60.1700/24.9440")
    labels = page.evaluate(
        "window.geocrmMap.queryRenderedFeatures({layers: ['territories-labels']})"
        ".map(f => f.properties)"
    )
    assert {(t["name"], t["rep_name"]) for t in plan["territories"]} == {
        (label["name"], label.get("rep_name")) for label in labels
    }
    session.map_image("territory-overlay-labels")
    assert session.errors == []
