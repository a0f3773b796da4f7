"""Keep what is derived from the customers fresh after they change, without anyone asking.

After an import, a manual pin, a re-geocoding or a demo-data run, ``after_customer_change``
enriches the customers that need it (new or moved: they have no enrichment row) and
refreshes the hex cube (the cells the triggers of ``cube.dirty_cells`` queued). At the end
of ``geocrm enrich``, ``after_enrichment`` refreshes the cube, or rebuilds it when the city
or network layers changed (then every customer and the cells' context changed).

Both do nothing until the cube has been built once (``geocrm cube build`` stays explicit),
and neither ever raises: the change that called them is committed already, so a failure is
logged and reported, and the queued cells stay queued for the next refresh
(``geocrm cube refresh``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from geocrm import cube
from geocrm.db import query

logger = logging.getLogger("geocrm.freshness")


@dataclass
class FreshnessReport:
    """What a hook did to keep the enrichment and the cube fresh."""

    built: bool = True
    enriched: int = 0
    cells: int = 0
    rebuilt: bool = False
    error: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def render(self) -> str:
        """One line for the CLI."""
        if not self.built:
            return "hex cube: not built yet (`geocrm cube build` builds it; then it stays fresh)"
        if self.error:
            return (
                f"hex cube: NOT refreshed ({self.error}); the changed cells stay queued for "
                "the next change or `geocrm cube refresh`"
            )
        total = self.seconds.get("total", 0.0)
        if self.rebuilt:
            return f"hex cube: rebuilt in {total:.1f} s"
        enriched = f"{self.enriched} customers enriched, " if self.enriched else ""
        if not self.cells:
            return f"hex cube: {enriched}up to date ({total:.2f} s)"
        return f"hex cube: {enriched}{self.cells} cells refreshed in {total:.2f} s"


def after_customer_change(engine: Engine, *, enrich: bool = True) -> FreshnessReport:
    """Enrich the customers that need it, then refresh the cube; see the module docstring.

    ``enrich=False`` skips the enrichment (the caller just did it). The city and network
    layers are not recomputed here (a customer change does not change them): the new
    customers are joined to the layers as they are, like the others.
    """
    from geocrm.enrich import enrich_customers, materialise_cells

    def work(report: FreshnessReport, started: float) -> None:
        if enrich and _enrichment_ran(engine):
            cells: list[int] = []
            report.enriched = enrich_customers(engine, progress=False, cells=cells)
            if cells:
                materialise_cells(engine, None, cells=cells)
            report.seconds["enrich"] = round(time.perf_counter() - started, 3)
        refreshed = cube.refresh_cube(engine)
        report.cells = refreshed["cells"]
        report.seconds["refresh"] = refreshed["seconds"]["total"]

    return _when_built(engine, work)


def after_enrichment(engine: Engine, *, layers_changed: bool) -> FreshnessReport:
    """At the end of ``geocrm enrich``: refresh the cube, or rebuild it when the city or
    network layers were recomputed (``layers_changed``). Never raises."""

    def work(report: FreshnessReport, _started: float) -> None:
        if layers_changed:
            cube.build_cube(engine)
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
