"""Saved plans: publishing writes territory and rep onto the customers, one active plan at
a time, and the map draws a plan's territories."""

from __future__ import annotations

import threading
import time

import h3
import mapbox_vector_tile
import pytest
from sqlalchemy import text

from geocrm import pipeline, territories
from geocrm.errors import Conflict
from geocrm.tiles import tile_xy
from tests.territories.facts import (
    cell_per_customer,
    cells_of,
)


def test_publishing_writes_territory_and_rep_onto_exactly_its_customers(engine, enriched):
    old = territories.design_plan(engine, k=2, measure="customers")
    pipeline.publish_plan(engine, old["plan_id"])
    plan = territories.design_plan(engine, k=3, measure="mix", name="spring")
    published = pipeline.publish_plan(engine, plan["plan_id"])
    assert published["status"] == "published" and published["active"] is True
    cells = cells_of(engine, plan["plan_id"])
    reps = {t["territory_id"]: t["rep_id"] for t in plan["territories"]}
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT customer_id, territory_id, assigned_rep_id FROM crm.customers c "
                "JOIN crm.customer_enrichment USING (customer_id)"
            )
        ).all()
        statuses = dict(conn.execute(text("SELECT plan_id, status FROM crm.territory_plans")).all())
    customer_cells = cell_per_customer(engine)
    for customer_id, territory_id, rep_id in rows:
        expected = cells[customer_cells[customer_id]]
        assert territory_id == expected
        assert rep_id == reps[expected]
    assert statuses[old["plan_id"]] == "archived"
    assert statuses[plan["plan_id"]] == "published"
    # published plans are read-only, in the code and in the database
    with pytest.raises(Conflict):
        pipeline.publish_plan(engine, plan["plan_id"])
    with pytest.raises(Conflict):
        territories.move_cells(engine, plan["plan_id"], [next(iter(cells))], locked=True)
    with pytest.raises(Exception, match="read-only"), engine.begin() as conn:
        conn.execute(
            text("UPDATE crm.territory_cells SET locked = true WHERE plan_id = :p"),
            {"p": plan["plan_id"]},
        )


def test_the_territories_layer_draws_each_territory_of_a_plan(api, engine):
    """The map layer: one polygon per territory of the plan, with its rep and workload,
    covering exactly the plan's cells."""
    plan = territories.design_plan(engine, k=3, measure="customers")
    cells = cells_of(engine, plan["plan_id"])
    lat, lon = h3.cell_to_latlng(h3.int_to_str(next(iter(cells))))
    z = 12
    x, y = tile_xy(lon, lat, z)
    r = api.get(f"/tiles/territories/{z}/{x}/{y}.mvt?plan_id={plan['plan_id']}")
    assert r.status_code == 200
    features = mapbox_vector_tile.decode(r.content)["territories"]["features"]
    by_id = {t["territory_id"]: t for t in plan["territories"]}
    assert {f["id"] for f in features} == set(by_id)
    for f in features:
        expected = by_id[f["id"]]
        assert f["properties"]["rep_id"] == expected["rep_id"]
        assert f["properties"]["workload"] == pytest.approx(expected["workload"])
    for unknown in ("999999", "99999999999999999999", "-1", "x"):
        bad = api.get(f"/tiles/territories/{z}/{x}/{y}.mvt?plan_id={unknown}")
        assert bad.status_code == 422 and "unknown plan_id" in bad.json()["detail"]


def test_two_plans_published_at_once_one_wins_the_other_gets_a_409(engine, enriched):
    """Two managers publish different drafts at the same moment: exactly one becomes the
    active plan, the other gets a Conflict and stays a draft.

    Deterministic: the test holds the row of the active plan (which every publish archives)
    until both publishes wait for it, then lets go; the first to get it publishes, and the
    second then finds another plan active (the one-active-plan index) -> Conflict."""
    pipeline.publish_plan(
        engine, territories.design_plan(engine, k=2, measure="customers")["plan_id"]
    )
    drafts = [
        territories.design_plan(engine, k=3, measure="customers")["plan_id"] for _ in range(2)
    ]
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def publish(plan_id: int) -> None:
        barrier.wait()
        try:
            pipeline.publish_plan(engine, plan_id)
            outcomes[plan_id] = "published"
        except Conflict:
            outcomes[plan_id] = "conflict"

    with engine.connect() as holder:
        holder.execute(text("SELECT plan_id FROM crm.territory_plans WHERE active FOR UPDATE"))
        threads = [threading.Thread(target=publish, args=(p,)) for p in drafts]
        for t in threads:
            t.start()
        waiting = 0
        with engine.connect() as watcher:
            for _ in range(400):  # until both publishes wait (on the row or on each other)
                waiting = watcher.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                        "current_database() AND cardinality(pg_blocking_pids(pid)) > 0"
                    )
                ).scalar_one()
                watcher.rollback()
                if waiting == 2:
                    break
                time.sleep(0.05)
        assert waiting == 2
        holder.commit()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes.values()) == ["conflict", "published"]
    with engine.connect() as conn:
        status = dict(
            conn.execute(
                text("SELECT plan_id, status FROM crm.territory_plans WHERE plan_id = ANY(:p)"),
                {"p": drafts},
            ).all()
        )
        active = (
            conn.execute(text("SELECT plan_id FROM crm.territory_plans WHERE active"))
            .scalars()
            .all()
        )
    winner = next(p for p, o in outcomes.items() if o == "published")
    loser = next(p for p, o in outcomes.items() if o == "conflict")
    assert active == [winner]
    assert status == {winner: "published", loser: "draft"}
