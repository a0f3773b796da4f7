"""Address parsing, with no database: what people type, taken apart the same way every time.

A rep types ``Aleksanterink. 5 B 12, 00100 Helsinki`` or ``12 B Bulevardi``; the parser has
to agree on the street key, the house number (letter and range included), the postcode
and the city before the index is ever asked.
"""

from __future__ import annotations

import pytest

from geocrm.geocode import normalise_address
from geocrm.geocode.address import (
    CITY_ALIASES,
    city_key,
    expand_undotted,
    fold,
    number_key,
    parse_address,
    parse_plain_number,
    plain_street_key,
    street_key,
    street_part,
)


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


# -- the README's examples, taken apart ---------------------------------------------------------
def _parts(typed: str) -> tuple:
    parsed = parse_address(typed)
    return parsed.street, parsed.number, parsed.letter, parsed.end


@pytest.mark.parametrize(
    ("typed", "street", "number", "letter", "end"),
    [
        # missing diacritics and shouting find the same street as the proper spelling
        ("Lonnrotinkatu 7", "lonnrotinkatu", 7, None, None),
        ("Lönnrotinkatu 7", "lonnrotinkatu", 7, None, None),
        ("LÖNNROTINKATU 7", "lonnrotinkatu", 7, None, None),
        # Finnish abbreviations: glued, hyphenated or spaced
        ("Aleksanterink. 5", "aleksanterinkatu", 5, None, None),
        ("Aleksanterin-k. 5", "aleksanterinkatu", 5, None, None),
        ("Aleksanterin k. 5", "aleksanterinkatu", 5, None, None),
        ("Mannerheimint.", "mannerheimintie", None, None, None),
        # Swedish: "-g." is -gatan, "-v." is -vägen
        ("Alexandersg. 5", "alexandersgatan", 5, None, None),
        ("Mannerheimv. 3", "mannerheimvagen", 3, None, None),
        ("Alexandersgatan 5, Helsingfors", "alexandersgatan", 5, None, None),
        # staircase and flat: the staircase letter stays with the number, the flat goes
        ("Bulevardi 5 A 12", "bulevardi", 5, "a", None),
        ("Bulevardi 5 as. 3", "bulevardi", 5, None, None),
        ("Bulevardi 5, 5. krs", "bulevardi", 5, None, None),
        ("Bulevardi 5 3rd floor", "bulevardi", 5, None, None),
        ("Bulevardi 5 lgh 1203", "bulevardi", 5, None, None),
        # lettered numbers, glued or spaced, and ranges in either order
        ("Bulevardi 12a", "bulevardi", 12, "a", None),
        ("Bulevardi 12 B", "bulevardi", 12, "b", None),
        ("Bulevardi 12-14", "bulevardi", 12, None, 14),
        ("Bulevardi 14-12", "bulevardi", 12, None, 14),
        ("Bulevardi 12A-14", "bulevardi", 12, None, 14),  # a range loses its letters
        # the number first
        ("5 Bulevardi", "bulevardi", 5, None, None),
        ("12 B Bulevardi", "bulevardi", 12, "b", None),
    ],
)
def test_the_readme_examples_parse_to_street_number_letter_and_range(
    typed, street, number, letter, end
):
    assert _parts(typed) == (street, number, letter, end)


def test_a_trailing_floor_without_a_dot_is_not_mistaken_for_a_suffix():
    # "5 krs" could be the house number followed by a stray word: the number is kept
    parsed = parse_address("Bulevardi 5 krs")
    assert (parsed.street, parsed.number) == ("bulevardi", 5)
    assert parsed.text_key == "bulevardikrs"


def test_postcode_and_city_are_taken_out_of_the_street():
    parsed = parse_address("Bulevardi 5 A 12, 00100 Helsingfors")
    assert parsed.streets == ("bulevardi",)
    assert (parsed.number, parsed.letter) == (5, "a")
    assert (parsed.postcode, parsed.city) == ("00100", "helsinki")
    alone = parse_address("FI-00100 Helsinki")
    assert (alone.streets, alone.number, alone.postcode, alone.city) == (
        (),
        None,
        "00100",
        "helsinki",
    )
    assert parse_address("Helsinki").streets == ()


def test_a_place_and_a_street_are_read_whole_first_then_street_then_place():
    parsed = parse_address("Kaivopiha, Mannerheimintie 1")
    assert parsed.streets == ("kaivopihamannerheimintie", "mannerheimintie", "kaivopiha")
    assert (parsed.street, parsed.number) == ("mannerheimintie", 1)


def test_a_place_name_without_a_number_is_kept_whole_for_the_poi_lookup():
    parsed = parse_address("Hotelli Torni")
    assert (parsed.street, parsed.number, parsed.text_key) == (
        "hotellitorni",
        None,
        "hotellitorni",
    )


def test_cities_the_index_knows_are_recognised_besides_the_aliases():
    assert parse_address("Koulukatu 3, Nurmijärvi").city is None
    known = parse_address("Koulukatu 3, Nurmijärvi", cities={"nurmijarvi"})
    assert (known.streets, known.city) == (("koulukatu",), "nurmijarvi")


# -- the building blocks ------------------------------------------------------------------------
def test_folding_lowers_and_strips_diacritics():
    assert fold("Östersundomintie Åbo Café Straße") == "ostersundomintie abo cafe strasse"
    assert fold("Pitäjänmäentie \u2013 Vihdintie") == "pitajanmaentie - vihdintie"


def test_street_keys_expand_every_abbreviation():
    assert [
        street_key(name)
        for name in ("Aleksanterin-k.", "Ateneuminkj.", "Lönnrotin pst.", "Rautatientr.")
    ] == ["aleksanterinkatu", "ateneuminkuja", "lonnrotinpuistikko", "rautatientori"]


def test_an_abbreviation_typed_without_its_dot_is_expanded_only_on_request():
    assert street_key("Mannerheimint") == "mannerheimint"
    assert expand_undotted("mannerheimint") == "mannerheimintie"
    assert expand_undotted("kat") is None  # too short to tell
    assert expand_undotted("bulevardi") is None


def test_swedish_city_names_map_to_the_finnish_ones():
    assert city_key("Helsingfors") == "helsinki"
    assert city_key("ESBO") == "espoo"
    assert city_key("Kirkkonummi") == "kirkkonummi"
    assert city_key("7") is None and city_key(None) is None
    assert set(CITY_ALIASES.values()) >= {"helsinki", "espoo", "vantaa", "turku"}


def test_house_numbers_have_one_canonical_form():
    assert [number_key(12, None, None), number_key(12, "b", None), number_key(12, None, 14)] == [
        "12",
        "12b",
        "12-14",
    ]


def test_stored_numbers_and_streets_that_are_not_plain_need_the_full_parser():
    assert parse_plain_number("12 B") == (12, "b", None)
    assert parse_plain_number("14-12") == (12, None, 14)
    assert parse_plain_number("26, 14. krs.") is None
    assert plain_street_key("Mannerheimintie") == "mannerheimintie"
    assert plain_street_key("Caisa, Vilhonkatu") is None
    assert plain_street_key("Pohjoisesplanadi 33") is None
    assert street_part("Caisa, Vilhonkatu") == "Vilhonkatu"
    assert street_part("Pohjoisesplanadi 33") == "Pohjoisesplanadi"
    assert street_part("Mannerheimintie") == "Mannerheimintie"
