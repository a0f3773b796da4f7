"""Visit routes: a rep's day of customer visits, ordered on the streets from the home base
and back, within the working day; OR-Tools against a nearest-neighbour tour."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from sqlalchemy import text

from geocrm import visits
from geocrm.cli import main
from geocrm.errors import InvalidInput, NotFound


@pytest.fixture(scope="module")
def rep(engine, demo) -> dict:
    """The rep with the most placed customers, and its home base."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                text(
                    "SELECT r.rep_id, ST_X(r.home_base) AS lon, ST_Y(r.home_base) AS lat "
                    "FROM crm.reps r JOIN crm.customers c ON c.assigned_rep_id = r.rep_id "
                    "WHERE c.geom IS NOT NULL GROUP BY r.rep_id "
                    "ORDER BY count(*) DESC, r.rep_id LIMIT 1"
                )
            )
            .mappings()
            .one()
        )
    return dict(row)


@pytest.fixture(scope="module")
def day(engine, demo) -> dt.date:
    """The day after the demo data's latest interaction."""
    with engine.connect() as conn:
        latest = conn.execute(text("SELECT max(occurred_at) FROM crm.interactions")).scalar()
    return latest.date() + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def plan(engine, rep, day) -> dict:
    return visits.plan_route(engine, rep["rep_id"], day=day)


def _placed(engine, rep_id: int, n: int) -> list[int]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT customer_id FROM crm.customers WHERE assigned_rep_id = :r "
                    "AND geom IS NOT NULL ORDER BY customer_id LIMIT :n"
                ),
                {"r": rep_id, "n": n},
            ).scalars()
        )


def test_due_stops_are_the_reps_and_most_due_first(engine, plan, rep):
    assert 1 <= len(plan["stops"]) + len(plan["unscheduled"]) <= visits.DEFAULT_MAX_STOPS
    ids = [s["customer_id"] for s in plan["stops"]] + [
        u["customer_id"] for u in plan["unscheduled"]
    ]
    with engine.connect() as conn:
        owners = conn.execute(
            text("SELECT DISTINCT assigned_rep_id FROM crm.customers WHERE customer_id = ANY(:i)"),
            {"i": ids},
        ).scalars()
        assert set(owners) == {rep["rep_id"]}


def test_route_starts_and_ends_at_the_base(plan, rep):
    lines = plan["geometry"]["coordinates"]
    assert plan["geometry"]["type"] == "MultiLineString"
    assert len(lines) == len(plan["stops"]) + 1  # one leg a stop, and the way home
    assert lines[0][0] == pytest.approx([rep["lon"], rep["lat"]])
    assert lines[-1][-1] == pytest.approx([rep["lon"], rep["lat"]])
    for leg, stop in zip(lines, plan["stops"], strict=False):
        assert leg[-1] == pytest.approx([stop["lon"], stop["lat"]])


def test_every_scheduled_stop_appears_once_in_order(plan):
    ids = [s["customer_id"] for s in plan["stops"]]
    assert len(ids) == len(set(ids)) == plan["totals"]["stops"]
    assert [s["order"] for s in plan["stops"]] == list(range(1, len(ids) + 1))
    assert not set(ids) & {u["customer_id"] for u in plan["unscheduled"]}


def test_times_increase_within_the_day_and_keep_the_service_time(plan):
    service = visits.DEFAULT_SERVICE_MINUTES
    previous_departure = 0.0
    for stop in plan["stops"]:
        assert stop["arrival_minute"] >= previous_departure - 0.01
        assert stop["arrival_minute"] == pytest.approx(
            previous_departure + stop["leg_minutes"], abs=0.02
        )
        assert stop["departure_minute"] - stop["arrival_minute"] == pytest.approx(service)
        assert stop["leg_metres"] > 0
        previous_departure = stop["departure_minute"]
    assert plan["stops"][0]["arrival"] >= f"{plan['date']}T08:00"
    totals = plan["totals"]
    assert totals["total_minutes"] <= visits.DEFAULT_DAY_HOURS * 60 + 0.01
    assert totals["total_minutes"] == pytest.approx(
        totals["travel_minutes"] + totals["service_minutes"], abs=0.05
    )
    assert totals["km"] > 0


