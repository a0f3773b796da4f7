"""Orchestration above the stages: what follows a change, so that derived data stays fresh.

The stages (``osm``, ``geocode``, ``ingest``, ``enrich``, ``cube``, ``territories``, ...) do
one job each and never call back up; the front doors (CLI, API) call the functions here
when a change must ripple on:

* after an import, a manual pin, a re-geocoding, a demo-data run, a published territory
  plan or a forgotten customer (GDPR erasure), ``after_customer_change`` enriches the
  customers that need it (new or moved: they have no enrichment row) and refreshes the hex
  cube (the cells the triggers of ``cube.dirty_cells`` queued);
* at the end of ``geocrm enrich``, ``after_enrichment`` refreshes the cube, or rebuilds it
  when the city or network layers changed (then every customer and the cells' context
  changed).

The leads (``geocrm.prospecting.leads``, issue 16) follow the same events: an import (or a
demo-data run) removes the leads its customers now match; ``load_city`` rebuilds the leads
of a city it reloaded (once they were built); ``geocrm enrich``, when it recomputed the
stores' layers, rewrites the leads' stores, trade areas and footfall.

Both do nothing until the cube has been built once (``geocrm cube build`` stays explicit),
and neither ever raises: the change that called them is committed already, so a failure is
logged and reported, and the queued cells stay queued for the next refresh
(``geocrm cube refresh``).

**After a crash.** What the hooks have to do is durable: it is in the data that the change
committed, in the same transaction (customers without an enrichment row; cells that the
triggers queued in ``cube.dirty_cells``; an import job in phase ``updating the hex cube``).
A process killed anywhere after the commit therefore loses nothing: ``recover`` finds the
work and finishes it, then the jobs it belonged to. ``geocrm cube refresh`` runs it, and so
does the web server at start (``geocrm.api.app``), under an advisory lock that only one
process at a time gets (the others do not wait: the one that has it does the work).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from geocrm import cube, customers, demo, enrich, ingest, osm, territories, tiles
from geocrm.auth.principal import Principal
from geocrm.db import migrate as schema
from geocrm.db import query
from geocrm.db.scope import system_scope
from geocrm.freshness import FreshnessReport
from geocrm.pause import pause_at
from geocrm.prospecting import lead_actions, leads, lookalike, whitespace

logger = logging.getLogger("geocrm.pipeline")


def migrate(engine: Engine) -> schema.MigrationReport:
    """Bring the schema up to date: migrations, SQL functions, then the map layers' tile
    functions (which use them); safe to run any time."""
    return schema.migrate(engine, extra_functions=tiles.tile_function_sql())


# --------------------------------------------------------------------------- changes


def import_customers(engine: Engine, path: Path, **options: Any) -> ingest.ImportReport:
    """Import a customer file (``ingest.import_customers`` and its options), then enrich the
    new and moved customers and refresh the cube; the job reads ``updating the hex cube``
    meanwhile and succeeds once the cube caught up (or failed to, which it reports)."""
    report = ingest.import_customers(engine, path, finish=False, **options)
    report.cube = _catch_up_import(engine, report)
    return report


def generate_demo_data(engine: Engine, **options: Any) -> demo.DemoReport:
    """``geocrm demo-data`` (``demo.generate_demo_data`` and its options); once its customers
    and their interactions are in, enrich the new customers and refresh the cube."""
    report = demo.generate_demo_data(engine, finish_import=False, **options)
    if report.imported is not None:
        _catch_up_import(engine, report.imported)
    return report


def _catch_up_import(engine: Engine, imported: ingest.ImportReport) -> FreshnessReport:
    """``after_customer_change`` for a committed import whose job is still running: the job
    succeeds once the cube caught up, else is left ``interrupted`` (kept; ``recover``
    finishes it), also when this process is stopped meanwhile. First the leads that the
    imported customers now match are removed (``remove_customer_leads``)."""
    remove_customer_leads(engine, imported.import_id)
    try:
        fresh = after_customer_change(engine)
    except BaseException:
        ingest.interrupt_job(engine, imported)
        raise
    if fresh.error:
        ingest.interrupt_job(engine, imported, f"hex cube not refreshed: {fresh.error}")
    else:
        ingest.finish_job(engine, imported)
    return fresh


def remove_customer_leads(engine: Engine, import_id: int | None = None) -> int | None:
    """Remove the leads that customers (of the import ``import_id``, else all) match now,
    as GeoCRM's own work (every customer and lead); returns how many, None when it failed
    (logged: the import is committed already; the next ``geocrm leads build`` drops them)."""
    try:
        with system_scope(), engine.begin() as conn:
            return leads.remove_customer_matches(conn, import_id=import_id)
    except Exception:
        logger.exception("removing the leads that imported customers match failed")
        return None


@dataclass
class CityLoad:
    """What ``load_city`` did: the load, and the leads' rebuild and scoring (None: none
    ran)."""

    osm: osm.OsmLoadReport
    leads: leads.LeadsReport | None = None
    scores: lookalike.LookalikeReport | None = None


def load_city(engine: Engine, path: Path | None = None, **options: Any) -> CityLoad:
    """``geocrm load-osm`` (``osm.load_osm`` and its options); when it (re)loaded a city
    whose leads were built, their build runs again on the new data."""
    loaded = CityLoad(osm.load_osm(engine, path, **options))
    if not loaded.osm.unchanged and leads.has_leads(engine, loaded.osm.dataset):
        loaded.leads, loaded.scores = build_and_score_leads(
            engine, loaded.osm.dataset, progress=options.get("progress", True)
        )
    return loaded


def build_and_score_leads(
    engine: Engine, dataset: str | None = None, *, progress: bool = True
) -> tuple[leads.LeadsReport, lookalike.LookalikeReport]:
    """``geocrm leads build``: the leads of a loaded city (or every one), then the lookalike
    model trained again and the leads scored (a rebuild keeps the scores of the same leads
    until then; new ones have none)."""
    built = leads.build_leads(engine, dataset, progress=progress)
    return built, lookalike.score_leads(engine, progress=progress)


def pin_customer(engine: Engine, external_id: str, *, lon: float, lat: float) -> dict[str, Any]:
    """Place a customer by hand, then enrich it at its new place and refresh the cube."""
    pinned = customers.pin_customer(engine, external_id, lon=lon, lat=lat)
    after_customer_change(engine)
    return pinned


def regeocode(engine: Engine, *, everything: bool = False, progress: bool = False) -> dict:
    """Geocode customers again (``customers.regeocode``), then enrich those placed or moved
    and refresh the cube."""
    counts = customers.regeocode(engine, everything=everything, progress=progress)
    if counts["geocoded"]:
        after_customer_change(engine)
    return counts


def enrich_city(engine: Engine, dataset: str | None = None, **options: Any) -> enrich.EnrichReport:
    """``geocrm enrich`` (``enrich.enrich`` and its options), then refresh the cube, or
    rebuild it when the city or network layers were recomputed."""
    report = enrich.enrich(engine, dataset, **options)
    if report.network_recomputed:
        started = time.perf_counter()
        _refresh_leads(engine, report.dataset)
        report.seconds["leads"] = time.perf_counter() - started
    started = time.perf_counter()
    report.cube = after_enrichment(
        engine, layers_changed=report.reference_recomputed or report.network_recomputed
    )
    report.seconds["hex cube"] = time.perf_counter() - started
    return report


def _refresh_leads(engine: Engine, dataset: str) -> None:
    """The leads' stores, trade areas and footfall after the stores' layers were recomputed;
    never raises (the enrichment is committed; ``geocrm leads build`` redoes it all)."""
    try:
        leads.refresh_network_fields(engine, dataset)
    except Exception:
        logger.exception("refreshing the leads' stores and trade areas failed")


def publish_plan(engine: Engine, plan_id: int, *, who: str = "geocrm") -> dict[str, Any]:
    """Publish a draft territory plan onto the customers, then refresh the cube's cells
    whose territory or rep changed; the answer says how (``cube``)."""
    published = territories.publish_plan(engine, plan_id, who=who)
    published["cube"] = after_customer_change(engine, enrich_customers=False).summary()
    return published


def forget_customer(
    engine: Engine, external_id: str, actor: Principal | None = None
) -> dict[str, Any]:
    """Erase a customer (``customers.forget_customer``), then refresh the cube's cells it
    counted in, so that no derived figure keeps it; the answer says how (``cube``)."""
    counts: dict[str, Any] = dict(customers.forget_customer(engine, external_id, actor))
    counts["cube"] = after_customer_change(engine, enrich_customers=False).summary()
    return counts


def assign_lead(engine: Engine, lead_id: str, rep_id: int, *, actor: Principal) -> dict[str, Any]:
    """Give a lead to a rep (``prospecting.lead_actions.assign_lead``: it becomes a prospect
    customer), then enrich the new customer and refresh the cube, as GeoCRM's own work."""
    assigned = lead_actions.assign_lead(engine, lead_id, rep_id, actor=actor)
    with system_scope():
        after_customer_change(engine)
    return assigned


