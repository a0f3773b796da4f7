"""The offline geocoder: addresses as people type them, found at the right place or not at all.

Addresses are picked from the loaded city (``ref.addresses``), not hard-coded, and every
answer is checked against the stored point in metres.
"""

from __future__ import annotations

import itertools
import math
import re
import sys
import types

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from geocrm.errors import InvalidInput, NotFound, SetupError
from geocrm.geocode import (
    MATCH_LEVELS,
    CachedRateLimitedProvider,
    Geocoder,
    GeocodeResult,
    NominatimProvider,
    cached_geocoder,
    geocode_csv,
    normalise_address,
    reverse_geocode_many,
)

NO_DIACRITICS = str.maketrans("äöåÄÖÅéü", "aoaAOAeu")


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Haversine distance (independent of the geocoder's own arithmetic)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def off_by(result: GeocodeResult, row) -> float:
    assert result.lat is not None, f"no point for {row.street} {row.housenumber}: {result}"
    return metres(result.lon, result.lat, row.lon, row.lat)


@pytest.fixture(scope="module")
def geocoder(engine, city) -> Geocoder:
    return Geocoder.from_database(engine)


@pytest.fixture(scope="module")
def stored(engine, city) -> pd.DataFrame:
    """The city's addresses with the street key and the leading integer of each number."""
    with engine.connect() as conn:
        frame = pd.read_sql(
            text(
                "SELECT street, street_sv, housenumber, postcode, city, "
                "ST_X(geom) AS lon, ST_Y(geom) AS lat FROM ref.addresses ORDER BY address_id"
            ),
            conn,
        )
    frame["key"] = [normalise_address(s)[0] for s in frame["street"]]
    frame["n"] = frame["housenumber"].str.extract(r"^\s*(\d+)", expand=False).astype(float)
    frame["plain"] = frame["housenumber"].str.fullmatch(r"\d+") & ~frame["street"].str.contains(
        r"[\d,]"
    )
    return frame


@pytest.fixture(scope="module")
def unambiguous(stored) -> pd.DataFrame:
    """Plain addresses whose street key and number appear once in the city in any form
    (no "5 B" beside a "5", no two spellings of the street): the true point is clear."""
    same_number = stored.groupby(["key", "n"])["street"].transform("size")
    picked = stored[stored["plain"] & (same_number == 1)]
    return picked.sample(n=min(25, len(picked)), random_state=3).reset_index(drop=True)


# -- normalising -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Aleksanterinkatu 5", ("aleksanterinkatu", "5")),
        ("  ALEKSANTERINKATU   5 ", ("aleksanterinkatu", "5")),
        ("Lonnrotinkatu 7", ("lonnrotinkatu", "7")),
        ("Lönnrotinkatu 7, 00120 Helsinki", ("lonnrotinkatu", "7")),
        ("Aleksanterink. 5", ("aleksanterinkatu", "5")),
        ("Aleksanterin k. 5", ("aleksanterinkatu", "5")),
        ("Aleksanterin-k. 5", ("aleksanterinkatu", "5")),
        ("Mannerheimint. 3", ("mannerheimintie", "3")),
        ("Ateneuminkj. 4", ("ateneuminkuja", "4")),
        ("Alexandersg. 5, Helsingfors", ("alexandersgatan", "5")),
        ("Mannerheimv. 3", ("mannerheimvagen", "3")),
        ("Lönnrotin pst. 3", ("lonnrotinpuistikko", "3")),
        ("Rautatientr. 1", ("rautatientori", "1")),
        ("Bulevardi 5 A 12", ("bulevardi", "5a")),
        ("Bulevardi 5 as. 3", ("bulevardi", "5")),
        ("Bulevardi 5 C 21 5. krs", ("bulevardi", "5c")),
        ("Bulevardi 5 lgh 3", ("bulevardi", "5")),
        ("Bulevardi 5 bst", ("bulevardi", "5")),
        ("Bulevardi 5, krs 5", ("bulevardi", "5")),
        ("Bulevardi 12B", ("bulevardi", "12b")),
        ("Bulevardi 12 b", ("bulevardi", "12b")),
        ("Bulevardi 12-14", ("bulevardi", "12-14")),
        ("Bulevardi 14 \u2013 12", ("bulevardi", "12-14")),  # an en dash
        ("5 Bulevardi", ("bulevardi", "5")),
        ("12 B Bulevardi", ("bulevardi", "12b")),
        ("  Bulevardi,  5 ,Helsinki. ", ("bulevardi", "5")),
        ("Pohjoisesplanadi 33, pohjakerros/Floor-1", ("pohjoisesplanadi", "33")),
        ("00100 Helsinki", ("", None)),
        ("Bulevardi", ("bulevardi", None)),
    ],
)
def test_typed_addresses_normalise_to_one_street_key_and_number(typed, expected):
    assert normalise_address(typed) == expected


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
    for typed in ("Bulevardi", "bulevardi, helsinki", f"Bulevardi {top + 2}"):
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
        "Bulevardi 999",
        "Mannerheimintie 4000",
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


