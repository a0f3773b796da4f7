"""Concentration (cells and territories ranked by a measure, with shares) and a zone's
audience as a sorted, paged table: the figures agree with the cube and the zone counts for
the same filters and user."""

from __future__ import annotations

import csv
import io
import math
import uuid

import pytest
from sqlalchemy import text

from geocrm import territories, zones
from geocrm.cube import build_cube
from geocrm.pipeline import enrich_city

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[24.935, 60.160], [24.955, 60.160], [24.955, 60.180], [24.935, 60.180], [24.935, 60.160]]
    ],
}


@pytest.fixture(scope="module")
def built(engine, demo):
    enrich_city(engine, progress=False)
    return build_cube(engine)


@pytest.fixture(scope="module")
def rep_id(engine, built) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT assigned_rep_id FROM crm.customers WHERE assigned_rep_id IS NOT NULL "
                "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar_one()


@pytest.fixture(scope="module")
def plan_id(engine, built) -> int:
    return territories.design_plan(engine, k=3, measure="customers", name="explore")["plan_id"]


@pytest.fixture(scope="module")
def zone_id(engine, built) -> int:
    zone = zones.create_zone(
        engine, name=f"explore-{uuid.uuid4().hex[:6]}", kind="rectangle", geometry=SQUARE
    )
    return zone["properties"]["zone_id"]


def cube_total(client, measure: str, **params) -> float:
    answer = client.get("/api/cube", params={"measure": measure, **params})
    assert answer.status_code == 200, answer.text
    return sum(c[measure] for c in answer.json())


@pytest.mark.parametrize(
    ("measure", "params"),
    [
        ("revenue", {"res": 9}),
        ("customers", {"res": 10, "stage": "client,partner"}),
        ("revenue", {"res": 8, "kind": "business"}),
    ],
)
def test_shares_add_up_to_the_cubes_total(client, built, measure, params):
    answer = client.get(
        "/api/cube/concentration", params={"measure": measure, "limit": 1000, **params}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    total = cube_total(client, measure, **params)
    assert body["total"] == pytest.approx(total)
    rows = body["rows"]
    assert len(rows) == body["items"] > 0
    values = [r["value"] for r in rows]
    assert values == sorted(values, reverse=True)
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert sum(r["share"] for r in rows) == pytest.approx(1)
    assert rows[-1]["cumulative_share"] == 1
    running = 0.0
    for r in rows:
        running += r["value"]
        assert r["cumulative_share"] == pytest.approx(running / total)
    # "the top 20% of hexagons hold X%": the first ceil(20% of n) rows
    top20 = next(s for s in body["summary"] if s["percent"] == 20)
    n = math.ceil(len(rows) * 0.2)
    assert top20["items"] == n
    assert top20["share"] == pytest.approx(sum(values[:n]) / total)


def test_concentration_pages_and_csv(client, built):
    params = {"measure": "revenue", "res": 10}
    whole = client.get("/api/cube/concentration", params={**params, "limit": 1000}).json()
    page = client.get(
        "/api/cube/concentration", params={**params, "offset": 5, "limit": 5, "top": "50"}
    ).json()
    assert page["rows"] == whole["rows"][5:10]
    assert page["offset"] == 5
    assert [s["percent"] for s in page["summary"]] == [50]
    answer = client.get("/api/cube/concentration", params={**params, "format": "csv"})
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == whole["items"]
    assert [r["h3"] for r in rows] == [r["h3"] for r in whole["rows"]]
    assert float(rows[0]["value"]) == pytest.approx(whole["rows"][0]["value"])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"measure": "mean_satisfaction"}, "adds up"),
        ({"measure": "nonsense"}, "adds up"),
        ({"top": "0"}, "1..100"),
        ({"top": "20;drop"}, ""),
        ({"limit": 0}, ""),
    ],
)
def test_bad_concentration_requests_are_422(client, built, params, message):
    answer = client.get("/api/cube/concentration", params=params)
    assert answer.status_code == 422
    assert message in answer.text


def test_a_reps_concentration_is_their_cube(client_as, built, rep_id):
    rep = client_as("rep", (rep_id,))
    body = rep.get("/api/cube/concentration", params={"res": 9, "limit": 1000}).json()
    total = cube_total(rep, "revenue", res=9)
    assert body["total"] == pytest.approx(total)
    assert sum(r["share"] for r in body["rows"]) == pytest.approx(1)
    # the k-rule held back the others' small cells: said in all, and a smaller total
    # than an administrator's
    assert body.get("suppressed_cells", 0) > 0
    everything = client_as("admin").get("/api/cube/concentration", params={"res": 9}).json()
    assert body["total"] < everything["total"]