def test_ortools_is_no_worse_than_nearest_neighbour(plan):
    base = plan["baseline"]
    assert base["method"] == "nearest neighbour" and base["stops"] == plan["totals"]["stops"]
    # whole seconds in the solver: allow a second a leg of rounding
    assert plan["totals"]["travel_minutes"] <= base["travel_minutes"] + (base["stops"] + 1) / 60


def test_a_hand_picked_list_is_honoured(engine, rep, day):
    picked = _placed(engine, rep["rep_id"], 5)
    plan = visits.plan_route(engine, rep["rep_id"], day=day, customer_ids=picked, mode="walk")
    assert plan["mode"] == "walk"
    assert sorted(s["customer_id"] for s in plan["stops"]) == sorted(picked)
    assert plan["unscheduled"] == []


def test_stops_that_do_not_fit_the_day_are_unscheduled(engine, rep, day):
    picked = _placed(engine, rep["rep_id"], 8)
    plan = visits.plan_route(engine, rep["rep_id"], day=day, customer_ids=picked, day_hours=1.0)
    assert 1 <= len(plan["stops"]) <= 2  # 20 minutes a visit
    assert len(plan["stops"]) + len(plan["unscheduled"]) == len(picked)
    assert plan["totals"]["total_minutes"] <= 60.01


def test_api_geojson_and_csv(client, rep, day):
    body = {"rep_id": rep["rep_id"], "date": day.isoformat(), "max_stops": 6}
    res = client.post("/api/routes", json=body)
    assert res.status_code == 200, res.text
    fc = res.json()
    assert fc["type"] == "FeatureCollection"
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    assert kinds.count("route") == 1 and kinds.count("base") == 1
    stops = [f for f in fc["features"] if f["properties"]["kind"] == "stop"]
    assert len(stops) == fc["totals"]["stops"] <= 6
    assert {"totals", "baseline", "unscheduled"} <= fc.keys()
    assert all(f["geometry"]["type"] == "Point" for f in stops)
    res = client.post("/api/routes", params={"format": "csv"}, json=body)
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert len(rows) == fc["totals"]["stops"]
    assert tuple(rows[0].keys()) == visits.CSV_COLUMNS


def test_bad_inputs_are_4xx(client, engine, rep):
    def post(**body):
        return client.post("/api/routes", json={"rep_id": rep["rep_id"], **body})

    assert client.post("/api/routes", json={"rep_id": 999999}).status_code == 404
    assert post(customer_ids=[999999999]).status_code == 422
    assert post(customer_ids=[]).status_code == 422
    assert post(mode="fly").status_code == 422
    assert post(date="2024-13-45").status_code == 422
    assert post(max_stops=0).status_code == 422
    assert post(max_stops=1000).status_code == 422
    assert (
        client.post("/api/routes", params={"format": "pdf"}, json={"rep_id": 1}).status_code == 422
    )
    with engine.begin() as conn:
        unplaced = conn.execute(
            text(
                "INSERT INTO crm.customers (external_id, name, kind, region) "
                "VALUES ('route-test-unplaced', 'Nowhere Oy', 'business', 'helsinki') "
                "RETURNING customer_id"
            )
        ).scalar()
    try:
        res = post(customer_ids=[unplaced])
        assert res.status_code == 422 and "not on the map" in res.text
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM crm.customers WHERE customer_id = :c"), {"c": unplaced})
    with pytest.raises(NotFound):
        visits.plan_route(engine, 999999)
    with pytest.raises(InvalidInput):
        visits.plan_route(engine, rep["rep_id"], mode="bike")


def test_cli_plan_writes_geojson_and_csv(use_database, rep, day, tmp_path, capsys):
    out = tmp_path / "route.geojson"
    args = ["routes", "plan", "--rep", str(rep["rep_id"]), "--date", day.isoformat()]
    assert main([*args, "--max-stops", "4", "--out", str(out)]) == 0
    assert "nearest-neighbour" in capsys.readouterr().out
    fc = json.loads(out.read_text())
    assert fc["type"] == "FeatureCollection"
    out_csv = tmp_path / "route.csv"
    assert main([*args, "--max-stops", "4", "--json", "--out", str(out_csv)]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert len(out_csv.read_text().strip().splitlines()) == len(plan["stops"]) + 1
    assert main([*args, "--customers", "x,y"]) == 2
    assert main([*args[:4], "--date", "tomorrow"]) == 2
