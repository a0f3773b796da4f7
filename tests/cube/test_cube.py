"""A regional manager reads the hex cube: totals that add up at every zoom, drill-down,
roll-up and the detail of one hexagon, with and without filters."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter

import h3
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape
from sqlalchemy import text

from geocrm import cube, vocabulary
from geocrm.cli import main
from geocrm.cli.customers import import_text
from geocrm.cube import (
    ADDITIVE,
    MEASURES,
    build_cube,
    cell_children,
    cell_detail,
    cell_parent,
    descendant_range,
    query_cube,
    refresh_cube,
)
from geocrm.cube import query as cube_query
from geocrm.errors import InvalidInput, NotFound
from geocrm.pipeline import after_customer_change, enrich_city, import_customers, recover

CUSTOMER_MEASURES = tuple(m for m in ADDITIVE if m not in {"addressable_buildings", "households"})
FACT_MEASURES = vocabulary.FACT_MEASURES

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
    SELECT count(*) AS n,
           count(*) FILTER (WHERE type = 'order') AS orders,
           count(*) FILTER (WHERE type = 'support_request') AS support_requests,
           count(*) FILTER (WHERE type = 'complaint') AS complaints,
           count(*) FILTER (WHERE type = 'visit') AS visits,
           count(*) FILTER (WHERE type = 'survey_response') AS survey_responses,
           count(*) FILTER (WHERE type = 'campaign_response') AS campaign_responses
    FROM crm.interactions
    WHERE customer_id = c.customer_id
      AND (CAST(:month AS date) IS NULL
           OR cube.activity_month(occurred_at) = CAST(:month AS date))) i ON true
WHERE (CAST(:month AS date) IS NULL OR i.n > 0)
  AND (CAST(:stages AS text[]) IS NULL OR c.stage = ANY (CAST(:stages AS text[])))
  AND (CAST(:kinds AS text[]) IS NULL OR c.kind = ANY (CAST(:kinds AS text[])))
  AND (CAST(:stores AS integer[]) IS NULL OR e.nearest_store_id = ANY (CAST(:stores AS integer[])))
"""


@pytest.fixture(scope="module")
def built(engine, demo):
    enrich_city(engine, progress=False)
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
def api(client, built) -> TestClient:
    return client