# -- built from frames: two towns, streets without addresses -----------------------------------
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


# -- the demo customers' file ------------------------------------------------------------------
def test_the_demo_import_file_geocodes_to_the_truth(geocoder, demo):
    truth = pd.read_csv(demo.truth_file, dtype=str, keep_default_na=False)
    results = geocoder.geocode_many(truth["typed_address"].tolist())
    found = np.array([r.lat is not None for r in results])
    nonexistent = (truth["noise"] == "nonexistent").to_numpy()
    assert nonexistent.sum() > 0 and found[nonexistent].sum() == 0
    close = np.array(
        [
            r.lat is not None and metres(r.lon, r.lat, float(x), float(y)) < 50
            for r, x, y in zip(results, truth["lon"], truth["lat"], strict=True)
        ]
    )
    assert close[~nonexistent].mean() >= 0.97


# -- files and servers ----------------------------------------------------------------------------
def test_a_csv_file_of_addresses_is_geocoded_into_another(geocoder, unambiguous, tmp_path):
    row = unambiguous.iloc[0]
    source = tmp_path / "in.csv"
    source.write_text(
        f"id;address;postcode\nA-1;{row.street} {row.housenumber};00100\nA-2;Olematonkatu 1;\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    summary = geocode_csv(source, out, geocoder, postcode_column="postcode", progress=False)
    assert summary == {
        "rows": 2,
        "address": 1,
        "interpolated": 0,
        "street": 0,
        "poi": 0,
        "postcode": 0,
        "none": 1,
    }
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(written.columns) == [
        "id",
        "address",
        "postcode",
        "lat",
        "lon",
        "match_level",
        "confidence",
        "matched_address",
    ]
    assert written["postcode"].tolist() == ["00100", ""]  # leading zeros kept
    assert metres(float(written.at[0, "lon"]), float(written.at[0, "lat"]), row.lon, row.lat) < 50
    assert (written.at[1, "match_level"], written.at[1, "lat"]) == ("none", "")
    with pytest.raises(InvalidInput, match="street_address"):
        geocode_csv(source, out, geocoder, address_column="street_address", progress=False)
    with pytest.raises(NotFound):
        geocode_csv(tmp_path / "missing.csv", out, geocoder, progress=False)


def test_the_server_geocoder_is_built_once_and_again_after_the_city_is_reloaded(engine, city):
    first = cached_geocoder(engine)
    assert cached_geocoder(engine) is first
    bump = "UPDATE ref.datasets SET loaded_at = loaded_at + CAST(:s AS interval)"
    with engine.begin() as conn:
        conn.execute(text(bump), {"s": "1 second"})
    try:
        assert cached_geocoder(engine) is not first
    finally:
        with engine.begin() as conn:
            conn.execute(text(bump), {"s": "-1 second"})


# -- reverse geocoding ---------------------------------------------------------------------------
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


# -- online providers: cache and rate limit, no network -----------------------------------------
class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeProvider:
    name = "fake"

    def __init__(self, clock: FakeClock):
        self.clock = clock
        self.calls: list[tuple[str, float]] = []

    def geocode(self, address: str) -> GeocodeResult:
        self.calls.append((address, self.clock.now))
        self.clock.now += 0.2  # a network round trip
        if "olematon" in address:
            return GeocodeResult(None, None, "none", 0.0, None)
        return GeocodeResult(60.17, 24.94, "address", 0.9, address.title())


@pytest.fixture
def cached(engine):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.geocode_cache"))
    clock = FakeClock()
    provider = FakeProvider(clock)
    wrapper = CachedRateLimitedProvider(provider, engine, clock=clock, sleep=clock.sleep)
    return wrapper, provider, clock


def test_online_answers_are_cached_in_the_database(cached, engine):
    wrapper, provider, _ = cached
    first = wrapper.geocode("Bulevardi 5, Helsinki")
    again = wrapper.geocode("  bulevardi 5,   HELSINKI ")
    assert first == again == GeocodeResult(60.17, 24.94, "address", 0.9, "Bulevardi 5, Helsinki")
    assert len(provider.calls) == 1
    nothing = wrapper.geocode("Olematonkatu 1")
    assert nothing.match_level == "none" and wrapper.geocode("olematonkatu 1") == nothing
    assert len(provider.calls) == 2
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT query, provider, match_level FROM crm.geocode_cache ORDER BY query")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("bulevardi 5, helsinki", "fake", "address"),
        ("olematonkatu 1", "fake", "none"),
    ]


