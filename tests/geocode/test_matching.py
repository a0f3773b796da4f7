"""The offline geocoder: addresses as people type them, found at the right place or not at all.

Addresses are picked from the loaded city (``ref.addresses``), not hard-coded, and every
answer is checked against the stored point in metres.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from sqlalchemy import text

from geocrm.errors import InvalidInput
from geocrm.geocode import MATCH_LEVELS, GeocodeResult
from tests.geocode.measure import metres, off_by

NO_DIACRITICS = str.maketrans("äöåÄÖÅéü", "aoaAOAeu")


# -- what people type finds the real address ----------------------------------------------------
def _abbreviated(street: str) -> str:
    for full, short in (("katu", "k."), ("tie", "t."), ("kuja", "kj."), ("puistikko", "pst.")):
        if street.lower().endswith(full):
            return street[: -len(full)] + short
    return street


def _typo(street: str) -> str:
    i = len(street) // 2  # swap two letters in the middle
    return street[:i] + street[i + 1] + street[i] + street[i + 2 :]


NOISE = {
    "clean": lambda r: f"{r.street} {r.housenumber}, {r.postcode or ''} Helsinki",
    "lower_case": lambda r: f"{r.street} {r.housenumber}, helsinki".lower(),
    "upper_case": lambda r: f"{r.street} {r.housenumber}".upper(),
    "no_diacritics": lambda r: f"{r.street} {r.housenumber}".translate(NO_DIACRITICS),
    "abbreviation": lambda r: f"{_abbreviated(r.street)} {r.housenumber}",
    "staircase_and_flat": lambda r: f"{r.street} {r.housenumber} A 12",
    "asunto": lambda r: f"{r.street} {r.housenumber} as. 3",
    "floor": lambda r: f"{r.street} {r.housenumber} C 21 5. krs",
    "lagenhet": lambda r: f"{r.street} {r.housenumber} lgh 3",
    "number_first": lambda r: f"{r.housenumber} {r.street}",
    "extra_punctuation": lambda r: f"  {r.street},  {r.housenumber} ,Helsinki. ",
    "typo": lambda r: f"{_typo(r.street)} {r.housenumber}",
}


@pytest.mark.parametrize("kind", sorted(NOISE))
def test_each_kind_of_typing_finds_the_real_address_within_50_m(geocoder, unambiguous, kind):
    for row in unambiguous.itertuples():
        typed = NOISE[kind](row)
        result = geocoder.geocode(typed)
        assert result.match_level == "address", (typed, result)
        assert off_by(result, row) < 50, (typed, result)
        assert 0.85 <= result.confidence <= 1.0


def test_swedish_street_names_find_the_finnish_address(geocoder, unambiguous):
    swedish = unambiguous[unambiguous["street_sv"].notna()]
    assert len(swedish) >= 5
    for row in swedish.itertuples():
        for typed in (
            f"{row.street_sv} {row.housenumber}, Helsingfors",
            f"{row.street_sv.lower()} {row.housenumber}".translate(NO_DIACRITICS),
        ):
            result = geocoder.geocode(typed)
            assert result.match_level == "address", (typed, result)
            assert off_by(result, row) < 50
            assert result.matched_address.startswith(f"{row.street} {row.housenumber}")


def test_abbreviations_glued_hyphenated_spaced_or_swedish_all_expand(geocoder, stored):
    row = stored[stored["plain"] & (stored["street"] == "Aleksanterinkatu")].iloc[0]
    sv = stored[stored["plain"] & (stored["street"] == "Mannerheimintie")].iloc[0]
    for typed, truth in [
        (f"Aleksanterink. {row.housenumber}", row),
        (f"Aleksanterin k. {row.housenumber}", row),
        (f"Aleksanterin-k. {row.housenumber}", row),
        (f"Alexandersg. {row.housenumber}", row),
        (f"Mannerheimint. {sv.housenumber}", sv),
        (f"Mannerheimint {sv.housenumber}", sv),  # the dot forgotten
        (f"Mannerheimv. {sv.housenumber}", sv),
    ]:
        result = geocoder.geocode(typed)
        assert result.match_level == "address", typed
        assert off_by(result, truth) < 50, typed


def test_a_typo_is_forgiven_but_costs_some_confidence(geocoder, unambiguous):
    row = unambiguous.iloc[0]
    exact = geocoder.geocode(f"{row.street} {row.housenumber}")
    typo = geocoder.geocode(f"{_typo(row.street)} {row.housenumber}")
    dropped = geocoder.geocode(f"{row.street[:3]}{row.street[4:]} {row.housenumber}")
    assert exact.confidence == 1.0
    for result in (typo, dropped):
        assert result.match_level == "address"
        assert (result.lat, result.lon) == (exact.lat, exact.lon)
        assert 0.85 <= result.confidence < exact.confidence


def test_a_letter_matches_the_stored_letter_in_any_spelling(geocoder, stored):
    lettered = stored[stored["housenumber"].str.fullmatch(r"\d+ ?[A-Za-z]")]
    lettered = lettered[~lettered["street"].str.contains(r"[\d,]")]
    assert len(lettered) >= 3
    for row in lettered.head(8).itertuples():
        number, letter = re.fullmatch(r"(\d+) ?([A-Za-z])", row.housenumber).groups()
        # the geocoder keeps one point per street and number: the stored spelling's
        truth = geocoder.geocode(f"{row.street} {row.housenumber}")
        for typed in (f"{number} {letter.upper()}", f"{number}{letter.lower()}", number + letter):
            result = geocoder.geocode(f"{row.street} {typed}")
            assert result.match_level == "address"
            assert (result.lat, result.lon) == (truth.lat, truth.lon)
        assert metres(truth.lon, truth.lat, row.lon, row.lat) < 50


def test_an_unknown_letter_falls_back_to_the_plain_number(geocoder, unambiguous):
    row = unambiguous.iloc[1]
    plain = geocoder.geocode(f"{row.street} {row.housenumber}")
    result = geocoder.geocode(f"{row.street} {row.housenumber} Q")
    assert result.match_level == "address"
    assert (result.lat, result.lon) == (plain.lat, plain.lon)
    assert result.confidence < plain.confidence


def test_ranges_match_the_stored_range_or_else_their_first_number(geocoder, stored):
    ranged = stored[stored["housenumber"].str.fullmatch(r"\d+-\d+")].iloc[0]
    for typed in (ranged.housenumber, ranged.housenumber.replace("-", " - ")):
        result = geocoder.geocode(f"{ranged.street} {typed}")
        assert result.match_level == "address"
        assert off_by(result, ranged) < 50
    plain = stored[stored["plain"]].iloc[0]
    n = int(plain.housenumber)
    result = geocoder.geocode(f"{plain.street} {n}-{n + 2}")
    assert result.match_level == "address"
    assert result.matched_address.startswith(f"{plain.street} {n}")


def _interpolable(stored: pd.DataFrame):
    """A street with plain n-2 and n+2 (one point each) where no form of n is stored."""
    for key, street in stored.groupby("key"):
        plain = street[street["plain"]]
        counts = plain["n"].value_counts()
        ranges = street["housenumber"].str.extract(r"^(\d+)\s*-\s*(\d+)").dropna().astype(int)
        covered = {k for lo, hi in ranges.itertuples(index=False) for k in range(lo, hi + 1)}
        for n in sorted(set(plain["n"].astype(int))):
            m = n + 2
            if (
                counts.get(m + 2) == 1
                and counts.get(n) == 1
                and m not in set(street["n"].dropna().astype(int))
                and m not in covered
            ):
                low = plain[plain["n"] == n].iloc[0]
                high = plain[plain["n"] == m + 2].iloc[0]
                return key, low, high, m
    return None


def test_a_missing_number_between_two_of_its_parity_is_interpolated_between_them(geocoder, stored):
    found = _interpolable(stored)
    assert found, "the city has no street to interpolate on"
    _, low, high, n = found
    result = geocoder.geocode(f"{low.street} {n}")
    assert result.match_level == "interpolated"
    # the point lies on the segment between its neighbours, strictly inside it
    a = metres(low.lon, low.lat, result.lon, result.lat)
    b = metres(result.lon, result.lat, high.lon, high.lat)
    whole = metres(low.lon, low.lat, high.lon, high.lat)
    assert a + b == pytest.approx(whole, abs=0.5)
    assert a == pytest.approx(whole / 2, abs=0.5)  # halfway: n is halfway from n-2 to n+2
    exact = geocoder.geocode(f"{low.street} {low.housenumber}")
    assert geocoder.geocode(low.street).confidence < result.confidence < exact.confidence


def test_a_street_without_a_number_or_with_an_unknown_plausible_one_is_street_level(
    geocoder, stored
):
    street = stored[stored["plain"] & (stored["street"] == "Bulevardi")]
    top = int(street["n"].max())
    for typed in ("Bulevardi", "bulevardi, helsinki", f"Bulevardi {top + 2}", "Bulevardi 999"):
        result = geocoder.geocode(typed)
        assert result.match_level == "street", typed
        # on the street: near one of its addresses
        nearest = min(
            metres(result.lon, result.lat, x, y) for x, y in street[["lon", "lat"]].values
        )
        assert nearest < 30
        assert result.matched_address.startswith("Bulevardi")
        assert 0 < result.confidence <= 0.5


@pytest.mark.parametrize(
    "typed",
    [
        "Olematonkatu 12",
        "Kuvitteellinentie 3",
        "Satumaakuja 7, 00100 Helsinki",
        "Haavekuvankatu 1",
        "Olematonkatu",
        "Vuorikatuuuu 799",
        "xyz",
        "12",
        "",
        "   ",
        "Helsinki",
    ],
)
def test_an_address_the_city_does_not_have_gets_none_never_a_guess(geocoder, typed):
    assert geocoder.geocode(typed) == GeocodeResult(None, None, "none", 0.0, None)


def test_none_is_accepted_as_an_empty_address_but_other_types_are_refused(geocoder):
    assert geocoder.geocode(None).match_level == "none"
    with pytest.raises(InvalidInput, match="text"):
        geocoder.geocode(12)


def test_place_names_are_found_as_pois(geocoder, engine):
    with engine.connect() as conn:
        for name in ("Hotelli Torni", "Ateneum"):
            lon, lat = conn.execute(
                text("SELECT ST_X(geom), ST_Y(geom) FROM ref.pois WHERE name = :n LIMIT 1"),
                {"n": name},
            ).one()
            for typed in (name, name.lower(), f"{name}, Helsinki"):
                result = geocoder.geocode(typed)
                assert result.match_level == "poi", typed
                assert metres(result.lon, result.lat, lon, lat) < 50
                assert result.matched_address == name


def test_a_chain_name_alone_is_not_a_place(geocoder):
    # Espresso House has several cafés in the city: which one is meant is unknowable
    assert geocoder.geocode("Espresso House").match_level == "none"


def test_a_postcode_alone_is_placed_at_its_addresses_centroid(geocoder, stored):
    mine = stored[stored["postcode"] == "00100"]
    result = geocoder.geocode("00100 Helsinki")
    assert result.match_level == "postcode"
    assert metres(result.lon, result.lat, mine["lon"].mean(), mine["lat"].mean()) < 5
    assert result.matched_address == "00100 Helsinki"
    assert geocoder.geocode("", postcode="00100").match_level == "postcode"
    assert geocoder.geocode("99999 Helsinki").match_level == "none"


def test_confidence_falls_with_the_match_level(geocoder, stored):
    found = _interpolable(stored)
    _, low, _, n = found
    results = [
        geocoder.geocode(f"{low.street} {low.housenumber}"),
        geocoder.geocode(f"{low.street} {n}"),
        geocoder.geocode(low.street),
        geocoder.geocode("00100"),
        geocoder.geocode("Olematonkatu 1"),
    ]
    assert [r.match_level for r in results] == [
        "address",
        "interpolated",
        "street",
        "postcode",
        "none",
    ]
    confidences = [r.confidence for r in results]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0 <= c <= 1 for c in confidences) and confidences[-1] == 0
    assert {r.match_level for r in results} <= set(MATCH_LEVELS)
