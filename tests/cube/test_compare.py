"""Period against period and time series (``/api/cube/compare``, ``.../series``): a range of
months counts a customer active in several of its months once; a change is cube(b) -
cube(a) per cell; every series value is the month's own figure; bad periods are 422s; a rep
and an analyst get what ``GET /api/cube`` gives them (the k-rule)."""

from __future__ import annotations

import csv
import io
import itertools
import json

import h3
import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geocrm import territories, zones
from geocrm.cube import build_cube
from geocrm.pipeline import enrich_city
from geocrm.tiles import tile_xy

K = 5  # GEOCRM_MIN_CELL_COUNT's default

#: Enriched customers in the loaded city active in a range of months, each once: the
#: definition of a range, read from the tables with the owner's engine.
ACTIVE_IN_RANGE = """
SELECT e.h3_11, count(*) AS n, sum(c.annual_revenue) AS revenue
FROM crm.customer_enrichment e JOIN crm.customers c USING (customer_id)
WHERE NOT c.outside_city AND EXISTS (
    SELECT FROM crm.interactions i WHERE i.customer_id = c.customer_id
      AND cube.activity_month(i.occurred_at) BETWEEN CAST(:first AS date) AND CAST(:last AS date))
GROUP BY 1
"""
#: Customers active in every one of two months (whom a sum of months would count twice).
ACTIVE_IN_BOTH = """
SELECT count(*) FROM crm.customer_enrichment e JOIN crm.customers c USING (customer_id)
WHERE NOT c.outside_city
  AND cube.active_in_month(c.customer_id, CAST(:first AS date))
  AND cube.active_in_month(c.customer_id, CAST(:last AS date))
"""
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[24.930, 60.160], [24.960, 60.160], [24.960, 60.175], [24.930, 60.175], [24.930, 60.160]]
    ],
}


@pytest.fixture(scope="module")
def built(engine, demo):
    enrich_city(engine, progress=False)
    return build_cube(engine)


@pytest.fixture(scope="module")
def months(built) -> list[str]:
    held = sorted(built["months"])
    assert len(held) >= 3, held
    return held


def _get(client: TestClient, url: str, **params) -> dict | list:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _cube(client: TestClient, res: int, **params) -> dict[str, dict]:
    return {c["h3"]: c for c in _get(client, "/api/cube", res=res, **params)}


def _busiest_pair(engine, months: list[str]) -> tuple[str, str, int]:
    """Two consecutive months with the most customers active in both."""
    with engine.connect() as conn:
        both = [
            (
                conn.execute(
                    text(ACTIVE_IN_BOTH), {"first": f"{a}-01", "last": f"{b}-01"}
                ).scalar(),
                a,
                b,
            )
            for a, b in itertools.pairwise(months)
        ]
    n, a, b = max(both)
    return a, b, n


def test_a_range_counts_a_customer_active_in_two_of_its_months_once(client, engine, months):
    first, last, in_both = _busiest_pair(engine, months)
    assert in_both > 0, "the demo has customers active in two consecutive months"
    answer = _get(client, "/api/cube/compare", res=11, a=first, b=f"{first}..{last}")
    with engine.connect() as conn:
        expected = {
            h3.int_to_str(cell): (n, revenue)
            for cell, n, revenue in conn.execute(
                text(ACTIVE_IN_RANGE), {"first": f"{first}-01", "last": f"{last}-01"}
            )
        }
    customers = _get(
        client, "/api/cube/compare", res=11, a=first, b=f"{first}..{last}", measure="prospects"
    )
    prospects = {c["h3"]: c["b"] for c in customers["cells"]}
    got = {c["h3"]: c["b"] + prospects[c["h3"]] for c in answer["cells"] if c["b"]}
    got |= {h: n for h, n in prospects.items() if n and h not in got}
    assert got == {h: n for h, (n, _) in expected.items()}
    revenue = _get(
        client, "/api/cube/compare", res=11, a=first, b=f"{first}..{last}", measure="revenue"
    )
    assert {c["h3"]: c["b"] for c in revenue["cells"] if c["h3"] in expected} == {
        h: float(r) for h, (_, r) in expected.items()
    }
    # the sum of the two months counts the customers active in both twice
    month_a = _cube(client, 5, month=first)
    month_b = _cube(client, 5, month=last)
    both = _get(client, "/api/cube/compare", res=5, a=first, b=f"{first}..{last}")
    total = sum(c["b"] for c in both["cells"])
    prospects_5 = _get(
        client, "/api/cube/compare", res=5, a=first, b=f"{first}..{last}", measure="prospects"
    )
    total += sum(c["b"] for c in prospects_5["cells"])
    summed = sum(c["customers"] + c["prospects"] for c in [*month_a.values(), *month_b.values()])
    assert total == summed - in_both
    # and a range's interactions are the months' interactions added up (each in one month)
    orders = _get(
        client, "/api/cube/compare", res=5, a=first, b=f"{first}..{last}", measure="orders"
    )
    assert sum(c["b"] for c in orders["cells"]) == sum(
        c["orders"] for c in [*month_a.values(), *month_b.values()]
    )


