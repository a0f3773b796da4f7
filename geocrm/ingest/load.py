"""The import itself: stage with COPY, validate in one SQL pass, quarantine, merge, geocode.

See ``geocrm.ingest`` for the guarantees (one transaction, progress visible while running).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from tqdm import tqdm

from geocrm.db import bulk_transaction, query, sql_file
from geocrm.db.extent import margin_m
from geocrm.errors import GeoCrmError, InvalidInput
from geocrm.freshness import FreshnessReport
from geocrm.geocode import cached_geocoder
from geocrm.ingest.columns import FIELDS
from geocrm.ingest.files import new_private_file
from geocrm.ingest.jobs import JobProgress, create_job, job_error
from geocrm.ingest.limits import screen_row
from geocrm.ingest.nearest import NearestAddress
from geocrm.ingest.readers import BATCH_ROWS, Row, open_customer_file
from geocrm.pause import pause_at

#: The job phase after the import committed, while the enrichment and the cube catch up
#: (spatial_sql/queries/ingest/job_status.sql knows it: the import itself is kept).
CUBE_PHASE = "updating the hex cube"


@dataclass
class ImportReport:
    """The summary of one import."""

    import_id: int
    source: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    geocoded: int
    not_geocoded: int
    rejects_file: Path | None
    seconds: dict[str, float] = field(default_factory=dict)
    cube: FreshnessReport | None = None
    #: rows kept but flagged outside_city (outside the loaded cities and the margin)
    outside_city: int = 0
    #: the job's tracker, left open (the job owned) by ``finish=False`` until ``finish_job``
    job: JobProgress | None = field(default=None, repr=False, compare=False)

    def job_summary(self) -> dict[str, object]:
        """The counts and the rejects report, as the job's row keeps them."""
        counts = ("inserted", "updated", "unchanged", "rejected", "geocoded", "not_geocoded")
        rejects_file = str(self.rejects_file) if self.rejects_file else None
        return {**{k: getattr(self, k) for k in counts}, "rejects_file": rejects_file}


