"""A known street with a house number the city does not have: the street, flagged.

Pelias and Nominatim answer such an address with the street; so does GeoCRM, at match level
``street`` with a confidence of at most 0.5 so that ``geocoding-issues`` lists it. A street
the city does not have still gets ``none``. The streets are a seeded sample of the loaded
city's (not hand-picked) with invented numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from geocrm.customers import geocoding_issues
from geocrm.geocode import GeocodeResult
from geocrm.ingest import import_customers
from tests.ingest.customer_files import write_csv

EPS_DEG = 1e-6  # about 10 cm


def _typo(street: str) -> str:
    i = len(street) // 2  # swap two letters in the middle
    return street[:i] + street[i + 1] + street[i] + street[i + 2 :]


@pytest.fixture(scope="module")
def held_out(engine, stored) -> pd.DataFrame:
    """40 real streets of the loaded city with at least three plain numbers, each with the
    box of its addresses and geometry (where a street-level answer must fall) and its
    highest number."""
    plain = stored[stored["plain"]]
    sizes = plain.groupby("street")["n"].agg(["size", "max"])
    names = sizes[sizes["size"] >= 3].sample(n=40, random_state=14).index.tolist()
    with engine.connect() as conn:
        lines = pd.read_sql(
            text(
                "SELECT name_fi AS street, ST_XMin(e) AS x0, ST_YMin(e) AS y0, "
                "ST_XMax(e) AS x1, ST_YMax(e) AS y1 "
                "FROM (SELECT name_fi, ST_Extent(geom)::geometry AS e FROM ref.streets "
                "      WHERE name_fi = ANY(:names) GROUP BY name_fi) s"
            ),
            conn,
            params={"names": names},
        )
    points = stored[stored["street"].isin(names)]
    boxes = points.groupby("street").agg(
        x0=("lon", "min"), y0=("lat", "min"), x1=("lon", "max"), y1=("lat", "max")
    )
    boxes = (
        pd.concat([boxes.reset_index(), lines])
        .groupby("street")
        .agg({"x0": "min", "y0": "min", "x1": "max", "y1": "max"})
    )
    return boxes.join(sizes["max"].rename("top"))


def _inside(result: GeocodeResult, box) -> bool:
    return (
        box.x0 - EPS_DEG <= result.lon <= box.x1 + EPS_DEG
        and box.y0 - EPS_DEG <= result.lat <= box.y1 + EPS_DEG
    )


def test_real_streets_with_numbers_they_do_not_have_fall_back_to_the_street(geocoder, held_out):
    rng = np.random.default_rng(14)
    for street, box in held_out.iterrows():
        alone = geocoder.geocode(street)
        assert alone.match_level == "street", street
        assert _inside(alone, box), street
        for number in (int(box.top) + int(rng.integers(300, 900)), 0):
            typed = f"{street} {number}"
            result = geocoder.geocode(typed)
            assert result.match_level == "street", (typed, result)
            assert 0 < result.confidence <= 0.5, typed
            assert result.confidence < alone.confidence  # a number it does not have: less sure
            assert (result.lon, result.lat) == (alone.lon, alone.lat), typed
            assert result.matched_address.startswith(street), typed


def test_a_typo_in_the_street_falls_back_too_where_the_typo_is_forgiven(geocoder, held_out):
    forgiven = 0
    for street, box in held_out.iterrows():
        typo = _typo(street)
        if typo == street:
            continue
        alone = geocoder.geocode(typo)
        if alone.match_level != "street" or not alone.matched_address.startswith(street):
            continue  # too short to forgive, or as near another street's name
        forgiven += 1
        result = geocoder.geocode(f"{typo} {int(box.top) + 777}")
        assert result.match_level == "street", typo
        assert 0 < result.confidence <= 0.5 and result.confidence < alone.confidence
        assert (result.lon, result.lat) == (alone.lon, alone.lat)
        assert _inside(result, box), typo
    assert forgiven >= 20  # most names are long enough for a typo to be forgiven


def test_existing_addresses_are_unchanged(geocoder, unambiguous):
    for row in unambiguous.itertuples():
        result = geocoder.geocode(f"{row.street} {row.housenumber}")
        assert result.match_level == "address"
        assert (result.lon, result.lat) == (row.lon, row.lat)
        assert result.confidence == 1.0


@pytest.mark.parametrize("typed", ["Olematonkatu 799", "Kuvitteellinentie", "Xyzzykatu 5"])
def test_a_street_the_city_does_not_have_still_gets_none(geocoder, typed):
    assert geocoder.geocode(typed) == GeocodeResult(None, None, "none", 0.0, None)


def test_an_import_places_the_customer_on_the_street_and_lists_it_as_an_issue(
    engine, city, tmp_path
):
    rows = [
        ["T-geo1", "Unknown number", "Vuorikatu 799", "customer"],
        ["T-geo2", "Known address", "Aleksanterinkatu 5", "customer"],
        ["T-geo3", "No such street", "Olematonkatu 799", "customer"],
    ]
    path = write_csv(tmp_path / "c.csv", rows, header=["external_id", "name", "address", "stage"])
    try:
        report = import_customers(engine, path, progress=False)
        assert (report.inserted, report.geocoded, report.not_geocoded) == (3, 2, 1)
        with engine.connect() as conn:
            landed = {
                r.external_id: r
                for r in conn.execute(
                    text(
                        "SELECT external_id, geocode_match_level AS level, "
                        "geocode_confidence AS confidence, geocoded_address, geom "
                        "FROM crm.customers WHERE external_id LIKE 'T-geo%'"
                    )
                )
            }
            # the point lies within the extent of Vuorikatu's addresses
            inside = conn.execute(
                text(
                    "SELECT ST_Intersects(ST_Expand(ST_Extent(a.geom)::geometry, 1e-6), "
                    "                     ST_SetSRID(c.geom, 0)) "
                    "FROM ref.addresses a, crm.customers c "
                    "WHERE a.street = 'Vuorikatu' AND c.external_id = 'T-geo1' GROUP BY c.geom"
                )
            ).scalar()
        assert landed["T-geo1"].level == "street" and 0 < landed["T-geo1"].confidence <= 0.5
        assert landed["T-geo1"].geocoded_address.startswith("Vuorikatu")
        assert inside
        assert landed["T-geo2"].level == "address"
        assert landed["T-geo3"].level == "none" and landed["T-geo3"].geom is None
        issues = {r["external_id"]: r for r in geocoding_issues(engine, limit=100_000)}
        assert issues["T-geo1"]["match_level"] == "street"
        assert "T-geo3" in issues and "T-geo2" not in issues
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM crm.customers WHERE external_id LIKE 'T-geo%'"))


def test_the_api_geocoder_answers_the_street(client):
    res = client.post(
        "/api/geocode", json={"addresses": ["Vuorikatu 799", "vuorikadu 799", "Olematonkatu 799"]}
    )
    assert res.status_code == 200
    street, typo, unknown = res.json()["results"]
    assert street["match_level"] == "street" and 0 < street["confidence"] <= 0.5
    assert street["matched_address"].startswith("Vuorikatu")
    assert (typo["match_level"], typo["lat"], typo["lon"]) == (
        "street",
        street["lat"],
        street["lon"],
    )
    assert unknown["match_level"] == "none" and unknown["lat"] is None
