"""The classes of a report's choropleth: the web app's classes and palette, or natural breaks.

By default the hexes are coloured as the web app colours them (``frontend/src/legend.js``):
up to ``CLASSES`` classes at the quantiles of the values drawn, or at fixed thresholds
(``--classes 10,20,50,100``, the app's ``classes=`` of a shared link), in the catalogue's
palette (``metadata.legend`` of ``hexes-fill`` in ``tiles/catalog.toml``, one for both). A
value ``v`` is then in class ``i`` when ``breaks[i] <= v < breaks[i + 1]`` (the last class
includes the maximum): the app's ``< 5``, ``5 to < 20``, ..., ``≥ 150``.

With ``--classes natural`` the classes are *natural breaks* (Fisher's exact optimisation
of Jenks' criterion: the split of the sorted values into k groups with the least
within-group sum of squared deviations), computed on the values drawn (on ``JENKS_SAMPLE``
evenly spaced order statistics when there are more hexes, which keeps the minimum and
maximum); a value is then in class ``i`` when ``breaks[i] < v <= breaks[i + 1]`` (the first
class includes ``breaks[0]``). Hexes with no value are drawn grey as *no data*.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geocrm.errors import InvalidInput
from geocrm.tiles import catalog

#: The hex fill of the catalogue: the app's palette (its metadata.legend) and opacity.
_FILL = next(s for s in catalog().layers["hexes"].style if s["id"] == "hexes-fill")
#: The classes' colours, lowest first (the catalogue's, as the web app paints them).
PALETTE: tuple[str, ...] = tuple(_FILL["metadata"]["legend"]["palette"])
#: Most classes of the choropleth: one per colour of the palette.
CLASSES = len(PALETTE)
#: Most values the natural breaks are computed on (evenly spaced order statistics).
JENKS_SAMPLE = 2000
#: The colours per number of classes: the palette's first ones, as the app takes them.
PALETTES: dict[int, tuple[str, ...]] = {k: PALETTE[:k] for k in range(1, CLASSES + 1)}
NO_DATA_COLOR: str = _FILL["metadata"]["legend"]["no_data"]
#: The hexes' fill opacity in the app (a report draws them alike).
FILL_OPACITY = float(_FILL["paint"]["fill-opacity"])
QUANTILES = "quantiles of the hexagons drawn (as the web app)"
FIXED = "fixed classes"
NATURAL = "natural breaks (Fisher-Jenks)"
_NUMBER = re.compile(r"^\s*-?\d+(\.\d+)?\s*$")


@dataclass
class Legend:
    """The classes of a choropleth: ``breaks`` (k + 1 ascending bounds) and k colours;
    ``closed``: "left" (the app's classes, ``breaks[i] <= v < breaks[i + 1]``) or "right"
    (natural breaks, ``breaks[i] < v <= breaks[i + 1]``)."""

    measure: str
    breaks: list[float]
    colors: list[str]
    counts: list[int] = field(default_factory=list)
    no_data: int = 0
    scheme: str = QUANTILES
    closed: str = "left"

    @property
    def thresholds(self) -> list[float]:
        """The inner bounds (the app's ``classes=``)."""
        return self.breaks[1:-1]

    def color_of(self, value: float | None) -> str:
        """The colour a value is drawn in."""
        index = class_index(self.breaks, value, closed=self.closed)
        return NO_DATA_COLOR if index is None else self.colors[index]

    def as_dict(self) -> dict[str, Any]:
        """Machine-readable legend, as embedded in the report."""
        return {
            "measure": self.measure,
            "scheme": self.scheme,
            "closed": self.closed,
            "breaks": self.breaks,
            "thresholds": self.thresholds,
            "colors": self.colors,
            "counts": self.counts,
            "no_data": self.no_data,
            "no_data_color": NO_DATA_COLOR,
        }


def parse_classes(text: str) -> list[float]:
    """Fixed classes as the app's link gives them (``classes=10,20,50,100``): 1 to
    ``CLASSES - 1`` numbers, strictly ascending; ``InvalidInput`` otherwise."""
    parts = str(text).split(",")
    ok = 0 < len(parts) < CLASSES and all(_NUMBER.match(p) for p in parts)
    numbers = [float(p) for p in parts] if ok else []
    if not ok or any(b <= a for a, b in itertools.pairwise(numbers)):
        raise InvalidInput(
            f"classes must be 1 to {CLASSES - 1} ascending numbers, e.g. 10,20,50,100 "
            f"(or 'natural'), got {text!r}"
        )
    return numbers


def quantile_thresholds(values: Sequence[float], classes: int = CLASSES) -> list[float]:
    """The app's class breaks (``classBreaks`` of legend.js): the values at the i/k
    quantiles of those drawn, above the minimum, each once."""
    x = sorted(v for v in values if v is not None and math.isfinite(v))
    breaks: list[float] = []
    for i in range(1, classes):
        b = x[(i * len(x)) // classes] if x else None
        if b is not None and b > x[0] and b not in breaks:
            breaks.append(float(b))
    return breaks


def natural_breaks(
    values: Sequence[float], classes: int = CLASSES, *, sample: int = JENKS_SAMPLE
) -> list[float]:
    """Class bounds by natural breaks: ``[min, max of class 1, ..., max]``.

    Fisher's exact dynamic programme for Jenks' criterion (least total within-class sum of
    squared deviations over contiguous classes of the sorted values), on at most ``sample``
    evenly spaced order statistics. There are at most as many classes as distinct values;
    an empty input has no bounds.
    """
    x = np.sort(np.asarray([v for v in values if v is not None], dtype=float))
    if x.size == 0:
        return []
    if x.size > sample:
        x = x[np.linspace(0, x.size - 1, sample).round().astype(int)]
    k = min(classes, int(np.unique(x).size))
    if k <= 1:
        return [float(x[0]), float(x[-1])]
    n = x.size
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])

    def ssd(starts: np.ndarray, end: int) -> np.ndarray:
        """Sum of squared deviations of x[start:end] for every start."""
        count = end - starts
        total = s1[end] - s1[starts]
        return (s2[end] - s2[starts]) - total * total / count

    # cost[j]: least cost of x[:j] in m classes; cuts[m - 2][j]: where its last class starts
    cost = np.full(n + 1, np.inf)
    cost[1:] = (s2[1:] - s1[1:] ** 2 / np.arange(1, n + 1)).clip(min=0)
    cuts: list[np.ndarray] = []
    for m in range(2, k + 1):
        new = np.full(n + 1, np.inf)
        cut = np.zeros(n + 1, dtype=int)
        for end in range(m, n + 1):
            starts = np.arange(m - 1, end)
            total = cost[starts] + ssd(starts, end)
            best = int(np.argmin(total))
            new[end], cut[end] = total[best], starts[best]
        cost = new
        cuts.append(cut)
    ends = [n]  # the end (exclusive) of each class, last class first
    for cut in reversed(cuts):
        ends.append(int(cut[ends[-1]]))
    # the upper bound of each class is its largest value (a class of the minimum alone has
    # the minimum as its upper bound: breaks [0, 0, ...] is the class "exactly 0")
    return [float(x[0]), *sorted({float(x[end - 1]) for end in ends})]


def class_index(
    breaks: Sequence[float], value: float | None, *, closed: str = "right"
) -> int | None:
    """The class of ``value``; None for no value or no classes. ``closed="right"``: i with
    ``breaks[i] < value <= breaks[i + 1]`` (the first class includes ``breaks[0]``);
    ``"left"``: i with ``breaks[i] <= value < breaks[i + 1]`` (the last includes the end)."""
    if value is None or len(breaks) < 2:
        return None
    last = len(breaks) - 2
    if closed == "left":
        for i in range(last):
            if value < breaks[i + 1]:
                return i
        return last
    for i in range(last + 1):
        if value <= breaks[i + 1]:
            return i
    return last


def build_legend(
    measure: str,
    values: Sequence[float | None],
    classes: Sequence[float] | str | None = None,
) -> Legend:
    """The legend of a choropleth of these values: ``classes`` None for the app's quantile
    classes, a list of thresholds for fixed classes, ``"natural"`` for natural breaks."""
    drawn = [v for v in values if v is not None]
    if classes == "natural":
        breaks = natural_breaks(drawn)
        scheme, closed = NATURAL, "right"
    else:
        thresholds = quantile_thresholds(drawn) if classes is None else list(classes)
        scheme, closed = (QUANTILES if classes is None else FIXED), "left"
        if thresholds:
            low = min([*drawn, thresholds[0]])
            high = max([*drawn, thresholds[-1]])
            breaks = [float(low), *map(float, thresholds), float(high)]
        else:
            breaks = [float(min(drawn)), float(max(drawn))] if drawn else []
    k = max(len(breaks) - 1, 0)
    colors = list(PALETTES[k]) if k else []
    counts = [0] * k
    no_data = 0
    for v in values:
        index = class_index(breaks, v, closed=closed)
        if index is None:
            no_data += 1
        else:
            counts[index] += 1
    return Legend(
        measure=measure,
        breaks=breaks,
        colors=colors,
        counts=counts,
        no_data=no_data,
        scheme=scheme,
        closed=closed,
    )