def _raw(engine, stages=None, kinds=None, stores=None, month=None) -> dict[str, float]:
    """Totals straight from the customer tables (``month``: ``YYYY-MM``)."""
    params = {"stages": stages, "kinds": kinds, "stores": stores}
    params["month"] = f"{month}-01" if month else None
    with engine.connect() as conn:
        row = conn.execute(text(RAW_TOTALS), params).mappings()
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
            unfiltered = vocabulary.no_filters()
            precomputed = cube_query.cells(conn, res, unfiltered)
            at_query_time = cube_query.cells(conn, res, unfiltered, force_facts=True)
            assert [cube_query.select(r, None) for r in precomputed] == [
                cube_query.select(r, None) for r in at_query_time
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
    assert set(detail["breakdown"]) == {*cube.FILTERS, "month"}
    for dimension in cube.FILTERS:
        rows = detail["breakdown"][dimension]
        assert sum(r["customers"] for r in rows) == cell["customers"], dimension
        assert sum(r["prospects"] for r in rows) == cell["prospects"], dimension
    # by month: each month is the cell under that month's filter; every interaction is in
    # exactly one month, while an active customer may be in several
    months = detail["breakdown"]["month"]
    assert [r["value"] for r in months] == sorted(r["value"] for r in months) and months
    for row in months:
        that_month = query_cube(engine, res=9, filters={"month": row["value"]})
        (filtered,) = [c for c in that_month if c["cell"] == cell["cell"]]
        assert {k: row[k] for k in FACT_MEASURES} == {k: filtered[k] for k in FACT_MEASURES}
    assert sum(r["orders"] for r in months) == cell["orders"]
    assert sum(r["customers"] for r in months) >= cell["customers"] > 0
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
        ({"res": 4}, "greater than or equal to 5"),
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


def test_dimensions_name_every_filter_value(engine, built, client):
    dims = client.get("/api/cube/dimensions").json()
    assert dims["measures"] == list(MEASURES)
    assert set(dims) >= set(cube.FILTERS)
    assert dims["segment"] == sorted(built["segments"])
    assert dims["month"] == built["months"]
    with engine.connect() as conn:
        stores = dict(conn.execute(text("SELECT store_id, name FROM crm.stores")).all())
    assert {s["id"]: s["name"] for s in dims["store_id"]} == stores


def test_cell_detail_gives_the_centre(engine, built):
    busiest = max(query_cube(engine, res=9), key=lambda c: c["customers"])
    lon, lat = cell_detail(engine, busiest["h3"])["center"]
    assert h3.latlng_to_cell(lat, lon, 9) == busiest["h3"]


# --------------------------------------------------------------------------- month of activity


def _months(engine) -> list[str]:
    return cube.last_build(engine)["months"]


def test_the_month_of_an_interaction_is_its_calendar_month_in_utc(engine):
    with engine.connect() as conn:
        months = conn.execute(
            text("SELECT cube.activity_month(t)::text FROM unnest(CAST(:ts AS timestamptz[])) t"),
            {"ts": ["2026-03-31 23:59:59+00", "2026-03-31 23:30:00-02", "2026-01-01 00:00+00"]},
        ).scalars()
        assert list(months) == ["2026-03-01", "2026-04-01", "2026-01-01"]


def test_the_build_finds_the_months_of_activity(engine, built):
    with engine.connect() as conn:
        first, last = conn.execute(
            text(
                "SELECT to_char(min(occurred_at) AT TIME ZONE 'UTC', 'YYYY-MM'), "
                "to_char(max(occurred_at) AT TIME ZONE 'UTC', 'YYYY-MM') "
                "FROM crm.interactions i JOIN crm.customer_enrichment e USING (customer_id)"
            )
        ).one()
    months = built["months"]
    assert months[0] == first and months[-1] == last and len(months) >= 12
    assert months == sorted(months)


@pytest.mark.parametrize(
    "filters",
    [{}, {"stage": "client,partner"}, {"kind": "business"}, {"store_id": "busiest"}],
    ids=["month-only", "with-stages", "with-kind", "with-store"],
)
@pytest.mark.parametrize("which", [0, 5, -1], ids=["first", "sixth", "last"])
def test_under_a_month_totals_are_the_active_customers_and_that_months_interactions(
    engine, built, busiest_store, filters, which
):
    month = _months(engine)[which]
    filters = {k: (busiest_store if v == "busiest" else v) for k, v in filters.items()}
    expected = _raw(
        engine,
        stages=filters["stage"].split(",") if "stage" in filters else None,
        kinds=[filters["kind"]] if "kind" in filters else None,
        stores=[busiest_store] if "store_id" in filters else None,
        month=month,
    )
    assert expected["customers"] + expected["prospects"] > 0
    everyone = _raw(engine)
    assert (
        expected["customers"] + expected["prospects"]
        < everyone["customers"] + everyone["prospects"]
    )
    for res in range(5, 12):
        cells = query_cube(engine, res=res, filters={**filters, "month": month})
        assert len({c["cell"] for c in cells}) == len(cells)
        assert _totals(cells) == pytest.approx(expected, abs=0.01), f"res {res}"


def test_month_filter_drills_down_and_rolls_up_consistently(api, engine, built):
    month = _months(engine)[3]
    cell = _busiest_cell(engine, 8)
    params = {"month": month, "kind": "person"}
    children = api.get(f"/api/cube/{cell['h3']}/children", params=params).json()
    assert children and all(c["res"] == 9 for c in children)
    parent = api.get(f"/api/cube/{children[0]['h3']}/parent", params=params).json()
    assert parent["h3"] == cell["h3"]
    assert _totals(children) == pytest.approx(_totals([parent]), abs=0.01)
    at_res_8 = api.get("/api/cube", params={"res": 8, **params}).json()
    assert [c for c in at_res_8 if c["h3"] == cell["h3"]] == [parent]
    assert parent["customers"] + parent["prospects"] < cell["customers"] + cell["prospects"]


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2026-13", "YYYY-MM"),
        ("March", "YYYY-MM"),
        ("2026-3", "YYYY-MM"),
        ("2026-01,2026-02", "one month"),
        ("1999-12", r"outside the data: months with activity run from \d{4}-\d\d to"),
    ],
)
def test_a_bad_month_is_refused_with_the_months_available(api, built, month, message):
    for url in ("/api/cube", f"/api/cube/{_busiest_cell(api.app.state.engine, 7)['h3']}/children"):
        response = api.get(url, params={"res": 9, "month": month})
        assert response.status_code == 422, url
        assert re.search(message, response.json()["detail"]), response.json()["detail"]


