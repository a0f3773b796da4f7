"""Designing plans: a manager cuts the demo city into K balanced, contiguous territories,
locks what must not move, keeps reps with their customers, designs within an area and
redesigns the next version."""

from __future__ import annotations

from dataclasses import replace

import h3
import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import text

from geocrm import territories, zones
from geocrm.errors import InvalidInput
from tests.territories.facts import (
    RES,
    bound,
    cell_per_customer,
    cells_of,
    connected,
)


def test_a_manager_cuts_the_city_into_three_balanced_contiguous_territories(engine, enriched):
    plan = territories.design_plan(engine, k=3, measure="customers")
    cells = cells_of(engine, plan["plan_id"])
    customer_cells = set(cell_per_customer(engine).values())

    # every cell with customers is in exactly one territory (the PK makes it one)
    assert customer_cells <= set(cells)
    assert len({t for t in cells.values()}) == 3
    # every territory is one piece, checked independently
    for territory in plan["territories"]:
        mine = {c for c, t in cells.items() if t == territory["territory_id"]}
        assert connected(mine), territory["name"]
    assert plan["contiguous"] is True
    # balanced on the customers, within the documented bound
    loads = [t["workload"] for t in plan["territories"]]
    assert sum(t["customers"] for t in plan["territories"]) == len(cell_per_customer(engine))
    assert plan["balance"] == pytest.approx(max(loads) / min(loads), rel=1e-3)
    assert plan["balance"] <= bound(engine, 3)
    # each territory has a rep, stats and a polygon that is the union of its cells
    for territory, feature in zip(plan["territories"], plan["geojson"]["features"], strict=True):
        assert territory["rep_id"] is not None
        assert territory["area_km2"] > 0 and 0 < territory["compactness"] <= 1
        polygon = shape(feature["geometry"])
        mine = [c for c, t in cells.items() if t == territory["territory_id"]]
        union = shapely.union_all(
            [
                shapely.Polygon([(lon, lat) for lat, lon in h3.cell_to_boundary(h3.int_to_str(c))])
                for c in mine
            ]
        )
        assert polygon.symmetric_difference(union).area < 1e-9
    assert plan["status"] == "draft" and plan["active"] is False


@pytest.mark.parametrize("measure", ["revenue", "visits", "mix"])
def test_every_measure_gives_a_full_contiguous_partition(engine, enriched, measure):
    plan = territories.design_plan(engine, k=4, measure=measure)
    assert plan["contiguous"] is True
    assert plan["measure"] == measure and len(plan["territories"]) == 4
    assert all(t["workload"] > 0 for t in plan["territories"])
    assert plan["balance"] is not None and plan["balance"] >= 1


def test_locked_cells_stay_in_their_territory(engine, enriched):
    first = territories.design_plan(engine, k=3, measure="customers")
    cells = cells_of(engine, first["plan_id"])
    ids = [t["territory_id"] for t in first["territories"]]
    # lock two cells of territory 0 into territory 2 and one of territory 1 into 0
    by_index = {i: sorted(c for c, t in cells.items() if t == tid) for i, tid in enumerate(ids)}
    locked = {h3.int_to_str(by_index[0][0]): 2, str(by_index[1][-1]): 0}
    plan = territories.design_plan(engine, k=3, measure="customers", locked_cells=locked)
    after = cells_of(engine, plan["plan_id"])
    new_ids = [t["territory_id"] for t in plan["territories"]]
    assert after[by_index[0][0]] == new_ids[2]
    assert after[by_index[1][-1]] == new_ids[0]
    with engine.connect() as conn:
        flagged = conn.execute(
            text("SELECT h3 FROM crm.territory_cells WHERE plan_id = :p AND locked"),
            {"p": plan["plan_id"]},
        ).scalars()
        assert set(flagged) == {by_index[0][0], by_index[1][-1]}


def test_bad_requests_are_refused(engine, enriched):
    with pytest.raises(InvalidInput, match="measure"):
        territories.design_plan(engine, k=3, measure="happiness")
    with pytest.raises(InvalidInput, match="k must be"):
        territories.design_plan(engine, k=1, measure="customers")
    with pytest.raises(InvalidInput, match="k must be between 2 and the number of cells"):
        territories.design_plan(engine, k=100_000, measure="customers")
    with pytest.raises(InvalidInput, match="res"):
        territories.design_plan(engine, k=3, measure="customers", res=14)
    with pytest.raises(InvalidInput, match="not an H3 cell"):
        territories.design_plan(engine, k=3, measure="customers", locked_cells={"zz": 0})


