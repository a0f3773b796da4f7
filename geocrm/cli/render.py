"""Text for the terminal of the results several commands share."""

from __future__ import annotations

from geocrm.freshness import FreshnessReport


def freshness_line(report: FreshnessReport) -> str:
    """One line: what a hook did to keep the enrichment and the hex cube fresh."""
    if not report.built:
        return "hex cube: not built yet (`geocrm cube build` builds it; then it stays fresh)"
    if report.error:
        return (
            f"hex cube: NOT refreshed ({report.error}); the changed cells stay queued for "
            "the next change or `geocrm cube refresh`"
        )
    total = report.seconds.get("total", 0.0)
    if report.rebuilt:
        return f"hex cube: rebuilt in {total:.1f} s"
    enriched = f"{report.enriched} customers enriched, " if report.enriched else ""
    if not report.cells:
        return f"hex cube: {enriched}up to date ({total:.2f} s)"
    return f"hex cube: {enriched}{report.cells} cells refreshed in {total:.2f} s"
