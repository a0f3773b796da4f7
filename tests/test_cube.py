"""A regional manager reads the hex cube: totals that add up at every zoom, drill-down,
roll-up and the detail of one hexagon, with and without filters."""

from __future__ import annotations

import csv
import io
import re

import h3
import pytest
import shapely
from fastapi import FastAPI
from fastapi.testclient import TestClient
from shapely.geometry import shape
from sqlalchemy import text

from geocrm import cube
from geocrm.api.cube import router
from geocrm.api.errors import install_error_handlers
from geocrm.cube import (
    ADDITIVE,
    MEASURES,
    build_cube,
    cell_children,
    cell_detail,
    cell_parent,
    descendant_range,
    query_cube,
)
from geocrm.enrich import enrich
from geocrm.errors import InvalidInput, NotFound

CUSTOMER_MEASURES = tuple(m for m in ADDITIVE if m not in {"addressable_buildings", "households"})

RAW_TOTALS = """
SELECT count(*) FILTER (WHERE c.stage <> 'prospect') AS customers,
       count(*) FILTER (WHERE c.stage = 'prospect') AS prospects,
       coalesce(sum(c.annual_revenue), 0) AS revenue,
       coalesce(sum(c.lifetime_value), 0) AS ltv,
       coalesce(sum(i.orders), 0) AS orders,
       coalesce(sum(i.support_requests), 0) AS support_requests,
       coalesce(sum(i.complaints), 0) AS complaints,
       coalesce(sum(i.visits), 0) AS visits,
       coalesce(sum(i.survey_responses), 0) AS survey_responses,
       coalesce(sum(i.campaign_responses), 0) AS campaign_responses
FROM crm.customers c
JOIN crm.customer_enrichment e USING (customer_id)
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE type = 'order') AS orders,
           count(*) FILTER (WHERE type = 'support_request') AS support_requests,
           count(*) FILTER (WHERE type = 'complaint') AS complaints,
           count(*) FILTER (WHERE type = 'visit') AS visits,
           count(*) FILTER (WHERE type = 'survey_response') AS survey_responses,
           count(*) FILTER (WHERE type = 'campaign_response') AS campaign_responses
    FROM crm.interactions WHERE customer_id = c.customer_id) i ON true
WHERE (CAST(:stages AS text[]) IS NULL OR c.stage = ANY (CAST(:stages AS text[])))
  AND (CAST(:kinds AS text[]) IS NULL OR c.kind = ANY (CAST(:kinds AS text[])))
  AND (CAST(:stores AS integer[]) IS NULL OR e.nearest_store_id = ANY (CAST(:stores AS integer[])))
"""


@pytest.fixture(scope="module")
def built(engine, demo):
    enrich(engine, progress=False)
    return build_cube(engine)


@pytest.fixture(scope="module")
def busiest_store(engine, built) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT nearest_store_id FROM crm.customer_enrichment "
                "WHERE nearest_store_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar_one()


@pytest.fixture(scope="module")
def api(engine, built) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    app.state.engine = engine
    return TestClient(app)


def _raw(engine, stages=None, kinds=None, stores=None) -> dict[str, float]:
    with engine.connect() as conn:
        row = conn.execute(
            text(RAW_TOTALS), {"stages": stages, "kinds": kinds, "stores": stores}
        ).mappings()
        return {k: float(v) for k, v in row.one().items()}


def _totals(cells: list[dict]) -> dict[str, float]:
    return {m: round(sum(c[m] for c in cells), 2) for m in CUSTOMER_MEASURES}


def _busiest_cell(engine, res: int) -> dict:
    return max(query_cube(engine, res=res), key=lambda c: c["customers"] + c["prospects"])


def test_the_build_counts_every_enriched_customer_once_and_says_how_long_it_took(engine, built):
    with engine.connect() as conn:
        enriched = conn.execute(text("SELECT count(*) FROM crm.customer_enrichment")).scalar()
    assert built["customers_counted"] == enriched > 0
    assert set(built["cells_per_res"]) == set(range(5, 12))
    assert built["cells_per_res"][11] >= built["cells_per_res"][8] >= built["cells_per_res"][5]
    assert built["seconds"]["total"] < 30
    assert cube.last_build(engine)["fact_rows"] == built["fact_rows"]


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"stage": "client,partner"},
        {"kind": "business"},
        {"store_id": "busiest"},
        {"stage": ["customer", "client"], "kind": "person", "store_id": "busiest"},
    ],
    ids=["unfiltered", "client-or-partner", "business", "one-store", "combined"],
)
def test_totals_are_conserved_at_every_resolution(engine, built, busiest_store, filters):
    filters = {k: (busiest_store if v == "busiest" else v) for k, v in filters.items()}
    stages = filters.get("stage")
    expected = _raw(
        engine,
        stages=stages.split(",") if isinstance(stages, str) else stages,
        kinds=[filters["kind"]] if "kind" in filters else None,
        stores=[busiest_store] if "store_id" in filters else None,
    )
    assert expected["customers"] + expected["prospects"] > 0
    for res in range(5, 12):
        cells = query_cube(engine, res=res, filters=filters)
        assert len({c["cell"] for c in cells}) == len(cells)
        assert all(c["res"] == res and h3.get_resolution(c["h3"]) == res for c in cells)
        assert _totals(cells) == pytest.approx(expected, abs=0.01), f"res {res}"