# --------------------------------------------------------------------------- freshness

CUBE_TABLES = ("cube.facts", "cube.activity_facts", "cube.rollup", "cube.cell_context")


def _snapshot(engine) -> dict[str, Counter]:
    """Every row of the cube's tables (Decimal compares by value: 1.50 == 1.5)."""
    with engine.connect() as conn:
        return {
            t: Counter(map(tuple, conn.execute(text(f"SELECT * FROM {t}")))) for t in CUBE_TABLES
        }


def _queued(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM cube.dirty_cells")).scalar_one()


def _assert_fresh(engine, client) -> None:
    """The cube answers what the customer tables hold, and is what a full build makes."""
    assert _queued(engine) == 0
    expected = _raw(engine)
    month = _months(engine)[-1]
    in_month = _raw(engine, month=month)
    for res in (5, 8, 11):
        cells = client.get("/api/cube", params={"res": res}).json()
        assert _totals(cells) == pytest.approx(expected, abs=0.01), f"res {res}"
        cells = client.get("/api/cube", params={"res": res, "month": month}).json()
        assert _totals(cells) == pytest.approx(in_month, abs=0.01), f"res {res}, {month}"
    refreshed = _snapshot(engine)
    build_cube(engine)
    assert _snapshot(engine) == refreshed


def _import(client, csv_text: str) -> dict:
    response = client.post("/api/imports", files={"file": ("changes.csv", csv_text, "text/csv")})
    assert response.status_code == 202
    job = client.get(response.json()["status_url"]).json()
    assert job["status"] == "succeeded" and job["phase"] is None, job
    return job


@pytest.fixture
def own_customers(engine, built):
    """Customers T-cube-* that the test adds; removed afterwards (and the cube refreshed)."""
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.customers WHERE external_id LIKE 'T-cube-%'"))
    refresh_cube(engine)
    assert _queued(engine) == 0


def test_imports_and_pins_keep_the_cube_fresh_without_a_build(client, engine, own_customers):
    job = _import(
        client,
        "external_id,name,kind,stage,segment,annual_revenue,lat,lon\n"
        "T-cube-1,Oy Yksi Ab,business,customer,SME,1000.50,60.1699,24.9384\n"
        "T-cube-2,Aino Kaksi,person,prospect,family,0,60.1675,24.9520\n"
        "T-cube-3,Eino Kolme,person,client,senior,250,60.1620,24.9450\n"
        "T-cube-4,Helmi Neljä,person,partner,affluent,4000,60.1710,24.9300\n",
    )
    assert job["inserted"] == 4
    _assert_fresh(engine, client)

    # one import that adds (5), moves (1, to the other side of the city) and edits (2: stage,
    # revenue and a segment never seen before; 3: only its revenue; both where they were)
    before = {c["h3"]: c for c in query_cube(engine, res=11)}
    job = _import(
        client,
        "external_id,name,stage,segment,annual_revenue,lat,lon\n"
        "T-cube-1,Oy Yksi Ab,customer,SME,1000.50,60.1590,24.9560\n"
        "T-cube-2,Aino Kaksi,advocate,pop-up,777.25,60.1675,24.9520\n"
        "T-cube-3,Eino Kolme,client,senior,251,60.1620,24.9450\n"
        "T-cube-5,Uusi Viisi,customer,SME,12,60.1650,24.9400\n",
    )
    assert (job["inserted"], job["updated"]) == (1, 3), job
    after = {c["h3"]: c for c in query_cube(engine, res=11)}
    assert after != before
    popup = query_cube(engine, res=5, filters={"segment": "pop-up"})
    assert [(c["customers"], c["revenue"]) for c in popup] == [(1, 777.25)]
    _assert_fresh(engine, client)

    pinned = client.put("/api/customers/T-cube-3/location", json={"lat": 60.1735, "lon": 24.9410})
    assert pinned.status_code == 200
    _assert_fresh(engine, client)


def test_interactions_count_where_and_when_they_happened(engine, client, own_customers):
    _import(client, "external_id,name,stage,lat,lon\nT-cube-9,Oy Yhdeksän,client,60.1680,24.9460\n")
    month = _months(engine)[-1]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO crm.interactions (customer_id, type, channel, occurred_at) "
                "SELECT customer_id, t, 'web', CAST(:month AS date) + interval '3 days' "
                "FROM crm.customers, unnest(ARRAY['order', 'order', 'complaint']) t "
                "WHERE external_id = 'T-cube-9'"
            ),
            {"month": f"{month}-01"},
        )
    assert _queued(engine) > 0
    assert refresh_cube(engine)["cells"] == 1
    cell = cell_detail(engine, query_cube(engine, res=11, filters={"stage": "client"})[0]["h3"])
    _assert_fresh(engine, client)
    with engine.begin() as conn:
        conn.execute(
            text(
                "DELETE FROM crm.interactions WHERE type = 'complaint' AND customer_id = "
                "(SELECT customer_id FROM crm.customers WHERE external_id = 'T-cube-9')"
            )
        )
    assert refresh_cube(engine)["cells"] == 1
    _assert_fresh(engine, client)
    assert cell["breakdown"]["month"]


