"""Zone counts under the k-rule: for an analyst (and a manager or a rep outside their rows)
a zone's audience is built from whole cells of at least k customers, so two drawn zones
that differ by one customer's location give nothing of that customer; a rep counts their
own customers exactly. Checked against the customers' points (shapely) and the admin's
exact counts."""

from __future__ import annotations

import csv
import io

import pytest
from shapely.geometry import MultiPolygon, Point, Polygon, box, mapping, shape
from sqlalchemy import text

from geocrm.cube import build_cube
from geocrm.pipeline import enrich_city

K = 5
#: About 1 km² of central Helsinki (as tests/zones/test_zones.py)
BOX = box(24.936, 60.165, 24.954, 60.174)
#: A few blocks around it, and most of the centre
WIDE = box(24.925, 60.160, 24.960, 60.178)
HOLE = 0.00002  # ~2 m: a square this far around a customer holds no other point


@pytest.fixture(scope="module")
def built(engine, demo):
    enrich_city(engine, progress=False)
    return build_cube(engine)


@pytest.fixture(scope="module")
def points(engine, built) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT customer_id, ST_X(geom) AS lon, ST_Y(geom) AS lat, stage, "
                "assigned_rep_id AS rep_id, annual_revenue::float8 AS revenue "
                "FROM crm.customers WHERE geom IS NOT NULL ORDER BY customer_id"
            )
        ).mappings()
        return [dict(r) for r in rows]


@pytest.fixture(scope="module")
def analyst(client_as, built):
    return client_as("analyst")


@pytest.fixture
def cleanup(engine):
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.target_zones"))


def _count(client, area, **filters) -> dict:
    response = client.post("/api/zones/count", json={"geometry": mapping(area), "filters": filters})
    assert response.status_code == 200, response.text
    return response.json()


def _alone(points: list[dict], area) -> list[dict]:
    """Customers inside ``area`` with no other customer within HOLE of them."""
    inside = [p for p in points if area.contains(Point(p["lon"], p["lat"]))]
    return [
        p
        for p in inside
        if sum(abs(q["lon"] - p["lon"]) < HOLE and abs(q["lat"] - p["lat"]) < HOLE for q in points)
        == 1
    ]


def _square(p: dict):
    return box(p["lon"] - HOLE, p["lat"] - HOLE, p["lon"] + HOLE, p["lat"] + HOLE)


def test_an_analysts_zone_count_is_whole_cells_of_at_least_k(client, analyst, points):
    for area in (BOX, WIDE):
        exact = _count(client, area)
        counted = _count(analyst, area)
        assert "suppressed_cells" not in exact
        inside = [p for p in points if area.intersects(Point(p["lon"], p["lat"]))]
        assert exact["total"] == len(inside) > 0
        assert counted["total"] == 0 or counted["total"] >= K
        assert counted["total"] == counted["customers"] + counted["prospects"]
        assert counted["suppressed_cells"] > 0, "the demo has small cells in the centre"
    # a wider area holds more whole cells
    assert _count(analyst, WIDE)["total"] > _count(analyst, BOX)["total"] >= K


def test_two_zones_that_differ_by_one_customer_give_an_analyst_nothing_of_them(
    client, analyst, points
):
    near = [
        p
        for p in _alone(points, WIDE)
        if not BOX.buffer(0.0005).contains(Point(p["lon"], p["lat"]))
    ]
    inside = _alone(points, BOX)
    assert len(inside) >= 5 and near
    pairs = [(BOX, Polygon(BOX.exterior, [_square(p).exterior]), p) for p in inside[:5]]
    pairs += [(MultiPolygon([BOX, _square(p)]), BOX, p) for p in near[:3]]
    for with_them, without_them, p in pairs:
        exact = _count(client, with_them), _count(client, without_them)
        assert exact[0]["total"] - exact[1]["total"] == 1
        assert exact[0]["revenue"] - exact[1]["revenue"] == pytest.approx(p["revenue"], abs=0.01)
        counted = _count(analyst, with_them), _count(analyst, without_them)
        difference = counted[0]["total"] - counted[1]["total"]
        assert difference == 0 or abs(difference) >= K, p
        if difference == 0:
            assert counted[0]["revenue"] == pytest.approx(counted[1]["revenue"], abs=0.01)


def test_a_rep_counts_their_own_customers_exactly(client_as, points):
    in_box = [p for p in points if BOX.intersects(Point(p["lon"], p["lat"]))]
    rep = max({p["rep_id"] for p in in_box}, key=lambda r: sum(p["rep_id"] == r for p in in_box))
    as_rep = client_as("rep", (rep,))
    own = [p for p in in_box if p["rep_id"] == rep]
    counted = _count(as_rep, BOX)
    others = counted["total"] - len(own)
    assert others == 0 or others >= K
    # their own: every one of them, exactly, revenue included
    only_own = _count(as_rep, BOX, rep_id=[rep])
    assert only_own["total"] == len(own) > 0 and only_own["suppressed_cells"] == 0
    assert only_own["revenue"] == pytest.approx(sum(p["revenue"] for p in own), abs=0.01)
    # one of their own customers left out of the zone: they see it go, it is theirs
    mine = [p for p in _alone(points, BOX) if p["rep_id"] == rep]
    if mine:
        holed = Polygon(BOX.exterior, [_square(mine[0]).exterior])
        assert only_own["total"] - _count(as_rep, holed, rep_id=[rep])["total"] == 1
        # with the others: one, and maybe whole cells of theirs that the hole broke up
        rest = counted["total"] - _count(as_rep, holed)["total"] - 1
        assert rest == 0 or rest >= K


def test_saved_zones_and_their_counts_follow_the_rule(client, analyst, cleanup):
    saved = client.post(
        "/api/zones", json={"name": "Centre", "kind": "rectangle", "geometry": mapping(BOX)}
    )
    assert saved.status_code == 201, saved.text
    zone_id = saved.json()["id"]
    assert "suppressed_cells" not in saved.json()["properties"]
    live = _count(analyst, BOX)
    # (other tests' zones may be saved too: this one is found by its id)
    (listed,) = [f for f in analyst.get("/api/zones").json()["features"] if f["id"] == zone_id]
    one = analyst.get(f"/api/zones/{zone_id}").json()
    count = analyst.get(f"/api/zones/{zone_id}/count").json()
    for answer in (listed["properties"], one["properties"], count):
        assert {k: answer[k] for k in live} == live, answer
    assert shape(one["geometry"]).equals(BOX)
    # the audience export is rows: an analyst has none
    rows = list(csv.DictReader(io.StringIO(analyst.get(f"/api/zones/{zone_id}/audience.csv").text)))
    assert rows == []