def test_context_totals_are_conserved_too(engine, built):
    with engine.connect() as conn:
        buildings, households = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE building_class IN "
                "('residential','commercial','retail','office')), sum(households_est::numeric) "
                "FROM ref.buildings WHERE h3_11 IS NOT NULL"
            )
        ).one()
    assert buildings > 0
    for res in range(5, 12):
        cells = query_cube(engine, res=res)
        assert sum(c["addressable_buildings"] for c in cells) == buildings
        assert sum(c["households"] for c in cells) == pytest.approx(float(households))
    assert any(c["footfall"] is not None for c in cells)
    assert all(c["penetration"] is None for c in cells if not c["households"])


def test_precomputed_and_query_time_paths_give_identical_answers(engine, built):
    with engine.connect() as conn:
        for res in range(5, 12):
            unfiltered = cube._no_filters()
            precomputed = cube._cells(conn, res, unfiltered)
            at_query_time = cube._cells(conn, res, unfiltered, force_facts=True)
            assert [cube._select(r, None) for r in precomputed] == [
                cube._select(r, None) for r in at_query_time
            ]


def test_a_single_measure_is_the_same_number_as_in_the_full_answer(engine, built):
    full = query_cube(engine, res=9)
    only = query_cube(engine, res=9, measure="mean_satisfaction")
    assert [set(c) for c in only[:1]] == [{"cell", "h3", "res", "mean_satisfaction"}]
    assert [c["mean_satisfaction"] for c in only] == [c["mean_satisfaction"] for c in full]


@pytest.mark.parametrize("filters", [{}, {"stage": "client,partner"}])
def test_drilling_down_splits_a_cell_into_children_that_add_up_to_it(engine, built, filters):
    cell = _busiest_cell(engine, 8)
    parent = cell_parent(engine, cell_children(engine, cell["cell"])[0]["cell"], filters=filters)
    assert parent["cell"] == cell["cell"]
    children = cell_children(engine, cell["h3"], filters=filters)
    assert len(children) > 1
    assert all(h3.cell_to_parent(c["h3"], 8) == cell["h3"] and c["res"] == 9 for c in children)
    assert _totals(children) == pytest.approx(_totals([parent]), abs=0.01)


def test_descendant_ranges_hold_exactly_the_h3_children():
    cell = h3.latlng_to_cell(60.17, 24.94, 7)
    lo, hi = descendant_range(h3.str_to_int(cell), 9)
    children = [h3.str_to_int(c) for c in h3.cell_to_children(cell, 9)]
    assert all(lo <= c <= hi for c in children)
    neighbours = [c for c in h3.grid_disk(cell, 1) if c != cell]
    outside = [h3.str_to_int(c) for n in neighbours for c in h3.cell_to_children(n, 9)]
    assert not any(lo <= c <= hi for c in outside)


def test_cell_detail_lists_its_top_customers_by_revenue_and_a_breakdown(engine, built):
    cell = _busiest_cell(engine, 9)
    detail = cell_detail(engine, cell["h3"])
    assert {k: detail[k] for k in MEASURES} == {k: cell[k] for k in MEASURES}
    top = detail["top_customers"]
    assert 0 < len(top) <= 10
    assert all(h3.cell_to_parent(c["h3_11"], 9) == cell["h3"] for c in top)
    revenues = [c["annual_revenue"] for c in top]
    assert revenues == sorted(revenues, reverse=True)
    for dimension, rows in detail["breakdown"].items():
        assert sum(r["customers"] for r in rows) == cell["customers"], dimension
        assert sum(r["prospects"] for r in rows) == cell["prospects"], dimension
    assert {r["value"] for r in detail["breakdown"]["kind"]} <= {"person", "business"}
    assert detail["parent"] == h3.cell_to_parent(cell["h3"], 8)


