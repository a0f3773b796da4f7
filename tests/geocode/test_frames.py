"""A geocoder built from data frames (no database): two towns, streets without addresses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geocrm.errors import InvalidInput
from geocrm.geocode import Geocoder


@pytest.fixture(scope="module")
def two_towns() -> Geocoder:
    rows = []
    for street, postcode, city, lon0, lat0 in (
        ("Koulukatu", "00100", "Helsinki", 24.94, 60.17),
        ("Koulukatu", "02100", "Espoo", 24.66, 60.18),
    ):
        for n in range(1, 12):
            rows.append((street, "Skolgatan", str(n), postcode, city, lon0 + n * 1e-4, lat0))
    addresses = pd.DataFrame(
        rows, columns=["street", "street_sv", "housenumber", "postcode", "city", "lon", "lat"]
    )
    streets = pd.DataFrame(
        {"name_fi": ["Uusitie"], "name_sv": ["Nyvägen"], "lon": [24.8], "lat": [60.2]}
    )
    pois = pd.DataFrame({"name": ["Kahvila Koulu"], "lon": [24.95], "lat": [60.171]})
    return Geocoder.from_frames(addresses, streets, pois)


def test_postcode_or_city_chooses_between_streets_of_the_same_name(two_towns):
    espoo = [
        two_towns.geocode("Koulukatu 3, 02100 Espoo"),
        two_towns.geocode("Koulukatu 3", postcode="02100"),
        two_towns.geocode("Koulukatu 3", city="Esbo"),
        two_towns.geocode("Skolgatan 3, Esbo"),
    ]
    helsinki = [
        two_towns.geocode("Koulukatu 3, 00100 Helsinki"),
        two_towns.geocode("Koulukatu 3", city="Helsingfors"),
    ]
    for result in espoo:
        assert result.match_level == "address"
        assert result.lon == pytest.approx(24.6603)
        assert result.confidence == 1.0
        assert result.matched_address == "Koulukatu 3, 02100 Espoo"
    for result in helsinki:
        assert result.lon == pytest.approx(24.9403)
    # without a hint: found, but less sure
    unsure = two_towns.geocode("Koulukatu 3")
    assert unsure.match_level == "address" and unsure.confidence < 1.0


def test_streets_and_pois_without_addresses_come_from_their_own_frames(two_towns):
    street = two_towns.geocode("Uusitie 5")
    assert street.match_level == "street"
    assert (street.lon, street.lat) == (24.8, 60.2)
    assert two_towns.geocode("Nyvägen").match_level == "street"
    poi = two_towns.geocode("kahvila koulu")
    assert (poi.match_level, poi.lon) == ("poi", 24.95)


def test_a_frame_read_from_a_csv_with_gaps_builds_and_geocodes():
    addresses = pd.DataFrame(
        {
            "street": ["Rantatie", "Rantatie", "Rantatie", None],
            "street_sv": ["Strandvägen", np.nan, np.nan, np.nan],
            "housenumber": ["1", "3", "5 B", "7"],
            "postcode": [np.nan, "00990", np.nan, np.nan],
            "city": [np.nan, "Helsinki", "7", np.nan],
            "lon": [25.0, 25.001, 25.002, 25.003],
            "lat": [60.2, 60.2, 60.2, np.nan],
        }
    )
    geocoder = Geocoder.from_frames(addresses)
    assert geocoder.geocode("Strandvägen 3").lon == 25.001
    # no postcode and "7" is no city: the street's stand in
    assert geocoder.geocode("rantatie 5b").matched_address == "Rantatie 5 B, 00990 Helsinki"
    assert geocoder.geocode("Rantatie 1", postcode="00990").match_level == "address"


def test_frames_without_the_needed_columns_are_refused():
    with pytest.raises(InvalidInput, match="lacks columns"):
        Geocoder.from_frames(pd.DataFrame({"street": ["A"], "lon": [1.0]}))


def test_geocode_many_keeps_order_and_takes_postcode_hints(two_towns):
    results = two_towns.geocode_many(
        ["Koulukatu 3", "Olematonkatu 1", "Koulukatu 3"], postcodes=["02100", None, "00100"]
    )
    assert [r.match_level for r in results] == ["address", "none", "address"]
    assert results[0].lon == pytest.approx(24.6603)
    assert results[2].lon == pytest.approx(24.9403)
    with pytest.raises(InvalidInput, match="postcodes"):
        two_towns.geocode_many(["Koulukatu 3"], postcodes=["02100", "00100"])
