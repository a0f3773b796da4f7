"""An import killed half-way leaves the previous state, and running it again completes it."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time

from sqlalchemy import text

from geocrm.ingest import import_customers, job_status
from tests.ingest.customer_files import HEADER, STATION


def test_killing_an_import_keeps_the_previous_state_and_a_rerun_completes(
    engine, city, clean, tmp_path, database_url
):
    rows = 300_000
    path = tmp_path / "big.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow(
                [f"T-k{i}", f"Customer {i}", "person", "customer", "10", "0.1", *STATION]
            )
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM crm.customers")).scalar()
        last_job = conn.execute(
            text("SELECT coalesce(max(import_id), 0) FROM crm.import_jobs")
        ).scalar()
    env = {**os.environ, "DATABASE_URL": database_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "geocrm.cli", "import", "customers", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    job = None
    try:
        while time.monotonic() < deadline:  # kill it once it has staged part of the file
            with engine.connect() as conn:
                job = conn.execute(
                    text(
                        "SELECT import_id, rows_read FROM crm.import_jobs WHERE import_id > :j "
                        "AND status = 'running' AND rows_read > 0"
                    ),
                    {"j": last_job},
                ).first()
            if job or proc.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert job is not None, "the import finished before it could be killed"
    assert 0 < job.rows_read < rows
    time.sleep(0.5)  # the server notices the dropped connection and rolls back
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM crm.customers")).scalar() == before
    status = job_status(engine, job.import_id)
    assert status["status"] == "failed" and "interrupted" in status["error"]
    # (the enrichment of 300,000 customers and the hex cube are not what is tested here)
    report = import_customers(engine, path, progress=False)
    assert report.inserted == rows and report.rejected == 0
