"""The legend's classes: natural breaks find the gaps, and every value has one class."""

import pytest

from geocrm import reports
from geocrm.errors import InvalidInput
from geocrm.reports import (
    PALETTE,
    build_legend,
    class_index,
    natural_breaks,
    parse_classes,
    quantile_thresholds,
)
from geocrm.reports.panels import STAGE_COLORS, class_texts
from geocrm.tiles import catalog


def test_natural_breaks_find_the_gaps_and_every_value_has_one_class():
    values = [1, 2, 3, 10, 11, 12, 50, 51, 100]
    assert natural_breaks(values, 5) == [1, 1, 3, 12, 51, 100]
    assert natural_breaks(values, 3) == [1, 12, 51, 100]
    assert natural_breaks([0] * 40 + [5, 6, 7, 90], 3) == [0, 0, 7, 90]  # zero is a class
    assert natural_breaks([4, 4, 4], 5) == [4, 4]  # one distinct value, one class
    assert natural_breaks([], 5) == []
    legend = build_legend("revenue", [None, 0, 0, 3, 5, 9, 100, 250], "natural")
    assert legend.no_data == 1 and sum(legend.counts) == 7
    assert len(legend.colors) == len(legend.breaks) - 1 == 5
    assert legend.breaks == sorted(legend.breaks)
    assert [class_index(legend.breaks, v) for v in (0, 3, 100, 250)] == [0, 1, 3, 4]
    assert legend.closed == "right" and legend.scheme.startswith("natural breaks")
    assert legend.color_of(None) == reports.NO_DATA_COLOR


def test_natural_breaks_of_many_values_use_a_sample_that_keeps_the_extremes():
    values = [float(i % 997) ** 2 for i in range(50_000)]
    breaks = natural_breaks(values, 5)
    assert breaks[0] == 0 and breaks[-1] == 996.0**2 and len(breaks) == 6


def test_by_default_the_classes_are_the_apps_quantiles_in_the_apps_palette():
    # legend.js classBreaks: the values at the i/5 quantiles, above the minimum, once each
    values = [0, 0, 3, 5, 9, 100, 250]
    assert quantile_thresholds(values) == [3, 9, 100]
    assert quantile_thresholds(list(range(100))) == [20, 40, 60, 80]
    assert quantile_thresholds([7, 7, 7]) == [] and quantile_thresholds([]) == []
    legend = build_legend("revenue", [None, *values])
    assert legend.thresholds == [3, 9, 100] and legend.closed == "left"
    assert legend.breaks == [0, 3, 9, 100, 250]
    # left-closed as the app's step paint: 3 is in "3 - < 9", 250 in "≥ 100"
    assert [class_index(legend.breaks, v, closed="left") for v in (0, 3, 8.9, 9, 250)] == [
        0,
        1,
        1,
        2,
        3,
    ]
    assert legend.counts == [2, 2, 1, 2] and legend.no_data == 1
    assert legend.colors == list(PALETTE[:4])
    fill = next(s for s in catalog().layers["hexes"].style if s["id"] == "hexes-fill")
    assert tuple(fill["metadata"]["legend"]["palette"]) == PALETTE
    assert class_texts(legend) == [
        "< 3\u00a0€",
        "3\u00a0€ \u2013 < 9\u00a0€",
        "9\u00a0€ \u2013 < 100\u00a0€",
        "≥ 100\u00a0€",
    ]


def test_fixed_classes_as_the_apps_link_gives_them():
    assert parse_classes("10,20,50,100") == [10, 20, 50, 100]
    assert parse_classes(" 0.5 ,2") == [0.5, 2]
    for bad in ("", "10,10", "20,10", "1,2,3,4,5", "1e3", "x", "10,,20", "nan"):
        with pytest.raises(InvalidInput, match="ascending numbers"):
            parse_classes(bad)
    legend = build_legend("customers", [1, 15, 30, 700], [10, 20, 50, 100])
    assert legend.breaks == [1, 10, 20, 50, 100, 700] and legend.counts == [1, 1, 1, 0, 1]
    assert legend.scheme == "fixed classes"
    # the same classes whatever the values: two months read alike
    other = build_legend("customers", [2, 3], [10, 20, 50, 100])
    assert other.thresholds == legend.thresholds and other.colors == legend.colors


def test_the_reports_dot_colours_are_the_apps():
    paint = next(
        s["paint"]["circle-color"]
        for s in catalog().layers["customers"].style
        if s["id"] == "customer-points"
    )
    assert list(STAGE_COLORS) == [
        "prospect",
        "customer",
        "client",
        "supporter",
        "advocate",
        "partner",
    ]
    for stage, colour in STAGE_COLORS.items():
        assert paint[paint.index(stage) + 1] == colour