def test_plans_keep_strong_bonds_where_they_can_and_say_how_many_they_break(engine, enriched):
    """Reps are matched to territories keeping the most strong rep-customer bonds (the rep
    already owns those customers); the plan reports the bonds it breaks."""
    plan = territories.design_plan(engine, k=3, measure="customers")
    stats = plan["stats"]
    assert stats["strong_bonds"] > 0
    assert stats["bonds_kept"] + stats["bonds_broken"] == stats["strong_bonds"]
    with engine.connect() as conn:
        cells = cells_of(engine, plan["plan_id"])
        area = territories.load_area(conn, plan["res"], list(cells))
        reps = territories.rep_bases(conn)
    ids = [t["territory_id"] for t in plan["territories"]]
    labels = np.array([ids.index(cells[int(c)]) for c in area.cells])
    by_distance = territories.match_reps(replace(area, bonds={}), labels, reps, len(ids))
    kept_by_distance = area.kept_bonds(labels, [o["rep_id"] for o in by_distance]).sum()
    assert stats["bonds_kept"] >= kept_by_distance


def test_travel_time_from_the_reps_base_is_on_the_street_network(engine, enriched):
    plan = territories.design_plan(engine, k=3, measure="customers")
    assert plan["stats"]["travel_time"] == territories.NETWORK_TRAVEL_METHOD
    minutes = [t["rep_mean_travel_minutes"] for t in plan["territories"]]
    assert all(m is not None and 0 < m < 30 for m in minutes), minutes  # a small city centre
    # the network goes around blocks: never faster than a straight line at 50 km/h
    for t in plan["territories"]:
        assert t["rep_mean_travel_minutes"] >= t["rep_mean_distance_km"] / 50 * 60 * 0.9


def _objective(area, measure, labels, owners, travel) -> float:
    """Workload-weighted travel minutes from each territory's rep plus BOND_MINUTES per
    strong bond broken (a constant apart), computed here from the parts."""
    work = area.workload(measure)
    rows = np.arange(len(area.cells))
    seeds = [int(np.flatnonzero(labels == t)[0]) for t in range(len(owners))]
    cost = territories.travel_cost(area, seeds, owners, travel)[rows, labels]
    kept = area.kept_bonds(labels, [o["rep_id"] if o else None for o in owners]).sum()
    return float((work * cost).sum()) - territories.BOND_MINUTES * float(kept)


@pytest.mark.parametrize("k", [3, 5])
def test_design_weighs_travel_time_and_bonds_at_least_as_well_as_distance_alone(
    engine, enriched, k
):
    """With objectives the design (grown by road travel time from the reps' bases, bonds
    first, then polished) never costs more travel + broken bonds than growth by distance
    alone, within the same balance target."""
    travel = territories.network_travel(engine)
    with engine.connect() as conn:
        area = territories.load_area(conn, 10)
        reps = territories.rep_bases(conn)
    base, base_owners = territories.design(area, "customers", k, reps, objectives=False)
    best, owners = territories.design(area, "customers", k, reps, travel=travel)
    work = area.workload("customers")
    balance = territories.balance(np.bincount(best.labels, weights=work, minlength=k))
    base_balance = territories.balance(np.bincount(base.labels, weights=work, minlength=k))
    assert balance <= max(territories.TARGET_BALANCE, base_balance)
    assert territories.is_contiguous(area.cells.tolist(), best.labels)
    assert _objective(area, "customers", best.labels, owners, travel) <= _objective(
        area, "customers", base.labels, base_owners, travel
    )