@pytest.mark.parametrize("measure", ["customers", "revenue", "mean_satisfaction"])
def test_a_change_is_cube_b_minus_cube_a_per_cell(client, months, measure):
    a, b = months[0], months[-1]
    answer = _get(client, "/api/cube/compare", res=9, a=a, b=b, measure=measure, kind="person")
    cube_a = _cube(client, 9, month=a, kind="person")
    cube_b = _cube(client, 9, month=b, kind="person")
    assert {c["h3"] for c in answer["cells"]} == set(cube_a) | set(cube_b)
    zero = None if measure.startswith("mean_") else 0
    for cell in answer["cells"]:
        va = cube_a[cell["h3"]][measure] if cell["h3"] in cube_a else zero
        vb = cube_b[cell["h3"]][measure] if cell["h3"] in cube_b else zero
        assert (cell["a"], cell["b"]) == (va, vb)
        if va is None or vb is None:
            assert cell["change"] is None
            continue
        assert cell["change"] == vb - va
        assert cell["change_pct"] == (round((vb - va) / va * 100, 2) if va else None)
    assert answer["a"] == a and answer["b"] == b and answer["measure"] == measure


def test_the_comparison_as_csv_has_the_same_cells(client, months):
    a, b = months[0], f"{months[1]}..{months[2]}"
    answer = _get(client, "/api/cube/compare", res=8, a=a, b=b)
    response = client.get("/api/cube/compare", params={"res": 8, "a": a, "b": b, "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["h3"] for r in rows] == [c["h3"] for c in answer["cells"]]
    assert [float(r["change"]) for r in rows] == [c["change"] for c in answer["cells"]]


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"a": "2026-3", "b": "2026-04"}, "a must be a month"),
        ({"a": "2026-13", "b": "2026-04"}, "a must be a month"),
        ({"a": "\u0662\u0660\u0662\u0666-\u0660\u0661", "b": "LAST"}, "a must be a month"),
        ({"b": "2026-04"}, "a"),
        ({"a": "LATER..FIRST", "b": "2026-04"}, "a"),
        ({"b": "1990-01", "a": "FIRST"}, "outside the data"),
        ({"a": "LAST..FIRST", "b": "FIRST"}, "ends before it starts"),
        ({"a": "2000-01..2002-02", "b": "FIRST"}, "at most 24 months"),
        ({"a": "FIRST", "b": "LAST", "measure": "footfall"}, "cannot be compared"),
        ({"a": "FIRST", "b": "LAST", "measure": "nope"}, "cannot be compared"),
        ({"a": "FIRST", "b": "LAST", "month": "FIRST"}, "a and b say which months"),
        ({"a": "FIRST", "b": "LAST", "res": 4}, "res"),
        ({"a": "FIRST", "b": "LAST", "stage": "nope"}, "unknown stage"),
    ],
)
def test_bad_periods_and_parameters_are_422s_that_say_why(client, months, params, says):
    named = {"FIRST": months[0], "LAST": months[-1], "LATER": months[1]}
    for key, value in params.items():
        for name, month in named.items():
            if isinstance(value, str):
                value = value.replace(name, month)
        params[key] = value
    response = client.get("/api/cube/compare", params=params)
    assert response.status_code == 422, response.text
    assert says in response.text


