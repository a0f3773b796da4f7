"""The classes of a report's choropleth: natural breaks (Fisher-Jenks) and their colours.

The hexes are coloured in at most ``CLASSES`` classes by *natural breaks* (Fisher's exact
optimisation of Jenks' criterion: the split of the sorted values into k groups with the
least within-group sum of squared deviations), computed on the values drawn (on
``JENKS_SAMPLE`` evenly spaced order statistics when there are more hexes, which keeps the
minimum and maximum). A value ``v`` is in class ``i`` when ``breaks[i] < v <= breaks[i + 1]``
(the first class includes ``breaks[0]``, the minimum); hexes with no value are drawn grey
as *no data*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Most classes of the choropleth.
CLASSES = 5
#: Most values the natural breaks are computed on (evenly spaced order statistics).
JENKS_SAMPLE = 2000
#: Sequential colours (ColorBrewer YlOrRd) per number of classes.
PALETTES: dict[int, tuple[str, ...]] = {
    1: ("#fd8d3c",),
    2: ("#fecc5c", "#e31a1c"),
    3: ("#ffeda0", "#feb24c", "#f03b20"),
    4: ("#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"),
    5: ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"),
}
NO_DATA_COLOR = "#bdbdbd"


@dataclass
class Legend:
    """The classes of a choropleth: ``breaks`` (k + 1 ascending bounds) and k colours."""

    measure: str
    breaks: list[float]
    colors: list[str]
    counts: list[int] = field(default_factory=list)
    no_data: int = 0
    scheme: str = "natural breaks (Fisher-Jenks)"

    def color_of(self, value: float | None) -> str:
        """The colour a value is drawn in."""
        index = class_index(self.breaks, value)
        return NO_DATA_COLOR if index is None else self.colors[index]

    def as_dict(self) -> dict[str, Any]:
        """Machine-readable legend, as embedded in the report."""
        return {
            "measure": self.measure,
            "scheme": self.scheme,
            "breaks": self.breaks,
            "colors": self.colors,
            "counts": self.counts,
            "no_data": self.no_data,
            "no_data_color": NO_DATA_COLOR,
        }


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


def class_index(breaks: Sequence[float], value: float | None) -> int | None:
    """The class of ``value``: i with ``breaks[i] < value <= breaks[i + 1]`` (the first class
    includes ``breaks[0]``); None for no value or no classes."""
    if value is None or len(breaks) < 2:
        return None
    for i in range(len(breaks) - 1):
        if value <= breaks[i + 1]:
            return i
    return len(breaks) - 2


def build_legend(measure: str, values: Sequence[float | None]) -> Legend:
    """The legend of a choropleth of these values: natural breaks and their colours."""
    breaks = natural_breaks([v for v in values if v is not None])
    classes = max(len(breaks) - 1, 0)
    colors = list(PALETTES[classes]) if classes else []
    counts = [0] * classes
    no_data = 0
    for v in values:
        index = class_index(breaks, v)
        if index is None:
            no_data += 1
        else:
            counts[index] += 1
    return Legend(measure=measure, breaks=breaks, colors=colors, counts=counts, no_data=no_data)