def test_territory_concentration_adds_up_to_the_cube(client, built, plan_id):
    answer = client.get(
        f"/api/territory-plans/{plan_id}/concentration", params={"measure": "customers"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    plan = client.get(f"/api/territory-plans/{plan_id}").json()
    total = cube_total(client, "customers", res=plan["res"])
    assert body["total"] == pytest.approx(total)
    assert sum(r["value"] for r in body["rows"]) + body["outside"] == pytest.approx(total)
    names = {t["territory_id"]: t["name"] for t in plan["territories"]}
    assert {r["territory_id"] for r in body["rows"]} <= set(names)
    assert all(r["name"] == names[r["territory_id"]] for r in body["rows"])
    assert [r["value"] for r in body["rows"]] == sorted(
        (r["value"] for r in body["rows"]), reverse=True
    )
    assert body["rows"][-1]["cumulative_share"] == pytest.approx((total - body["outside"]) / total)
    missing = client.get("/api/territory-plans/2147483647/concentration")
    assert missing.status_code == 404


def test_a_zones_audience_table_sorts_and_pages(client, built, zone_id):
    count = client.get(f"/api/zones/{zone_id}/count").json()
    assert count["total"] > 10
    seen = []
    page, pages = 1, 1
    while page <= pages:
        body = client.get(
            f"/api/zones/{zone_id}/audience/rows",
            params={"sort": "name", "order": "asc", "page": page, "page_size": 7},
        ).json()
        assert body["total_rows"] == count["total"]
        pages = body["pages"]
        seen += body["rows"]
        page += 1
    assert len(seen) == count["total"] == len({r["customer_id"] for r in seen})
    names = [r["name"].lower() for r in seen]
    assert names == sorted(names)
    by_revenue = client.get(
        f"/api/zones/{zone_id}/audience/rows", params={"sort": "revenue", "page_size": 500}
    ).json()["rows"]
    revenues = [r["revenue"] or 0 for r in by_revenue]
    assert revenues == sorted(revenues, reverse=True)
    assert revenues[0] == max(r["revenue"] or 0 for r in seen)
    # the CSV export holds the same customers
    exported = client.get(f"/api/zones/{zone_id}/audience.csv").text
    ids = {int(r["customer_id"]) for r in csv.DictReader(io.StringIO(exported))}
    assert ids == {r["customer_id"] for r in seen}
    # past the last page: no rows, the total still said
    past = client.get(
        f"/api/zones/{zone_id}/audience/rows", params={"page": pages + 3, "page_size": 7}
    ).json()
    assert past["rows"] == [] and past["total_rows"] == count["total"]


def test_a_drawn_areas_audience_table_follows_the_filters(client, built):
    body = {"geometry": SQUARE, "filters": {"stage": ["client", "partner"]}}
    count = client.post("/api/zones/count", json=body).json()
    rows = client.post(
        "/api/zones/audience/rows", json={**body, "sort": "stage", "page_size": 500}
    ).json()
    assert rows["total_rows"] == count["total"] == len(rows["rows"])
    stages = [r["stage"] for r in rows["rows"]]
    assert set(stages) <= {"client", "partner"}
    assert stages == sorted(stages, key=["client", "partner"].index, reverse=True)


@pytest.mark.parametrize(
    "params", [{"sort": "customer_id;drop"}, {"sort": "geom"}, {"order": "up"}, {"page": 0}]
)
def test_bad_audience_table_requests_are_422(client, built, zone_id, params):
    answer = client.get(f"/api/zones/{zone_id}/audience/rows", params=params)
    assert answer.status_code == 422


def test_a_rep_sees_only_their_customers_in_the_table(client_as, engine, built, zone_id, rep_id):
    rep = client_as("rep", (rep_id,))
    body = rep.get(f"/api/zones/{zone_id}/audience/rows", params={"page_size": 500}).json()
    with engine.connect() as conn:
        theirs = conn.execute(
            text("SELECT customer_id FROM crm.customers WHERE assigned_rep_id = :r"),
            {"r": rep_id},
        ).scalars()
        theirs = set(theirs)
    assert body["rows"], "the rep has customers in the zone"
    assert {r["customer_id"] for r in body["rows"]} <= theirs
    assert body["total_rows"] == len(body["rows"])
