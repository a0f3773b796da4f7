"""The territory-plan API: design, list, read, publish, edit, version and history over HTTP."""

from __future__ import annotations

import pytest
from shapely.geometry import shape

from tests.territories.facts import (
    free_rep,
)


def test_the_api_designs_lists_reads_and_publishes(api, engine):
    res = api.post("/api/territory-plans", json={"k": 3, "measure": "customers", "name": "api"})
    assert res.status_code == 201, res.text
    plan = res.json()
    assert plan["contiguous"] is True and plan["balance"] >= 1
    assert plan["geojson"]["type"] == "FeatureCollection"
    assert len(plan["geojson"]["features"]) == 3
    assert shape(plan["geojson"]["features"][0]["geometry"]).area > 0
    listed = api.get("/api/territory-plans").json()
    assert plan["plan_id"] in [p["plan_id"] for p in listed]
    got = api.get(f"/api/territory-plans/{plan['plan_id']}").json()
    assert got["territories"] == plan["territories"]
    published = api.post(f"/api/territory-plans/{plan['plan_id']}/publish")
    assert published.status_code == 200 and published.json()["active"] is True
    again = api.post(f"/api/territory-plans/{plan['plan_id']}/publish")
    assert again.status_code == 409
    assert api.get("/api/territory-plans/999999").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"k": 3, "measure": "happiness"},
        {"k": 1, "measure": "customers"},
        {"k": 100000, "measure": "customers"},
        {"k": 3, "measure": "customers", "res": 3},
        {"k": 3, "measure": "customers", "locked_cells": {"not-a-cell": 0}},
        {"measure": "customers"},
    ],
)
def test_the_api_says_422_for_bad_plans(api, body):
    assert api.post("/api/territory-plans", json=body).status_code == 422


def test_the_api_versions_and_edits_territories(api, engine):
    plan = api.post("/api/territory-plans", json={"k": 3, "measure": "customers"}).json()
    pid, ids = plan["plan_id"], [t["territory_id"] for t in plan["territories"]]
    url = f"/api/territory-plans/{pid}/territories/{ids[0]}"
    rep = free_rep(engine, plan)
    res = api.patch(url, json={"rep_id": rep})
    assert res.status_code == 200, res.text
    assert res.json()["territories"][0]["rep_id"] == rep
    assert res.json()["edit"]["changes"]["rep_id"] == {
        "before": plan["territories"][0]["rep_id"],
        "after": rep,
    }
    # absent rep_id keeps the rep; "rep_id": null removes it
    assert api.patch(url, json={"name": "Harbour"}).json()["territories"][0]["rep_id"] == rep
    assert api.patch(url, json={"rep_id": None}).json()["territories"][0]["rep_id"] is None
    assert api.patch(url, json={}).status_code == 422
    assert api.patch(url, json={"rep": 3}).status_code == 422
    assert api.patch(url, json={"rep_id": 999_999}).status_code == 422
    assert api.patch(url, json={"locked": "maybe"}).status_code == 422
    assert (
        api.patch(f"/api/territory-plans/{pid}/territories/999999", json={"name": "x"}).status_code
        == 404
    )
    assert (
        api.patch(
            f"/api/territory-plans/999999/territories/{ids[0]}", json={"name": "x"}
        ).status_code
        == 404
    )

    api.post(f"/api/territory-plans/{pid}/publish")
    assert api.patch(url, json={"name": "x"}).status_code == 409
    version = api.post(f"/api/territory-plans/{pid}/versions")
    assert version.status_code == 201, version.text
    copy = version.json()
    assert copy["status"] == "draft" and copy["based_on"] == pid and copy["version"] == 2
    assert copy["territories"][0]["name"] == "Harbour"
    copied = copy["territories"][0]["territory_id"]
    edited = api.patch(
        f"/api/territory-plans/{copy['plan_id']}/territories/{copied}", json={"locked": True}
    )
    assert edited.status_code == 200 and edited.json()["territories"][0]["locked"] is True
    # a cell of the locked territory does not move
    moved = api.post(
        f"/api/territory-plans/{copy['plan_id']}/edits",
        json={
            "cells": [copy["territories"][0]["h3_cells"][0]],
            "territory_id": copy["territories"][1]["territory_id"],
        },
    )
    assert moved.status_code == 422 and "locked" in moved.json()["detail"]
    assert api.post("/api/territory-plans/999999/versions").status_code == 404


def test_a_plans_history_says_who_did_what_and_when(api, client_as, make_user, enriched):
    """The history names the signed-in user; ``X-GeoCRM-User`` is no longer trusted."""
    manager = client_as("manager", (1, 2))
    admin_email = make_user("admin")[0]
    forged = {"X-GeoCRM-User": "someone.else"}
    plan = manager.post(
        "/api/territory-plans", json={"k": 3, "measure": "customers"}, headers=forged
    ).json()
    first = plan["territories"][0]
    cell = next(iter(plan["territories"][1]["h3_cells"]))
    moved = api.post(
        f"/api/territory-plans/{plan['plan_id']}/edits",
        json={"cells": [cell], "territory_id": first["territory_id"]},
        headers=forged,
    )
    assert moved.status_code == 200
    assert manager.post(f"/api/territory-plans/{plan['plan_id']}/publish").status_code == 200
    history = api.get(f"/api/territory-plans/{plan['plan_id']}/history").json()
    manager_email = make_user("manager", (1, 2))[0]
    assert [(h["what"]["action"], h["who"]) for h in history] == [
        ("design", manager_email),
        ("edit", admin_email),
        ("publish", manager_email),
    ]
    assert history[1]["what"]["cells"] == [cell]
    assert history[0]["at"] <= history[1]["at"] <= history[2]["at"]
    assert api.get("/api/territory-plans/999999999/history").status_code == 404
