"""Comparison: what publishing a plan would change for the customers, against the current
assignment or another plan, in numbers and on the map."""

from __future__ import annotations

import h3
import mapbox_vector_tile
import numpy as np
from sqlalchemy import text

from geocrm import pipeline, territories
from geocrm.tiles import tiles_covering
from tests.territories.facts import (
    cell_per_customer,
    cells_of,
    free_rep,
    strong_bonds_sql,
)


def test_a_published_plan_compared_with_the_current_assignment_changes_nothing(api, engine):
    plan = territories.design_plan(engine, k=3, measure="customers")
    pipeline.publish_plan(engine, plan["plan_id"])
    report = territories.compare_plan(engine, plan["plan_id"])
    assert report["with"] == "current"
    assert report["customers"] == len(cell_per_customer(engine))
    assert report["customers_changing_rep"] == 0
    assert report["customers_changing_territory"] == 0
    assert report["bonds_broken"] == 0
    assert report["strong_bonds"] == strong_bonds_sql(engine, "c.territory_id IS NOT NULL", {})
    assert [t["territory_id"] for t in report["territories"]] == [
        t["territory_id"] for t in plan["territories"]
    ]
    assert [t["customers"] for t in report["territories"]] == [
        t["customers"] for t in plan["territories"]
    ]
    assert all(t["gained"] == 0 for t in report["territories"])
    assert all(r["customers_before"] == r["customers_after"] for r in report["reps"])
    with engine.connect() as conn:
        assert (
            sum(r["customers_before"] for r in report["reps"])
            == conn.execute(text("SELECT count(*) FROM crm.customers")).scalar_one()
        )
    # the API says the same, and 404 / 422 for unknown plans
    res = api.get(f"/api/territory-plans/{plan['plan_id']}/compare")
    assert res.status_code == 200 and res.json() == report
    assert api.get("/api/territory-plans/999999/compare").status_code == 404
    res = api.get(f"/api/territory-plans/{plan['plan_id']}/compare?with=999999")
    assert res.status_code == 422 and "999999" in res.json()["detail"]


def _reassigned_copy(engine) -> tuple[dict, dict, int, int]:
    """Publish a plan, make version 2 and give its territory with the most strong bonds to
    a rep without a territory: (published, copy, index of that territory, new rep)."""
    plan = territories.design_plan(engine, k=3, measure="customers")
    pipeline.publish_plan(engine, plan["plan_id"])
    bonds = [
        strong_bonds_sql(engine, "c.territory_id = :t", {"t": t["territory_id"]})
        for t in plan["territories"]
    ]
    target = int(np.argmax(bonds))
    assert bonds[target] > 0
    copy = territories.copy_plan(engine, plan["plan_id"])
    new_rep = free_rep(engine, plan)
    copy = territories.edit_territory(
        engine, copy["plan_id"], copy["territories"][target]["territory_id"], rep_id=new_rep
    )
    return plan, copy, target, new_rep


