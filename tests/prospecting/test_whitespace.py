"""Whitespace per hexagon on the demo city: a model fitted across the city's cells expects
about as many customers as there are (it is calibrated), a block emptied of its customers
keeps its expectation and shows the gap, and the API, the cube's measures and the map layer
give the same figures, the actual ones under the k-rule of the user who asks."""

from __future__ import annotations

import re

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from geocrm import vocabulary
from geocrm.cli import main
from geocrm.cube import build_cube
from geocrm.db import make_engine
from geocrm.errors import NotFound
from geocrm.pipeline import enrich_city, migrate
from geocrm.prospecting.whitespace import (
    build_whitespace,
    last_whitespace_build,
    whitespace_cells,
)
from geocrm.tiles import catalog, tile_xy

K = 5  # GEOCRM_MIN_CELL_COUNT's default
CENTRE = (24.9450, 60.1700)  # Esplanadi, central Helsinki
#: the res-10 cell of the cube with the most customers
BUSIEST_BLOCK = """
SELECT h3 FROM cube.rollup WHERE res = 10 ORDER BY customers DESC, h3 LIMIT 1
"""
#: customers (past the prospect stage) of the res-10 cell :cell, by their enriched res-11 cell
CUSTOMERS_OF_BLOCK = """
SELECT c.customer_id, c.stage
FROM crm.customers c JOIN crm.customer_enrichment e USING (customer_id)
WHERE c.stage <> 'prospect' AND ref.h3_cell_to_parent(e.h3_11, 10) = :cell
"""


@pytest.fixture(scope="module")
def built(engine, demo):
    enrich_city(engine, progress=False)
    build_cube(engine)
    return build_whitespace(engine)


def _whitespace(client, res: int) -> dict:
    response = client.get("/api/whitespace", params={"res": res})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_model_is_calibrated_and_learns_from_the_context(built, client, engine):
    assert built.fitted and built.cells > 500 and built.folds == 5
    assert built.customers > 200
    # cross-fitted expectations add up to about the actual totals
    assert built.expected_customers == pytest.approx(built.customers, rel=0.1)
    assert built.expected_revenue == pytest.approx(built.revenue, rel=0.2)
    # and explain more than the city's mean does, out of fold
    assert built.d2_customers > 0.05
    assert {"households", "workplaces", "footfall", "buildings_office", "pois_shop"} <= set(
        built.features
    )
    card = last_whitespace_build(engine)
    assert card["fitted"] and card["calibration"] == pytest.approx(built.calibration)
    for res in (9, 10, 11):
        body = _whitespace(client, res)
        cells = body["cells"]
        assert body["res"] == res and body["model"]["fitted"]
        # expectations add up over resolutions: every level holds the city's total
        assert sum(c["expected_customers"] for c in cells) == pytest.approx(
            built.expected_customers, rel=1e-4
        )
        assert sum(c["actual_customers"] for c in cells) == built.customers
        for c in cells:
            assert c["gap"] == pytest.approx(
                c["expected_customers"] - c["actual_customers"], abs=1e-3
            )
            assert c["revenue_gap"] == pytest.approx(
                c["expected_revenue"] - c["actual_revenue"], abs=0.02
            )
            people = c["households"] + c["workplaces"]
            if people:
                assert c["market_penetration"] == pytest.approx(c["actual_customers"] / people)
            else:
                assert c["market_penetration"] is None
            assert "suppressed_cells" not in c  # an admin: no k-rule


def test_the_busiest_places_are_expected_to_have_more_customers(built, client):
    cells = _whitespace(client, 10)["cells"]
    ranked = sorted(cells, key=lambda c: c["expected_customers"])
    fifth = len(ranked) // 5
    low = sum(c["actual_customers"] for c in ranked[:fifth])
    high = sum(c["actual_customers"] for c in ranked[-fifth:])
    assert high > 3 * max(low, 1)