def test_a_refresh_with_nothing_queued_changes_nothing_and_is_quick(engine, built):
    refresh_cube(engine)
    before = _snapshot(engine), cube.last_build(engine)
    result = refresh_cube(engine)
    assert result["cells"] == 0 and result["seconds"]["total"] < 0.5
    assert (_snapshot(engine), cube.last_build(engine)) == before


def test_a_failed_refresh_never_fails_the_import_and_keeps_the_queue(
    client, engine, own_customers, monkeypatch, tmp_path
):
    def broken(engine):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cube, "refresh_cube", broken)
    response = client.post(
        "/api/imports",
        files={
            "file": (
                "seven.csv",
                "external_id,name,stage,lat,lon\nT-cube-7,Oy Seitsemän,customer,60.166,24.95\n",
                "text/csv",
            )
        },
    )
    job = client.get(response.json()["status_url"]).json()
    # kept, but not finished: never "succeeded" while the cube does not count it
    assert (job["status"], job["inserted"], job["finished_at"]) == ("interrupted", 1, None)
    assert "disk on fire" in job["error"]
    changes = tmp_path / "changes.csv"
    changes.write_text(
        "external_id,name,stage,lat,lon\nT-cube-7,Oy Seitsemän,partner,60.166,24.95\n"
    )
    report = import_customers(engine, changes, progress=False)
    assert report.updated == 1 and "disk on fire" in report.cube.error
    assert "NOT refreshed" in import_text(report)
    assert _queued(engine) > 0  # kept for the next refresh
    monkeypatch.undo()
    recovered = recover(engine)
    assert recovered.fresh.cells > 0 and job["import_id"] in recovered.finished_jobs
    job = client.get(response.json()["status_url"]).json()
    assert job["status"] == "succeeded" and job["finished_at"] and job["error"] is None
    _assert_fresh(engine, client)


def test_before_the_first_build_the_hooks_do_nothing(engine, built):
    with engine.begin() as conn:
        saved = conn.execute(text("SELECT * FROM cube.builds")).mappings().all()
        conn.execute(text("DELETE FROM cube.builds"))
    try:
        report = after_customer_change(engine)
        assert not report.built and "not built yet" in report.summary()
        with pytest.raises(NotFound, match="cube build"):
            refresh_cube(engine)
    finally:
        with engine.begin() as conn:
            for row in saved:
                conn.execute(
                    text(
                        "INSERT INTO cube.builds VALUES (:built_at, CAST(:seconds AS jsonb), "
                        "CAST(:summary AS jsonb), :refreshed_at, CAST(:refresh AS jsonb))"
                    ),
                    {
                        **row,
                        "seconds": json.dumps(row["seconds"]),
                        "summary": json.dumps(row["summary"]),
                        "refresh": json.dumps(row["refresh"]),
                    },
                )


def test_cube_refresh_on_the_command_line(engine, built, use_database, capsys):
    assert main(["cube", "refresh"]) == 0
    assert "hex cube is up to date" in capsys.readouterr().out
    edit = (
        "UPDATE crm.customers SET annual_revenue = annual_revenue + :delta WHERE customer_id = "
        "(SELECT min(customer_id) FROM crm.customer_enrichment)"
    )
    with engine.begin() as conn:
        conn.execute(text(edit), {"delta": 1})
    try:
        assert main(["cube", "refresh"]) == 0
        out = capsys.readouterr().out
        assert re.search(r"hex cube refreshed: 1 changed res-11 cells .* in \d", out), out
    finally:
        with engine.begin() as conn:
            conn.execute(text(edit), {"delta": -1})
        refresh_cube(engine)