def test_series_are_422_for_bad_months(client, months, built):
    cell = next(iter(_cube(client, 9)))
    for params in ({"from": "2026-1"}, {"from": months[-1], "to": months[0]}, {"to": "1990-01"}):
        response = client.get(f"/api/cube/{cell}/series", params=params)
        assert response.status_code == 422, (params, response.text)
    response = client.get(f"/api/cube/{cell}/series", params={"measure": "households"})
    assert response.status_code == 422


def test_a_cells_series_is_each_months_own_figure(client, months):
    cubes = {m: _cube(client, 8, month=m, stage="client,partner") for m in months}
    cell = max(cubes[months[-1]], key=lambda h: cubes[months[-1]][h]["revenue"])
    series = _get(client, f"/api/cube/{cell}/series", measure="revenue", stage="client,partner")
    assert series["h3"] == cell and series["res"] == 8 and series["measure"] == "revenue"
    assert [p["month"] for p in series["points"]] == months[-24:]
    assert [p["value"] for p in series["points"]] == [
        cubes[m][cell]["revenue"] if cell in cubes[m] else 0 for m in months[-24:]
    ]
    part = _get(client, f"/api/cube/{cell}/series", **{"from": months[1], "to": months[2]})
    assert [p["month"] for p in part["points"]] == months[1:3]
    assert [p["value"] for p in part["points"]] == [
        _cube(client, 8, month=m).get(cell, {"customers": 0})["customers"] for m in months[1:3]
    ]


def test_a_zones_series_counts_its_customers_active_each_month(client, engine, months):
    zone = zones.create_zone(
        engine, name="series square", kind="polygon", geometry=SQUARE, filters={"kind": "person"}
    )
    try:
        series = _get(client, f"/api/zones/{zone['id']}/series", measure="total")
        with engine.connect() as conn:
            expected = [
                conn.execute(
                    text(
                        "SELECT count(*) FROM crm.customers_in("
                        "ST_GeomFromGeoJSON(:g), CAST(:f AS jsonb))"
                    ),
                    {"g": json.dumps(SQUARE), "f": json.dumps({"kind": ["person"], "month": m})},
                ).scalar()
                for m in (f"{m}-01" for m in months[-24:])
            ]
        assert sum(expected) > 0
        assert [p["value"] for p in series["points"]] == expected
        assert series["filters"] == {"kind": ["person"]} and series["name"] == "series square"
        # a query-string filter overrides the saved one, as for the zone's count
        overridden = _get(client, f"/api/zones/{zone['id']}/series", kind="business")
        assert overridden["filters"] == {"kind": ["business"]}
        bad = client.get(f"/api/zones/{zone['id']}/series", params={"measure": "ltv"})
        assert bad.status_code == 422
    finally:
        zones.delete_zone(engine, zone["id"])


def test_a_territorys_series_adds_up_its_cells(client, engine, months):
    plan = territories.design_plan(engine, k=3, measure="customers", name="series plan")
    territory = plan["territories"][0]
    with engine.connect() as conn:
        cells = {
            h3.int_to_str(c)
            for c in conn.execute(
                text("SELECT h3 FROM crm.territory_cells WHERE territory_id = :t"),
                {"t": territory["territory_id"]},
            ).scalars()
        }
    res = plan["res"]
    url = f"/api/territory-plans/{plan['plan_id']}/territories/{territory['territory_id']}/series"
    series = _get(client, url, measure="orders")
    assert series["name"] == territory["name"]
    expected = [
        sum(c["orders"] for h, c in _cube(client, res, month=m).items() if h in cells)
        for m in months[-24:]
    ]
    assert sum(expected) > 0
    assert [p["value"] for p in series["points"]] == expected
    missing = client.get(f"/api/territory-plans/{plan['plan_id']}/territories/999999999/series")
    assert missing.status_code == 404


