"""The legend's classes: natural breaks find the gaps, and every value has one class."""

from geocrm import reports
from geocrm.reports import build_legend, class_index, natural_breaks


def test_natural_breaks_find_the_gaps_and_every_value_has_one_class():
    values = [1, 2, 3, 10, 11, 12, 50, 51, 100]
    assert natural_breaks(values, 5) == [1, 1, 3, 12, 51, 100]
    assert natural_breaks(values, 3) == [1, 12, 51, 100]
    assert natural_breaks([0] * 40 + [5, 6, 7, 90], 3) == [0, 0, 7, 90]  # zero is a class
    assert natural_breaks([4, 4, 4], 5) == [4, 4]  # one distinct value, one class
    assert natural_breaks([], 5) == []
    legend = build_legend("revenue", [None, 0, 0, 3, 5, 9, 100, 250])
    assert legend.no_data == 1 and sum(legend.counts) == 7
    assert len(legend.colors) == len(legend.breaks) - 1 == 5
    assert legend.breaks == sorted(legend.breaks)
    assert [class_index(legend.breaks, v) for v in (0, 3, 100, 250)] == [0, 1, 3, 4]
    assert legend.color_of(None) == reports.NO_DATA_COLOR


def test_natural_breaks_of_many_values_use_a_sample_that_keeps_the_extremes():
    values = [float(i % 997) ** 2 for i in range(50_000)]
    breaks = natural_breaks(values, 5)
    assert breaks[0] == 0 and breaks[-1] == 996.0**2 and len(breaks) == 6
