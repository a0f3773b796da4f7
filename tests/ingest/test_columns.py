"""Which column feeds which customer field, with no database: names, aliases and --map."""

from __future__ import annotations

import pytest

from geocrm.errors import InvalidInput
from geocrm.ingest import parse_column_map, resolve_columns


def test_columns_named_like_the_fields_or_their_aliases_need_no_map():
    columns = ["Customer ID", "customer-name", "Latitude", "lng", "ZIP", "notes"]
    assert resolve_columns(columns, {}) == {
        "external_id": 0,
        "name": 1,
        "lat": 2,
        "lon": 3,
        "postcode": 4,
    }


def test_the_map_wins_over_the_names_and_the_first_column_of_a_field_wins():
    columns = ["Asiakasnumero", "Nimi", "name", "id"]
    mapping = parse_column_map(["Asiakasnumero = external_id", "Nimi=name"])
    assert mapping == {"Asiakasnumero": "external_id", "Nimi": "name"}
    assert resolve_columns(columns, mapping) == {"external_id": 0, "name": 1}


def test_a_missing_required_field_or_a_wrong_map_says_what_to_do():
    with pytest.raises(InvalidInput, match="--map COLUMN=external_id"):
        resolve_columns(["Nimi"], {"Nimi": "name"})
    with pytest.raises(InvalidInput, match="not customer fields"):
        resolve_columns(["id", "Nimi"], {"Nimi": "nickname"})
    with pytest.raises(InvalidInput, match="does not have"):
        resolve_columns(["id", "name"], {"Nimi": "name"})
    with pytest.raises(InvalidInput, match="SOURCE=TARGET"):
        parse_column_map(["Nimi"])