def test_online_calls_are_spaced_by_the_minimum_interval(cached):
    wrapper, provider, clock = cached
    for i in range(4):
        wrapper.geocode(f"Bulevardi {i + 1}")
    starts = [t for _, t in provider.calls]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(starts))
    assert clock.sleeps and all(s == pytest.approx(0.8) for s in clock.sleeps)
    clock.now += 5  # a pause longer than the interval: no wait
    wrapper.geocode("Bulevardi 99")
    assert len(clock.sleeps) == 3
    wrapper.geocode("Bulevardi 1")  # cached: no call, no wait
    assert len(provider.calls) == 5 and len(clock.sleeps) == 3


def test_nominatim_without_geopy_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "geopy", None)
    monkeypatch.setitem(sys.modules, "geopy.geocoders", None)
    with pytest.raises(SetupError, match="pip install geopy"):
        NominatimProvider()


def test_nominatim_answers_become_match_levels(monkeypatch):
    answers = {
        "house": {"lat": "60.1", "lon": "24.9", "class": "place", "addresstype": "place",
                  "address": {"house_number": "5"}, "display_name": "Bulevardi 5"},
        "road": {"lat": "60.2", "lon": "24.8", "class": "highway", "addresstype": "road"},
        "cafe": {"lat": "60.3", "lon": "24.7", "class": "amenity", "addresstype": "amenity"},
        "city": {"lat": "60.4", "lon": "24.6", "class": "boundary", "addresstype": "city"},
    }  # fmt: skip

    class FakeNominatim:
        def __init__(self, **options):
            assert options["user_agent"] == "geocrm-test"

        def geocode(self, address, **_):
            raw = answers.get(address)
            return None if raw is None else types.SimpleNamespace(raw=raw)

    fake = types.ModuleType("geopy.geocoders")
    fake.Nominatim = FakeNominatim
    monkeypatch.setitem(sys.modules, "geopy", types.ModuleType("geopy"))
    monkeypatch.setitem(sys.modules, "geopy.geocoders", fake)
    provider = NominatimProvider("geocrm-test")
    levels = {a: provider.geocode(a).match_level for a in [*answers, "missing"]}
    assert levels == {
        "house": "address",
        "road": "street",
        "cafe": "poi",
        "city": "none",  # a city's centre is not a customer's place
        "missing": "none",
    }
    assert provider.geocode("house").matched_address == "Bulevardi 5"