def test_a_block_emptied_of_customers_shows_a_positive_gap(built, engine, client):
    with engine.connect() as conn:
        block = conn.execute(text(BUSIEST_BLOCK)).scalar_one()
        customers = conn.execute(text(CUSTOMERS_OF_BLOCK), {"cell": block}).all()
    hex_id = f"{block:x}"
    before = {c["h3"]: c for c in _whitespace(client, 10)["cells"]}[hex_id]
    assert before["actual_customers"] == len(customers) > 0
    try:
        with engine.begin() as conn:  # they all fall back to prospects: no customer left
            conn.execute(
                text("UPDATE crm.customers SET stage = 'prospect' WHERE customer_id = ANY(:ids)"),
                {"ids": [c.customer_id for c in customers]},
            )
        build_cube(engine)
        build_whitespace(engine)
        after = {c["h3"]: c for c in _whitespace(client, 10)["cells"]}[hex_id]
        assert after["actual_customers"] == 0
        # cross-fitted: the block's own customers never predicted it, so it expects the same
        assert after["expected_customers"] == pytest.approx(before["expected_customers"], rel=1e-6)
        assert after["gap"] == pytest.approx(after["expected_customers"]) and after["gap"] > 0.5
        assert after["gap"] > before["gap"]
        cube = client.get("/api/cube", params={"res": 10, "measure": "whitespace"}).json()
        assert {c["h3"]: c["whitespace"] for c in cube}[hex_id] == after["gap"]
    finally:
        with engine.begin() as conn:
            for row in customers:
                conn.execute(
                    text("UPDATE crm.customers SET stage = :stage WHERE customer_id = :id"),
                    {"stage": row.stage, "id": row.customer_id},
                )
        build_cube(engine)
        build_whitespace(engine)


def test_whitespace_measures_of_the_cube(built, client):
    cells = {c["h3"]: c for c in _whitespace(client, 9)["cells"]}
    for measure, key in (
        ("whitespace", "gap"),
        ("expected_customers", "expected_customers"),
        ("revenue_whitespace", "revenue_gap"),
        ("expected_revenue", "expected_revenue"),
        ("market_penetration", "market_penetration"),
    ):
        response = client.get("/api/cube", params={"res": 9, "measure": measure})
        assert response.status_code == 200, response.text
        got = response.json()
        assert {c["h3"] for c in got} == set(cells)
        for c in got:
            assert set(c) == {"cell", "h3", "res", measure}
            assert c[measure] == cells[c["h3"]][key]
    # as a file too
    csv = client.get("/api/cube", params={"res": 9, "measure": "whitespace", "format": "csv"})
    assert csv.status_code == 200 and csv.text.startswith("cell,h3,res,whitespace")
    geojson = client.get(
        "/api/cube", params={"res": 9, "measure": "whitespace", "format": "geojson"}
    )
    assert geojson.status_code == 200 and len(geojson.json()["features"]) == len(cells)


def test_whitespace_is_per_place_not_per_filter(built, client):
    for params in ({"stage": "client"}, {"month": "2026-01"}, {"rep_id": "1"}):
        response = client.get("/api/cube", params={"res": 9, "measure": "whitespace", **params})
        assert response.status_code == 422, response.text
        assert "measure of a place" in response.text and "without filters" in response.text


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/whitespace", {"res": 12}),
        ("/api/whitespace", {"res": 4}),
        ("/api/whitespace", {"res": "ten"}),
        ("/api/cube", {"res": 12, "measure": "whitespace"}),
        ("/api/cube", {"res": 9, "measure": "whitespacee"}),
    ],
)
def test_a_bad_resolution_or_measure_is_refused(built, client, path, params):
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert "res" in response.text or "measure" in response.text


def _tile(client, z: int) -> dict[str, dict]:
    """The whitespace hexagons of the tile on the centre at zoom z, by h3."""
    x, y = tile_xy(*CENTRE, z)
    response = client.get(f"/tiles/whitespace/{z}/{x}/{y}.mvt")
    assert response.status_code == 200, response.text
    layer = mapbox_vector_tile.decode(response.content)["whitespace"]
    return {f["properties"]["h3"]: f["properties"] for f in layer["features"]}


def test_the_layer_draws_the_whitespace(built, client):
    hexagons = _tile(client, 14)  # res 10
    assert len(hexagons) > 5
    declared = set(catalog().layer("whitespace").vector_layers[0]["fields"])
    cells = {c["h3"]: c for c in _whitespace(client, 10)["cells"]}
    for h, props in hexagons.items():
        assert set(props) <= declared and props["res"] == 10
        assert props["actual_customers"] == cells[h]["actual_customers"]
        assert props["gap"] == pytest.approx(cells[h]["gap"], abs=1e-3)
        assert props["expected_revenue"] == pytest.approx(cells[h]["expected_revenue"], abs=0.01)
    assert any(p["gap"] > 0 for p in hexagons.values())
    tilejson = client.get("/tiles/whitespace.json?res=10")
    assert tilejson.status_code == 200
    assert client.get("/tiles/whitespace.json?res=3").status_code == 422


