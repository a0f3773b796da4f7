"""Fixtures: the loaded city's geocoder and its stored addresses (the truth to check against)."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

from geocrm.geocode import Geocoder, normalise_address


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
