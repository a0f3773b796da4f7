"""What keeping the enrichment and the hex cube fresh after a change did: ``geocrm.pipeline``
does it, the reports of imports and enrichment carry this record of it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FreshnessReport:
    """What a hook did to keep the enrichment and the cube fresh."""

    built: bool = True
    enriched: int = 0
    cells: int = 0
    rebuilt: bool = False
    error: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    #: the answer of the cube refresh, when one ran (``geocrm.cube.refresh_cube``)
    refresh: dict = field(default_factory=dict, repr=False)

    def summary(self) -> str:
        """What happened, in one sentence (the CLI prints it; a published plan's answer
        carries it as ``cube``)."""
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
