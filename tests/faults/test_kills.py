"""kill -9 at every step of a change (import, pin, publish, cube build), then the recovery
(`geocrm cube refresh`, or the server's start): 0 rows lost or duplicated, the hex cube
counts every customer once, one active plan, and no job says "succeeded" unfinished."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geocrm import hexgrid, pipeline, territories
from geocrm.api.app import create_app
from geocrm.cli import main
from geocrm.cube import last_build
from geocrm.db.status import pending_work
from geocrm.ingest import job_status
from tests.conftest import DEMO_CUSTOMERS, DEMO_SEED
from tests.faults.conftest import active_plans, assert_consistent, kill_at, write_customers

ROWS = 600


@pytest.fixture
def own(engine, built):
    """Customers T-kill-* that a test imports: removed afterwards, the cube caught up."""
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.customers WHERE external_id LIKE 'T-kill-%'"))
    pipeline.recover(engine)
    assert_consistent(engine)


def _count(engine, prefix: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM crm.customers WHERE external_id LIKE :p"),
            {"p": prefix + "%"},
        ).scalar()


def _last_job(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT max(import_id) FROM crm.import_jobs")).scalar()


@pytest.mark.parametrize("point", ["reading", "merging"])
def test_an_import_killed_before_its_commit_keeps_nothing_and_a_rerun_completes_it(
    engine, database_url, own, tmp_path, point
):
    path = write_customers(tmp_path / "customers.csv", f"T-kill-{point}-", ROWS)
    kill_at(engine, database_url, point, "import", "customers", str(path))
    import_id = _last_job(engine)
    assert _count(engine, f"T-kill-{point}-") == 0
    job = job_status(engine, import_id)
    assert job["status"] == "failed" and "nothing of it was kept" in job["error"]

    recovered = pipeline.recover(engine)
    assert recovered.failed_jobs >= 1 and import_id not in recovered.finished_jobs
    job = job_status(engine, import_id)
    assert job["status"] == "failed" and job["finished_at"] is not None  # recorded for good
    assert_consistent(engine)

    first = pipeline.import_customers(engine, path, progress=False)
    assert (first.inserted, first.rejected) == (ROWS, 0)
    again = pipeline.import_customers(engine, path, progress=False)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, ROWS)
    assert _count(engine, f"T-kill-{point}-") == ROWS
    assert job_status(engine, again.import_id)["status"] == "succeeded"
    assert_consistent(engine)


@pytest.mark.parametrize("point", ["after-change", "enriching", "refreshing"])
def test_an_import_killed_after_its_commit_is_finished_by_cube_refresh(
    engine, database_url, own, tmp_path, point, use_database, capsys
):
    path = write_customers(tmp_path / "customers.csv", f"T-kill-{point}-", ROWS)
    kill_at(engine, database_url, point, "import", "customers", str(path))
    import_id = _last_job(engine)
    assert _count(engine, f"T-kill-{point}-") == ROWS  # committed: kept
    job = job_status(engine, import_id)
    assert (job["status"], job["inserted"], job["finished_at"]) == ("interrupted", ROWS, None)
    pending = pending_work(engine)
    assert pending["stale"] is True
    if point == "after-change":  # the case: nothing enriched, nothing queued yet
        assert pending["pending_customers"] == ROWS
    else:  # enriched (their cells queued by the triggers), the refresh rolled back
        assert pending["pending_customers"] == 0 and pending["pending_cells"] > 0

    assert main(["cube", "refresh"]) == 0
    out = capsys.readouterr().out
    assert f"finished interrupted import(s) #{import_id}" in out, out
    job = job_status(engine, import_id)
    assert job["status"] == "succeeded" and job["finished_at"] is not None
    assert_consistent(engine)
    again = pipeline.import_customers(engine, path, progress=False)
    assert (again.inserted, again.unchanged) == (0, ROWS)  # nothing lost, nothing doubled


def test_a_pin_killed_before_its_enrichment_is_enriched_where_it_now_is(
    engine, database_url, own, tmp_path
):
    path = write_customers(tmp_path / "customers.csv", "T-kill-pin-", 3)
    pipeline.import_customers(engine, path, progress=False)
    kill_at(
        engine, database_url, "after-change",
        "customers", "pin", "T-kill-pin-1", "--lat", "60.1699", "--lon", "24.9384",
    )  # fmt: skip
    assert pending_work(engine)["pending_customers"] == 1  # moved: its enrichment dropped
    pipeline.recover(engine)
    with engine.connect() as conn:
        cell = conn.execute(
            text(
                "SELECT e.h3_11 FROM crm.customers c JOIN crm.customer_enrichment e "
                "USING (customer_id) WHERE external_id = 'T-kill-pin-1'"
            )
        ).scalar_one()
    assert cell == hexgrid.latlng_to_cells(np.array([60.1699]), np.array([24.9384]))[0]
    assert_consistent(engine)


def test_a_cube_build_killed_half_way_leaves_the_cube_it_replaced(engine, database_url, built):
    pipeline.recover(engine)
    before = last_build(engine)
    kill_at(engine, database_url, "cube-build", "cube", "build")
    assert last_build(engine) == before  # rolled back: the previous cube, still whole
    assert_consistent(engine)


@pytest.fixture
def plans(engine, built):
    """Territory plans of the test: the customers' territories and reps, and the active
    plan, restored after."""
    with engine.connect() as conn:
        saved = conn.execute(
            text("SELECT customer_id, territory_id, assigned_rep_id FROM crm.customers")
        ).all()
        before = set(active_plans(engine))
    yield
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE crm.customers c SET territory_id = s.t, assigned_rep_id = s.r "
                "FROM unnest(CAST(:ids AS bigint[]), CAST(:ts AS bigint[]), "
                "CAST(:rs AS integer[])) s (id, t, r) WHERE c.customer_id = s.id"
            ),
            {
                "ids": [r[0] for r in saved],
                "ts": [r[1] for r in saved],
                "rs": [r[2] for r in saved],
            },
        )
        conn.execute(
            text(
                "UPDATE crm.territory_plans SET active = false, status = 'archived' "
                "WHERE active AND NOT plan_id = ANY (:keep)"
            ),
            {"keep": list(before)},
        )
        conn.execute(  # the plan active before the test (if any) rules again
            text(
                "UPDATE crm.territory_plans SET active = true, status = 'published' "
                "WHERE plan_id = ANY (:keep)"
            ),
            {"keep": list(before)},
        )
    pipeline.recover(engine)
    assert_consistent(engine)


def test_a_publish_killed_in_its_transaction_or_after_it_leaves_one_active_plan(
    engine, database_url, plans
):
    first = territories.design_plan(engine, k=2, measure="customers", name="T-kill first")
    pipeline.publish_plan(engine, first["plan_id"])
    second = territories.design_plan(engine, k=3, measure="customers", name="T-kill second")

    kill_at(engine, database_url, "publishing", "territories", "publish", str(second["plan_id"]))
    assert active_plans(engine) == [first["plan_id"]]  # rolled back: the first one still rules
    assert territories.get_plan(engine, second["plan_id"])["status"] == "draft"
    assert_consistent(engine)

    kill_at(engine, database_url, "after-change", "territories", "publish", str(second["plan_id"]))
    assert active_plans(engine) == [second["plan_id"]]  # committed: the second one rules
    assert pending_work(engine)["pending_cells"] > 0  # its cells queued in the same commit
    pipeline.recover(engine)
    assert_consistent(engine)  # the cube counts every customer in its new territory


def test_the_server_start_finishes_the_work_once_whoever_starts_first(
    engine, app_engine, database_url, own, tmp_path
):
    path = write_customers(tmp_path / "customers.csv", "T-kill-start-", ROWS)
    kill_at(engine, database_url, "after-change", "import", "customers", str(path))
    import_id = _last_job(engine)
    assert pending_work(engine)["pending_customers"] == ROWS

    # another worker holds the recovery's lock: this one does not wait, nor do the work
    with engine.connect() as other:
        assert other.execute(text("SELECT pg_try_advisory_lock(727015)")).scalar()
        with TestClient(create_app(app_engine)) as client:
            client.app.state.recovery.join(timeout=60)
            assert not client.app.state.recovery.is_alive()
            assert client.app.state.recovery_report.ran is False
            cube = client.get("/health").json()["cube"]
            assert cube["stale"] is True and cube["pending_customers"] == ROWS
        other.execute(text("SELECT pg_advisory_unlock(727015)"))

    with TestClient(create_app(app_engine)) as client:  # the next start does it
        client.app.state.recovery.join(timeout=120)
        report = client.app.state.recovery_report
        assert report.ran and report.fresh.enriched == ROWS
        assert import_id in report.finished_jobs
        cube = client.get("/health").json()["cube"]
        assert cube == {"built": True, "stale": False, "pending_cells": 0, "pending_customers": 0}
    assert job_status(engine, import_id)["status"] == "succeeded"
    assert_consistent(engine)


def test_the_recovery_leaves_a_job_alone_while_its_process_lives(engine, built):
    with engine.begin() as conn:
        import_id = conn.execute(
            text(
                "INSERT INTO crm.import_jobs (source_name, file_format, status, phase) "
                "VALUES ('live.csv', 'csv', 'running', 'updating the hex cube') "
                "RETURNING import_id"
            )
        ).scalar_one()
    with engine.connect() as owner:  # the process running it: holds its lock
        owner.execute(text("SELECT pg_advisory_lock(727014, :id)"), {"id": import_id})
        assert job_status(engine, import_id)["status"] == "running"
        assert import_id not in pipeline.recover(engine).finished_jobs
        assert job_status(engine, import_id)["status"] == "running"
        owner.execute(text("SELECT pg_advisory_unlock(727014, :id)"), {"id": import_id})
    assert job_status(engine, import_id)["status"] == "interrupted"  # it died after its commit
    assert import_id in pipeline.recover(engine).finished_jobs
    assert job_status(engine, import_id)["status"] == "succeeded"


def test_demo_data_killed_before_its_enrichment_is_finished_by_the_recovery(
    engine, database_url, built, demo
):
    # the same demo again (same seed and size: identical customers), as tests/demo does
    args = ("demo-data", "--customers", str(DEMO_CUSTOMERS), "--seed", str(DEMO_SEED))
    kill_at(engine, database_url, "after-change", *args, "--out", str(demo.import_file), "--force")
    import_id = _last_job(engine)
    job = job_status(engine, import_id)
    assert (job["status"], job["finished_at"]) == ("interrupted", None)
    assert pending_work(engine)["pending_customers"] > 0
    assert import_id in pipeline.recover(engine).finished_jobs
    assert job_status(engine, import_id)["status"] == "succeeded"
    assert_consistent(engine)