def test_bad_questions_are_refused_with_the_allowed_answers(engine, built):
    with pytest.raises(InvalidInput, match=r"5\.\.11"):
        query_cube(engine, res=12)
    with pytest.raises(InvalidInput, match=r"unknown filter 'colour'.*stage"):
        query_cube(engine, res=9, filters={"colour": "red"})
    with pytest.raises(InvalidInput, match="finest"):
        cell_children(engine, _busiest_cell(engine, 11)["cell"])
    with pytest.raises(InvalidInput, match="coarsest"):
        cell_parent(engine, _busiest_cell(engine, 5)["cell"])
    with pytest.raises(NotFound):
        cell_detail(engine, h3.latlng_to_cell(35.68, 139.76, 9))  # Tokyo


def test_the_api_answers_json_geojson_and_csv(api, engine, built):
    cells = api.get("/api/cube", params={"res": 9, "stage": "client,partner"}).json()
    assert cells == query_cube(engine, res=9, filters={"stage": ["client", "partner"]})

    collection = api.get("/api/cube", params={"res": 9, "format": "geojson"}).json()
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == len(query_cube(engine, res=9))
    for feature in collection["features"]:
        hexagon = shape(feature["geometry"])
        assert hexagon.geom_type == "Polygon" and hexagon.is_valid
        assert len(hexagon.exterior.coords) == 7  # six corners, closed
        lat, lon = h3.cell_to_latlng(feature["id"])
        assert hexagon.contains(shapely.Point(lon, lat))
        assert feature["properties"]["h3"] == feature["id"]

    body = api.get("/api/cube", params={"res": 7, "format": "csv", "measure": "revenue"})
    assert body.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body.text)))
    assert rows and set(rows[0]) == {"cell", "h3", "res", "revenue"}


def test_the_api_drills_down_rolls_up_and_details_a_cell(api, engine, built):
    cell = _busiest_cell(engine, 8)
    detail = api.get(f"/api/cube/{cell['h3']}")
    assert detail.status_code == 200 and detail.json()["customers"] == cell["customers"]
    children = api.get(f"/api/cube/{cell['cell']}/children", params={"kind": "person"}).json()
    assert children and all(c["res"] == 9 for c in children)
    parent = api.get(f"/api/cube/{children[0]['h3']}/parent", params={"kind": "person"}).json()
    assert parent["h3"] == cell["h3"]
    assert parent["customers"] == sum(c["customers"] for c in children)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"res": 4}, "5..11"),
        ({"res": 9, "measure": "happiness"}, "customers, prospects"),
        ({"res": 9, "stage": "client,champion"}, "'champion'.*prospect"),
        ({"res": 9, "kind": "robot"}, "person, business"),
        ({"res": 9, "segment": "nope"}, "unknown segment"),
        ({"res": 9, "building_class": "castle"}, "residential"),
        ({"res": 9, "store_id": "abc"}, "integer"),
        ({"res": 9, "store_id": "999999"}, "store_id may be"),
        ({"res": 9, "rep_id": "999999"}, "rep_id may be"),
    ],
)
def test_the_api_refuses_bad_parameters_with_422(api, built, params, message):
    response = api.get("/api/cube", params=params)
    assert response.status_code == 422
    assert response.json()["error"] == "InvalidInput"

    assert re.search(message, response.json()["detail"]), response.json()["detail"]


def test_the_api_says_404_for_an_unknown_cell_and_422_for_garbage(api, built):
    tokyo = h3.latlng_to_cell(35.68, 139.76, 9)
    assert api.get(f"/api/cube/{tokyo}").status_code == 404
    assert api.get(f"/api/cube/{tokyo}/children").status_code == 404
    assert api.get("/api/cube/not-a-cell").status_code == 422


def test_dimensions_name_every_filter_value(engine, built):
    app = FastAPI()
    app.state.engine = engine
    install_error_handlers(app)
    app.include_router(router)
    dims = TestClient(app).get("/api/cube/dimensions").json()
    assert dims["measures"] == list(MEASURES)
    assert set(dims) >= set(cube.FILTERS)
    assert dims["segment"] == sorted(built["segments"])
    with engine.connect() as conn:
        stores = dict(conn.execute(text("SELECT store_id, name FROM crm.stores")).all())
    assert {s["id"]: s["name"] for s in dims["store_id"]} == stores


def test_cell_detail_gives_the_centre(engine, built):
    busiest = max(query_cube(engine, res=9), key=lambda c: c["customers"])
    lon, lat = cell_detail(engine, busiest["h3"])["center"]
    assert h3.latlng_to_cell(lat, lon, 9) == busiest["h3"]