# --------------------------------------------------------------------------- the hooks


def after_customer_change(engine: Engine, *, enrich_customers: bool = True) -> FreshnessReport:
    """Enrich the customers that need it, then refresh the cube; see the module docstring.

    ``enrich_customers=False`` skips the enrichment (nothing moved, e.g. a published plan).
    The city and network layers are not recomputed here (a customer change does not change
    them): the new customers are joined to the layers as they are, like the others.
    """
    pause_at("after-change")  # (tests) the change committed, nothing caught up yet
    return _catch_up(engine, enrich_customers=enrich_customers)


def _catch_up(engine: Engine, *, enrich_customers: bool = True) -> FreshnessReport:
    """The work of ``after_customer_change`` (and of ``recover``)."""

    def work(report: FreshnessReport, started: float) -> None:
        if enrich_customers and _enrichment_ran(engine):
            cells: list[int] = []
            report.enriched = enrich.enrich_customers(engine, progress=False, cells=cells)
            if cells:
                enrich.materialise_cells(engine, None, cells=cells)
            report.seconds["enrich"] = round(time.perf_counter() - started, 3)
        refreshed = report.refresh = cube.refresh_cube(engine)
        report.cells = refreshed["cells"]
        report.seconds["refresh"] = refreshed["seconds"]["total"]

    return _when_built(engine, work)