def test_a_rep_and_an_analyst_compare_what_they_may_see(client_as, client, engine, months):
    with engine.connect() as conn:
        rep = conn.execute(
            text(
                "SELECT assigned_rep_id FROM crm.customers WHERE assigned_rep_id IS NOT NULL "
                "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
            )
        ).scalar()
    a, b = months[0], f"{months[0]}..{months[-1]}"
    for user in (client_as("rep", (rep,)), client_as("analyst")):
        for res in (11, 9):
            answer = _get(user, "/api/cube/compare", res=res, a=a, b=b)
            own_a = _cube(user, res, month=a)
            # period a is exactly GET /api/cube for that month, as that user sees it
            assert {c["h3"]: c["a"] for c in answer["cells"] if c["a"]} == {
                h: c["customers"] for h, c in own_a.items() if c["customers"]
            }
            admin = {
                c["h3"]: c for c in _get(client, "/api/cube/compare", res=res, a=a, b=b)["cells"]
            }
            prospects = {
                c["h3"]: c["b"]
                for c in _get(user, "/api/cube/compare", res=res, a=a, b=b, measure="prospects")[
                    "cells"
                ]
            }
            for cell in answer["cells"]:
                assert cell["b"] <= admin[cell["h3"]]["b"]
            if user.headers["Authorization"] == client_as("analyst").headers["Authorization"]:
                # nothing of fewer than k customers of others, in a range as in a month
                shown = [c["b"] + prospects[c["h3"]] for c in answer["cells"]]
                assert all(n == 0 or n >= K for n in shown), res
    # a rep's own small cells are shown: at res 11 the rep sees cells of fewer than k
    rep_cells = _get(client_as("rep", (rep,)), "/api/cube/compare", res=11, a=a, b=b)["cells"]
    assert any(0 < c["b"] < K for c in rep_cells)


def _tile_features(client: TestClient, z: int, x: int, y: int, **params) -> list[dict]:
    response = client.get(f"/tiles/hex_change/{z}/{x}/{y}.mvt", params=params)
    assert response.status_code in (200, 204), response.text
    if response.status_code == 204:
        return []
    return mapbox_vector_tile.decode(response.content).get("hex_change", {}).get("features", [])


@pytest.mark.parametrize("who", ["admin", "analyst"])
def test_the_difference_tiles_carry_the_comparison_of_the_api(client, client_as, months, who):
    user = client if who == "admin" else client_as("analyst")
    a, b = months[0], f"{months[1]}..{months[-1]}"
    answer = _get(user, "/api/cube/compare", res=9, a=a, b=b, measure="revenue", kind="person")
    api = {c["h3"]: c for c in answer["cells"]}
    busiest = max(api.values(), key=lambda c: abs(c["change"]))
    lat, lon = h3.cell_to_latlng(busiest["h3"])
    x, y = tile_xy(lon, lat, 13)  # resolution 9 at zoom 13
    features = _tile_features(user, 13, x, y, a=a, b=b, measure="revenue", kind="person", res=9)
    assert features
    for feature in features:
        p = feature["properties"]
        cell = api[p["h3"]]
        assert (p["a"], p["b"], p["change"]) == pytest.approx(
            (cell["a"], cell["b"], cell["change"])
        )
    assert busiest["h3"] in {f["properties"]["h3"] for f in features}
    # without the two periods: the last two months; a bad period is a 422
    last_two = _get(user, "/api/cube/compare", res=9, a=months[-2], b=months[-1])
    expected = {c["h3"]: c["change"] for c in last_two["cells"]}
    drawn = {
        f["properties"]["h3"]: f["properties"]["change"]
        for f in _tile_features(user, 13, x, y, res=9)
    }
    assert drawn and all(expected[h] == pytest.approx(change) for h, change in drawn.items())
    bad = user.get(f"/tiles/hex_change/13/{x}/{y}.mvt", params={"a": "2026-13", "b": a})
    assert bad.status_code == 422
    month = user.get(f"/tiles/hex_change/13/{x}/{y}.mvt", params={"a": a, "b": a, "month": a})
    assert month.status_code == 422
