"""Fault tests: GeoCRM killed with ``kill -9`` at its test-only pause points
(``geocrm.pause``), then recovered; and PostgreSQL stopped under requests."""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from geocrm.cube import build_cube
from geocrm.db.status import pending_work
from geocrm.pipeline import enrich_city

#: central Helsinki, well inside the loaded city
CENTRE = (24.935, 60.160, 24.955, 60.172)
#: a paused command that never reaches its point is killed after this long (a failure)
WATCHDOG_S = 180


@dataclass
class Killed:
    """A command killed at a pause point: what it printed before, its database sessions."""

    output: str
    application_name: str


def write_customers(path: Path, prefix: str, n: int, seed: int = 1) -> Path:
    """A CSV of ``n`` customers ``<prefix><i>`` at random points of the city centre."""
    rnd = random.Random(seed)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["external_id", "name", "stage", "annual_revenue", "lat", "lon"])
        for i in range(n):
            lon = rnd.uniform(CENTRE[0], CENTRE[2])
            lat = rnd.uniform(CENTRE[1], CENTRE[3])
            stage = ("customer", "prospect", "client")[i % 3]
            writer.writerow([f"{prefix}{i}", f"Customer {i}", stage, i % 500, lat, lon])
    return path


def kill_at(engine: Engine, database_url: str, point: str, *args: str) -> Killed:
    """Run ``geocrm ARGS`` until it reaches pause point ``point``, then ``kill -9`` it, and
    make sure PostgreSQL has ended its sessions (rolled back what it had not committed)."""
    app_name = f"geocrm-fault-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "GEOCRM_TEST_PAUSE_AT": point,
        "PGAPPNAME": app_name,
    }
    # progress bars and messages go to a file, shown if the command fails
    with tempfile.TemporaryFile("w+") as errors:
        output = _run_until(point, args, env, errors)
    # PostgreSQL notices the dropped connections by itself; make it certain, and wait for
    # the end of those sessions (their rollback, their locks released) before looking
    with engine.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid, 60000) FROM pg_stat_activity "
                "WHERE application_name = :name"
            ),
            {"name": app_name},
        )
    return Killed(output, app_name)


def _run_until(point: str, args: tuple[str, ...], env: dict, errors) -> str:
    """Start ``geocrm ARGS``, read its output until the pause line of ``point``, kill it;
    returns what it printed."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "geocrm.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
    )
    watchdog = threading.Timer(WATCHDOG_S, proc.kill)
    watchdog.start()
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # blocks until the command prints; no sleeps
            lines.append(line)
            if f"GEOCRM_TEST_PAUSED {point} " in line:
                break
        else:
            proc.wait()
            errors.seek(0)
            pytest.fail(
                f"geocrm {' '.join(args)} ended before {point}:\n{''.join(lines)}{errors.read()}"
            )
    finally:
        watchdog.cancel()
        proc.kill()  # SIGKILL: no handler, no cleanup, like a crash
        proc.wait()
    return "".join(lines)


def assert_consistent(engine: Engine) -> None:
    """Nothing pending, and the hex cube counts every placed customer exactly once, in the
    territory the customer has now."""
    with engine.connect() as conn:
        placed = conn.execute(
            text("SELECT count(*) FROM crm.customers WHERE geom IS NOT NULL AND NOT outside_city")
        ).scalar()
        enriched = conn.execute(text("SELECT count(*) FROM crm.customer_enrichment")).scalar()
        in_facts = conn.execute(
            text("SELECT coalesce(sum(customers + prospects), 0) FROM cube.facts")
        ).scalar()
        in_rollup = conn.execute(
            text("SELECT coalesce(sum(customers + prospects), 0) FROM cube.rollup WHERE res = 5")
        ).scalar()
        by_territory = conn.execute(
            text(
                "SELECT territory_id, count(*) FROM crm.customers "
                "JOIN crm.customer_enrichment USING (customer_id) GROUP BY 1 "
                "EXCEPT SELECT territory_id, sum(customers + prospects) FROM cube.facts "
                "GROUP BY 1"
            )
        ).all()
    assert placed == enriched == in_facts == in_rollup, (placed, enriched, in_facts, in_rollup)
    assert by_territory == []
    assert pending_work(engine) == {
        "built": True,
        "stale": False,
        "pending_cells": 0,
        "pending_customers": 0,
    }


def active_plans(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(
            conn.execute(text("SELECT plan_id FROM crm.territory_plans WHERE active")).scalars()
        )


@pytest.fixture(scope="module")
def built(engine, demo):
    """The demo customers enriched and the cube built, as a running installation has them."""
    enrich_city(engine, progress=False)
    build_cube(engine)
    yield
