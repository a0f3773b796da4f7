"""Reverse geocoding: the nearest known address of points."""

from __future__ import annotations

import pytest

from geocrm.errors import InvalidInput
from geocrm.geocode import GeocodeResult, reverse_geocode_many
from tests.geocode.measure import off_by


def test_reverse_geocoding_returns_the_nearest_address(engine, unambiguous):
    rows = unambiguous.head(5)
    # 3 m north of each address: still nearest to it
    # the last point is out at sea
    lons = [*rows["lon"], 25.3]
    lats = [*(rows["lat"] + 3 / 111_320), 60.3]
    results = reverse_geocode_many(engine, lons, lats)
    assert len(results) == 6
    for result, row in zip(results, rows.itertuples(), strict=False):
        assert result.match_level == "address"
        assert off_by(result, row) < 1
        assert result.matched_address.startswith(f"{row.street} {row.housenumber}")
        assert 0.95 < result.confidence < 1
    assert results[-1] == GeocodeResult(None, None, "none", 0.0, None)
    assert reverse_geocode_many(engine, [], []) == []


def test_reverse_geocoding_refuses_swapped_or_unequal_coordinates(engine, city):
    with pytest.raises(InvalidInput, match="swap"):
        reverse_geocode_many(engine, [60.17], [124.94])
    with pytest.raises(InvalidInput, match="latitudes"):
        reverse_geocode_many(engine, [24.94, 24.95], [60.17])