def _batched(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def import_customers(
    engine: Engine,
    path: Path,
    *,
    column_map: dict[str, str] | None = None,
    import_id: int | None = None,
    source: str = "import",
    file_format: str | None = None,
    source_name: str | None = None,
    progress: bool = True,
    finish: bool = True,
) -> ImportReport:
    """Import a customer file; see the module docstring for the guarantees.

    Parameters
    ----------
    engine : the database.
    path : CSV, GeoPackage, GeoParquet or GeoJSON file.
    column_map : source column -> customer field, for columns not named like the fields.
    import_id : an already created job (the API creates it to answer at once).
    source : label written on new customers (``import``; the demo uses ``demo``).
    file_format : force a format instead of the file extension.
    source_name : the name to show for the file (the upload's name for API imports).
    progress : show a progress bar.
    finish : mark the job succeeded at the end; ``False`` leaves it running in phase
        ``updating the hex cube`` (and owned by this process: ``report.job``), for
        ``geocrm.pipeline`` to finish once the cube caught up (``finish_job``), or to leave
        ``interrupted`` if it could not (``interrupt_job``).
    """
    column_map = column_map or {}
    source_name = source_name or Path(path).name
    try:
        fmt, columns, rows = open_customer_file(path, column_map, file_format, source_name)
    except GeoCrmError as exc:
        if import_id is not None:  # a job the API already announced: record why it failed
            failed = JobProgress(engine, import_id)
            failed.update(status="failed", error=job_error(exc), finished_at=_now())
            failed.close()
        raise
    if import_id is None:
        import_id = create_job(engine, source_name, fmt, column_map)
    tracker = JobProgress(engine, import_id)
    try:
        report = _run_import(
            engine,
            import_id,
            source_name,
            columns,
            rows,
            source,
            tracker,
            progress,
        )
    except BaseException as exc:
        refused = _refused_value(exc)
        tracker.update(
            status="failed",
            phase=None,
            error=job_error(refused or exc),
            finished_at=_now(),
        )
        tracker.close()
        if refused is not None:
            raise refused from exc
        raise
    if finish:
        _succeeded(tracker, report)
        tracker.close()
    else:  # the job's row says CUBE_PHASE already (committed with the customers)
        report.job = tracker
    return report


def finish_job(engine: Engine, report: ImportReport) -> None:
    """Mark an import left running (``finish=False``) succeeded, with its counts and
    rejects report, and let go of it."""
    tracker = report.job or JobProgress(engine, report.import_id)
    _succeeded(tracker, report)
    tracker.close()
    report.job = None


def interrupt_job(engine: Engine, report: ImportReport, reason: str | None = None) -> None:
    """Leave an import left running (``finish=False``) ``interrupted``: kept, its enrichment
    or cube refresh unfinished (``reason``); the recovery finishes it
    (``geocrm.pipeline.recover``). Without a reason the job is only let go of, which reads
    the same."""
    tracker = report.job or JobProgress(engine, report.import_id)
    if reason is not None:
        tracker.update(status="interrupted", phase=CUBE_PHASE, error=reason[:2000])
    tracker.close()
    report.job = None


def _succeeded(tracker: JobProgress, report: ImportReport) -> None:
    tracker.update(status="succeeded", phase=None, finished_at=_now(), **report.job_summary())


def _now() -> datetime:
    return datetime.now(UTC)


def _run_import(
    engine, import_id, source_name, columns, rows, source, tracker, progress
) -> ImportReport:
    order = [columns.get(f) for f in FIELDS]
    seconds: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(phase: str) -> None:
        now = time.perf_counter()
        seconds[phase] = now - clock[0]
        clock[0] = now

    bar = tqdm(desc=f"importing {source_name}", unit=" rows", disable=not progress)
    with bulk_transaction(engine) as conn:
        driver = conn.connection.driver_connection
        # one import at a time: concurrent upserts of the same customers would deadlock
        conn.execute(query("customers/lock_for_bulk_update"))
        tracker.update(status="running", phase="reading", backend_pid=driver.info.backend_pid)
        driver.execute(sql_file("queries/ingest/staging.sql"))
        nearest = NearestAddress(conn)
        lon_at, lat_at = columns.get("lon"), columns.get("lat")
        lon_i, lat_i = FIELDS.index("lon"), FIELDS.index("lat")
        count = 0
        with (
            driver.cursor() as cur,
            cur.copy(
                "COPY stage_import (line, parse_problem, "
                + ", ".join(FIELDS)
                + ", nearest_address) FROM STDIN"
            ) as copy,
        ):
            for read in _batched(rows, BATCH_ROWS):
                # each row's fields in FIELDS order, checked against the limits of a field
                batch = [
                    (line, *screen_row([None if i is None else fields[i] for i in order], problem))
                    for line, problem, fields in read
                ]
                if lon_at is not None and lat_at is not None:
                    labels = nearest.lookup(
                        [r[2][lon_i] for r in batch], [r[2][lat_i] for r in batch]
                    )
                else:
                    labels = [None] * len(batch)
                for (line, problem, values), label in zip(batch, labels, strict=True):
                    copy.write_row([line, problem, *values, label])
                count += len(batch)
                bar.update(len(batch))
                tracker.update(rows_read=count)
                pause_at("reading")
        bar.close()
        tracker.update(rows_read=count, phase="validating")
        lap("reading")
        driver.execute(sql_file("queries/ingest/validate.sql"))
        driver.execute("ANALYZE stage_checked")
        rejected = conn.execute(query("ingest/quarantine"), {"import_id": import_id}).rowcount
        lap("validating")
        tracker.update(phase="merging")
        has = {f"has_{f}": f in columns for f in FIELDS}
        has["has_coordinates"] = "lat" in columns and "lon" in columns
        conn.execute(
            query("ingest/resolve"), {**has, "region": _region(conn), "margin_m": margin_m()}
        )
        conn.execute(text("ANALYZE stage_final"))
        outside = conn.execute(query("ingest/count_outside_city")).scalar_one()
        written = {"import_id": import_id, "source": source}
        updated = conn.execute(query("ingest/update_changed"), written).rowcount
        inserted = conn.execute(query("ingest/insert_new"), written).rowcount
        pause_at("merging")
        lap("merging")
        tracker.update(phase="geocoding")
        geocoded, not_geocoded = _geocode_new(conn, progress)
        lap("geocoding")
        rejects_file = _write_rejects(conn, import_id) if rejected else None
        tracker.update(phase="committing")
        valid = count - rejected
        report = ImportReport(
            import_id,
            source_name,
            count,
            inserted,
            updated,
            valid - inserted - updated,
            rejected,
            geocoded,
            not_geocoded,
            rejects_file,
            seconds,
            outside_city=outside,
        )
        # last write of the job's row before the commit (the tracker's next one waits for it)
        committed = {"import_id": import_id, **report.job_summary()}
        conn.execute(query("ingest/job_committed"), committed)
    lap("committing")
    return report


def _region(conn: Connection) -> str:
    city = conn.execute(query("dataset_by_name"), {"name": None}).first()
    return city.name if city else "default"


def _geocode_new(conn: Connection, progress: bool) -> tuple[int, int]:
    """Geocode the customers that have only an address; (placed, not placed)."""
    todo = conn.execute(query("ingest/to_geocode")).all()
    if not todo:
        return 0, 0
    results = cached_geocoder(conn.engine).geocode_many(
        [r.address for r in todo], postcodes=[r.postcode for r in todo], progress=progress
    )
    write_geocodes(conn, [r.customer_id for r in todo], results)
    placed = sum(r.match_level != "none" for r in results)
    return placed, len(results) - placed


def write_geocodes(conn: Connection, customer_ids: Sequence[int], results: Sequence) -> None:
    """Write geocoder results onto customers (manual pins are never overwritten)."""
    driver = conn.connection.driver_connection
    driver.execute(
        "CREATE TEMP TABLE IF NOT EXISTS geocode_results (customer_id bigint, "
        "lat float8, lon float8, match_level text, confidence real, "
        "matched_address text) ON COMMIT DROP"
    )
    driver.execute("TRUNCATE geocode_results")
    with driver.cursor() as cur, cur.copy("COPY geocode_results FROM STDIN") as copy:
        for cid, res in zip(customer_ids, results, strict=True):
            copy.write_row(
                [cid, res.lat, res.lon, res.match_level, res.confidence, res.matched_address]
            )
    conn.execute(query("ingest/apply_geocodes"), {"margin_m": margin_m()})


def _write_rejects(conn: Connection, import_id: int) -> Path:
    """The rejects report of a new import: under GEOCRM_HOME, a name of its own, 0600."""
    out, fh = new_private_file("rejects", prefix=f"import-{import_id}-", suffix="-rejects.csv")
    fh.close()
    write_rejects_report(conn, import_id, out)
    return out


def _refused_value(exc: BaseException) -> InvalidInput | None:
    """A value the database refused (beyond a limit of its own, or not valid for its type)
    said as ``InvalidInput``, never as "database unavailable". The checks of
    ``geocrm.ingest.limits`` keep such values out; this is the net under them."""
    sqlstate = getattr(getattr(exc, "orig", exc), "sqlstate", None) or ""
    if sqlstate[:2] not in ("22", "54"):  # data exception, program limit exceeded
        return None
    lines = str(getattr(exc, "orig", exc)).strip().splitlines()
    said = lines[0] if lines else sqlstate
    return InvalidInput(
        f"a value of the file is more than the database can hold ({said}); "
        "nothing of the file was imported"
    )


def write_rejects_report(conn: Connection, import_id: int, out: Path) -> None:
    """Write the rejects report of an import (line, external id, reason, row) to ``out``,
    as its rows are now (``customers forget`` rewrites it without a forgotten person)."""
    driver = conn.connection.driver_connection
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # personal data: 0600
    with (
        os.fdopen(fd, "wb") as fh,
        driver.cursor() as cur,
        cur.copy(sql_file("queries/ingest/rejects_report.sql"), {"import_id": import_id}) as copy,
    ):
        for chunk in copy:
            fh.write(chunk)