def test_a_redesign_is_the_next_version_and_keeps_locked_territories_and_cells(
    api, engine, enriched
):
    first = territories.design_plan(engine, k=3, measure="customers", name="North")
    by_id = {t["territory_id"]: t for t in first["territories"]}
    keep, other = list(by_id)[1], list(by_id)[2]
    cells = cells_of(engine, first["plan_id"])
    locked_cell = next(c for c, t in cells.items() if t == other)
    with engine.begin() as conn:  # a manager locked a territory and one cell of another
        conn.execute(
            text("UPDATE crm.territories SET locked = true WHERE territory_id = :t"), {"t": keep}
        )
        conn.execute(
            text("UPDATE crm.territory_cells SET locked = true WHERE plan_id = :p AND h3 = :h"),
            {"p": first["plan_id"], "h": locked_cell},
        )
    r = api.post(
        "/api/territory-plans",
        json={"k": 4, "measure": "visits", "based_on": first["plan_id"]},
    )
    assert r.status_code == 201, r.text
    second = r.json()
    assert (second["version"], second["based_on"], second["name"]) == (2, first["plan_id"], "North")
    assert second["status"] == "draft" and second["contiguous"]
    new_cells = cells_of(engine, second["plan_id"])
    kept = [t for t in second["territories"] if t["locked"]]
    assert len(kept) == 1
    assert (kept[0]["name"], kept[0]["rep_id"]) == (by_id[keep]["name"], by_id[keep]["rep_id"])
    with engine.connect() as conn:  # it continues the territory it keeps (comparisons)
        continues = conn.execute(
            text("SELECT based_on FROM crm.territories WHERE territory_id = :t"),
            {"t": kept[0]["territory_id"]},
        ).scalar()
    assert continues == keep
    assert {c for c, t in new_cells.items() if t == kept[0]["territory_id"]} == {
        c for c, t in cells.items() if t == keep
    }
    # the locked cell stays locked, with the cells of its old territory's successor
    assert h3.int_to_str(locked_cell) in {
        c for t in second["territories"] for c in t["locked_cells"]
    }
    # a base plan with more territories holding locks than k is refused
    too_few = api.post(
        "/api/territory-plans", json={"k": 2, "measure": "visits", "based_on": second["plan_id"]}
    )
    assert too_few.status_code == 201  # 2 territories hold locks: k = 2 is enough
    refused = api.post(
        "/api/territory-plans", json={"k": 3, "measure": "visits", "based_on": 10**12}
    )
    assert refused.status_code == 404
    other_res = api.post(
        "/api/territory-plans",
        json={"k": 3, "measure": "visits", "based_on": first["plan_id"], "res": 8},
    )
    assert other_res.status_code == 422 and "resolution" in other_res.json()["detail"]


def test_a_plan_can_cover_a_drawn_boundary_or_a_saved_zone(api, engine, enriched):
    """Only the cells whose centre lies inside the area (plus gap cells) are designed; the
    area is kept with the plan and reused by its redesign."""
    with engine.connect() as conn:
        stats = territories.cell_stats(conn, RES)
    lons, lats = zip(*(h3.cell_to_latlng(h3.int_to_str(c))[::-1] for c in stats), strict=True)
    west = float(np.median(lons))  # the western half of the cells with customers
    box = shapely.box(min(lons) - 0.01, min(lats) - 0.01, west, max(lats) + 0.01)
    inside = {
        c for c in stats if box.contains(shapely.Point(h3.cell_to_latlng(h3.int_to_str(c))[::-1]))
    }
    r = api.post(
        "/api/territory-plans",
        json={"k": 2, "measure": "customers", "boundary": shapely.geometry.mapping(box)},
    )
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["area_label"] == "drawn boundary"
    assert shape(plan["area"]).hausdorff_distance(box) < 1e-6
    cells = cells_of(engine, plan["plan_id"])
    assert {c for c in cells if c in stats} == inside  # the rest are gap cells
    assert sum(t["customers"] for t in plan["territories"]) == sum(stats[c][0] for c in inside)
    # its redesign stays within the same area
    again = territories.design_plan(engine, k=2, measure="visits", based_on=plan["plan_id"])
    assert again["area_label"] == "drawn boundary"
    assert {c for c in cells_of(engine, again["plan_id"]) if c in stats} == inside
    # a saved zone by name
    zone = zones.create_zone(
        engine, name="West side", kind="polygon", geometry=shapely.geometry.mapping(box)
    )
    try:
        by_zone = territories.design_plan(engine, k=2, measure="customers", zone="West side")
    finally:  # the zone tests expect only their own zones
        zones.delete_zone(engine, zone["id"])
    assert by_zone["area_label"] == "target zone West side"
    assert {c for c in cells_of(engine, by_zone["plan_id"]) if c in stats} == inside
    # bad areas
    nowhere = shapely.box(0, 0, 0.01, 0.01)
    r = api.post(
        "/api/territory-plans",
        json={"k": 2, "measure": "customers", "boundary": shapely.geometry.mapping(nowhere)},
    )
    assert r.status_code == 422 and "inside the area" in r.json()["detail"]
    r = api.post(
        "/api/territory-plans",
        json={"k": 2, "measure": "customers", "boundary": {"type": "Point", "coordinates": [0, 0]}},
    )
    assert r.status_code == 422
    r = api.post("/api/territory-plans", json={"k": 2, "measure": "customers", "zone": "nope"})
    assert r.status_code == 404