def test_reassigning_a_territory_in_a_copy_changes_exactly_its_customers(api, engine):
    plan, copy, target, new_rep = _reassigned_copy(engine)
    territory = plan["territories"][target]
    old_rep = territory["rep_id"]
    where = "c.territory_id = :t AND c.assigned_rep_id IS DISTINCT FROM :r"
    with engine.connect() as conn:
        changing = conn.execute(
            text(f"SELECT count(*) FROM crm.customers c WHERE {where}"),
            {"t": territory["territory_id"], "r": new_rep},
        ).scalar_one()
    broken = strong_bonds_sql(engine, "c.territory_id = :t", {"t": territory["territory_id"]})

    report = territories.compare_plan(engine, copy["plan_id"])
    assert changing == territory["customers"] > 0
    assert report["customers_changing_rep"] == changing
    assert report["bonds_broken"] == broken
    # the copy's territories continue the published ones: no customer changes territory
    assert report["customers_changing_territory"] == 0
    per_territory = report["territories"]
    assert per_territory[target]["gained"] == changing
    assert per_territory[target]["rep_id"] == new_rep
    assert per_territory[target]["bonds_broken"] == broken
    assert sum(t["gained"] for t in per_territory) == changing
    reps = {r["rep_id"]: r for r in report["reps"]}
    assert reps[new_rep]["customers_after"] - reps[new_rep]["customers_before"] == changing
    assert reps[old_rep]["customers_before"] - reps[old_rep]["customers_after"] == changing
    # against the published plan itself: the same; and the other way round too
    against = territories.compare_plan(engine, copy["plan_id"], with_plan=plan["plan_id"])
    assert {k: v for k, v in against.items() if k != "with"} == {
        k: v for k, v in report.items() if k != "with"
    }
    assert against["with"] == plan["plan_id"]
    back = territories.compare_plan(engine, plan["plan_id"], with_plan=copy["plan_id"])
    assert back["customers_changing_rep"] == changing
    assert back["bonds_broken"] == 0  # the copy keeps none of those bonds: none to break
    res = api.get(f"/api/territory-plans/{copy['plan_id']}/compare?with={plan['plan_id']}")
    assert res.status_code == 200 and res.json()["customers_changing_rep"] == changing
    # a new design is all new territories
    fresh = territories.design_plan(engine, k=3, measure="customers")
    assert territories.compare_plan(engine, fresh["plan_id"])[
        "customers_changing_territory"
    ] == len(cell_per_customer(engine))


def test_the_plan_changes_layer_adds_up_to_the_comparison(api, engine):
    """The map shows per cell what the comparison counts: its customers who change rep and
    the strong bonds that break, where the reassigned territory is."""
    plan, copy, target, new_rep = _reassigned_copy(engine)
    report = territories.compare_plan(engine, copy["plan_id"])
    cells = cells_of(engine, copy["plan_id"])
    with engine.connect() as conn:
        occupied = {
            h3.int_to_str(int(c))
            for c in conn.execute(
                text(
                    "SELECT DISTINCT ref.h3_cell_to_parent(h3_11, :res) "
                    "FROM crm.customer_enrichment"
                ),
                {"res": copy["res"]},
            ).scalars()
            if int(c) in cells
        }
    lats, lons = zip(*(h3.cell_to_latlng(h3.int_to_str(c)) for c in cells), strict=True)
    bounds = (min(lons) - 0.01, min(lats) - 0.01, max(lons) + 0.01, max(lats) + 0.01)
    z = 12
    for query in (
        f"plan_id={copy['plan_id']}",
        f"plan_id={copy['plan_id']}&with={plan['plan_id']}",
    ):
        features: dict[str, dict] = {}
        for _, x, y in tiles_covering(bounds, z):
            r = api.get(f"/tiles/plan_changes/{z}/{x}/{y}.mvt?{query}")
            assert r.status_code in (200, 204), r.text
            if r.status_code == 200:
                for f in mapbox_vector_tile.decode(r.content)["plan_changes"]["features"]:
                    features[f["properties"]["h3"]] = f["properties"]
        assert set(features) == occupied  # one hexagon per cell of the plan with customers
        assert sum(f["changing"] for f in features.values()) == report["customers_changing_rep"]
        assert sum(f["customers"] for f in features.values()) == report["customers"]
        assert sum(f["bonds_broken"] for f in features.values()) == report["bonds_broken"]
        reassigned = copy["territories"][target]["territory_id"]
        for f in features.values():
            if f["territory_id"] == reassigned:
                assert f["rep_id"] == new_rep
                assert f["prev_rep_id"] == plan["territories"][target]["rep_id"]
                assert f["changing"] == f["customers"] and f["changing_share"] == 1
            else:
                assert f["changing"] == 0 and f["rep_id"] == f["prev_rep_id"]
    bad = api.get(f"/tiles/plan_changes/{z}/{x}/{y}.mvt?plan_id={copy['plan_id']}&with=999999")
    assert bad.status_code == 422 and "unknown with" in bad.json()["detail"]