@dataclass
class RecoveryReport:
    """What ``recover`` found and finished."""

    #: False: another process held the recovery's lock (it is doing the work), nothing done
    ran: bool = True
    #: imports killed before their commit, now recorded as failed (nothing of them was kept)
    failed_jobs: int = 0
    #: imports kept before a crash whose enrichment and cube refresh were finished now
    finished_jobs: list[int] = field(default_factory=list)
    #: hexagons of enriched customers' cells that a crash left unmaterialised
    hexagons: int = 0
    fresh: FreshnessReport = field(default_factory=FreshnessReport)

    def summary(self) -> str:
        """What happened, in one sentence or two (``geocrm cube refresh`` prints it)."""
        if not self.ran:
            return "another GeoCRM process is finishing the pending work now; nothing done here"
        return "; ".join([*self.repairs(), self.fresh.summary()])

    def repairs(self) -> list[str]:
        """What was left over from a crash and set right (jobs, hexagons), one item each."""
        parts = []
        if self.finished_jobs:
            ids = ", ".join(f"#{i}" for i in self.finished_jobs)
            parts.append(f"finished interrupted import(s) {ids}")
        if self.failed_jobs:
            parts.append(f"{self.failed_jobs} import(s) killed before their commit marked failed")
        if self.hexagons:
            parts.append(f"{self.hexagons} missing hexagons materialised")
        return parts


def recover(engine: Engine) -> RecoveryReport:
    """Finish whatever a crash (or a failed refresh) left undone after a committed change:
    enrich the customers that need it, refresh the queued cells, then close the import jobs
    it belonged to (``succeeded``, or ``failed`` for those killed before their commit).

    Runs under a session advisory lock that is tried, never waited for: when another
    process holds it (several web workers starting at once), that one does the work and
    this returns at once with ``ran=False``. Idempotent: with nothing pending it only checks.
    """
    with engine.connect() as lock:
        if not lock.execute(query("recovery_lock")).scalar_one():
            lock.rollback()
            return RecoveryReport(ran=False)
        lock.commit()
        try:
            report = RecoveryReport()
            jobs = ingest.close_orphaned_jobs(engine)
            kept, report.failed_jobs = jobs["kept"], len(jobs["failed"])
            report.fresh = _catch_up(engine)
            if report.fresh.built and not report.fresh.error:
                report.hexagons = enrich.materialise_missing_cells(engine)
            if not report.fresh.error:
                ingest.finish_jobs(engine, kept)
                report.finished_jobs = kept
            return report
        finally:
            # a session the database ended (a restart) took its lock with it
            with suppress(OperationalError):
                lock.execute(query("recovery_unlock"))
                lock.commit()


def after_enrichment(engine: Engine, *, layers_changed: bool) -> FreshnessReport:
    """At the end of ``geocrm enrich``: refresh the cube, or rebuild it when the city or
    network layers were recomputed (``layers_changed``). Never raises."""

    def work(report: FreshnessReport, _started: float) -> None:
        if layers_changed:
            cube.build_cube(engine)
            whitespace.build_whitespace(engine)  # the context changed: fit again
            report.rebuilt = True
        else:
            report.cells = cube.refresh_cube(engine)["cells"]

    return _when_built(engine, work)


def _when_built(engine: Engine, work: Callable[[FreshnessReport, float], None]) -> FreshnessReport:
    """Run a hook's ``work(report, started)`` once the cube has been built, never raising:
    the change that called it is committed already, so a failure is logged and reported."""
    report = FreshnessReport()
    started = time.perf_counter()
    try:
        if not cube.is_built(engine):
            report.built = False
            return report
        work(report, started)
    except Exception as exc:
        logger.exception("keeping the hex cube fresh failed")
        report.error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
    report.seconds["total"] = round(time.perf_counter() - started, 3)
    return report


def _enrichment_ran(engine: Engine) -> bool:
    """Whether ``geocrm enrich`` computed the network layers (without them a customer
    cannot be enriched: ``geocrm enrich`` does it all)."""
    with engine.connect() as conn:
        return conn.execute(query("enrichment_ran")).scalar_one()