def test_a_rep_sees_the_actual_figures_under_the_k_rule(built, client, client_as, engine):
    with engine.connect() as conn:
        rep = conn.execute(
            text(
                "SELECT assigned_rep_id FROM crm.customers WHERE assigned_rep_id IS NOT NULL "
                "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
            )
        ).scalar_one()
    as_rep = client_as("rep", (rep,))
    admin = {c["h3"]: c for c in _whitespace(client, 11)["cells"]}
    mine = _whitespace(as_rep, 11)["cells"]
    cube = {c["h3"]: c for c in as_rep.get("/api/cube", params={"res": 11}).json()}
    assert mine and all("suppressed_cells" in c for c in mine)
    held = 0
    for c in mine:
        # the model is the city's: the same expectation for everyone
        assert c["expected_customers"] == admin[c["h3"]]["expected_customers"]
        # the actual figures are those the cube shows the rep
        assert c["actual_customers"] == cube[c["h3"]]["customers"]
        assert c["suppressed_cells"] == cube[c["h3"]]["suppressed_cells"]
        assert c["actual_customers"] <= admin[c["h3"]]["actual_customers"]
        if c["actual_customers"] < admin[c["h3"]]["actual_customers"]:
            held += 1
            assert c["suppressed_cells"] == 1
            assert c["gap"] == pytest.approx(c["expected_customers"] - c["actual_customers"])
    assert held > 0  # other reps' small cells were held back from the rep
    # the analyst (no rows of their own) never reads a single small cell's customers
    analyst = _whitespace(client_as("analyst"), 11)["cells"]
    analyst_cube = {
        c["h3"]: c for c in client_as("analyst").get("/api/cube", params={"res": 11}).json()
    }
    for c in analyst:
        shown = analyst_cube[c["h3"]]
        assert c["actual_customers"] == shown["customers"]
        assert shown["customers"] + shown["prospects"] == 0 or (
            shown["customers"] + shown["prospects"] >= K
        )
    # the layer, too
    tile = _tile(as_rep, 15)
    assert tile and all("suppressed_cells" in p for p in tile.values())


def test_whitespace_needs_the_cube_and_enough_customers(built, make_database):
    empty = make_engine(make_database("geocrm_test_whitespace_empty"))
    try:
        migrate(empty)
        with pytest.raises(NotFound, match="geocrm cube build"):
            build_whitespace(empty)
        build_cube(empty)  # no city, no customers: nothing to learn from
        report = build_whitespace(empty)
        assert not report.fitted and "at least" in report.reason
        assert "not modelled" in report.summary()
        with pytest.raises(NotFound, match="could not be modelled"):
            whitespace_cells(empty, 10)
    finally:
        empty.dispose()


def test_geocrm_cube_build_fits_the_whitespace_too(built, engine, use_database, capsys):
    before = last_whitespace_build(engine)["built_at"]
    assert main(["cube", "build"]) == 0
    out = capsys.readouterr().out
    assert "hex cube built" in out
    assert re.search(r"whitespace: \d+ res-11 cells modelled .* 5-fold cross-fitted", out), out
    assert last_whitespace_build(engine)["built_at"] > before


def test_a_whitespace_build_redraws_the_cached_tiles(built, engine, client):
    x, y = tile_xy(*CENTRE, 14)
    url = f"/tiles/whitespace/14/{x}/{y}.mvt"
    before = client.get(url)
    assert client.get(url).headers["x-tile-cache"] == "hit"
    build_whitespace(engine)  # the same expectations, a new data version of the layer
    after = client.get(url, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["x-tile-cache"] == "miss"
    assert after.headers["etag"] != before.headers["etag"]


def test_the_whitespace_measures_are_described_for_clients(built, client):
    body = client.get("/api/cube/dimensions").json()
    details = {d["name"]: d for d in body["whitespace_measure_details"]}
    assert list(details) == list(vocabulary.WHITESPACE_MEASURES)
    assert details["revenue_whitespace"]["unit"] == body["currency"]
    assert not details["market_penetration"]["additive"] and details["whitespace"]["additive"]
    assert all(d["description"] for d in details.values())
    assert not set(details) & set(body["measures"])  # not the hexes layer's measures
    assert "Whitespace" in body["terms"] and "whitespace" in body["layer_descriptions"]
