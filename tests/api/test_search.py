"""The map's search box behind /api/search: addresses, streets, places and accounts, each
answer with a point to fly to (and an extent for streets and places); accounts only those
the caller may see."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import text

from geocrm.search import SEARCH_MAX_CHARS, SEARCH_MAX_LIMIT


def _metres(a, b) -> float:
    x = math.radians(b[0] - a[0]) * math.cos(math.radians((a[1] + b[1]) / 2))
    return 6_371_000 * math.hypot(x, math.radians(b[1] - a[1]))


def _search(client, q, **params):
    res = client.get("/api/search", params={"q": q, **params})
    assert res.status_code == 200, res.text
    return res.json()


def test_an_address_comes_first_with_its_point(client, engine):
    hits = _search(client, "Aleksanterinkatu 5")
    first = hits[0]
    assert first["kind"] == "address"
    assert first["label"].startswith("Aleksanterinkatu 5")
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT ST_X(geom), ST_Y(geom) FROM ref.addresses "
                "WHERE street = 'Aleksanterinkatu' AND housenumber = '5'"
            )
        ).first()
    assert _metres(first["center"], stored) < 1
    assert "bbox" not in first and "customer_id" not in first


def test_a_street_is_found_with_its_extent_in_finnish_swedish_and_misspelt(client, engine):
    with engine.connect() as conn:
        west, south, east, north = conn.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                "(SELECT ST_Extent(geom)::geometry AS e FROM ref.streets "
                "WHERE name_fi = 'Aleksanterinkatu') s"
            )
        ).one()
    for q in ("Aleksanterinkatu", "aleksanterink", "Alexandersgatan", "Aleksanterinktau"):
        hits = _search(client, q)
        street = next((h for h in hits if h["kind"] == "street"), None)
        assert street and street["label"] == "Aleksanterinkatu", (q, hits)
        assert street["bbox"] == pytest.approx([west, south, east, north], abs=1e-6), q
        lon, lat = street["center"]
        assert west <= lon <= east and south <= lat <= north
    assert "Alexandersgatan" in street["detail"]


def test_places_are_found_despite_accents_typos_and_in_swedish(client, engine):
    with engine.connect() as conn:
        kamppi = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM ref.places WHERE name = 'Kamppi'")
        ).one()
    for q, name in (
        ("Kamppi", "Kamppi"),
        ("kampi", "Kamppi"),  # a letter missing
        ("Kampen", "Kamppi"),  # Swedish
        ("paaskynen", "Pääskynen"),  # no accents typed
        ("Senaatintori", "Senaatintori"),
        ("Senaatintorri", "Senaatintori"),
        ("Punavuori", "Punavuori"),
    ):
        hits = _search(client, q)
        assert hits[0]["kind"] == "place" and hits[0]["label"] == name, (q, hits)
    hit = _search(client, "Kamppi")[0]
    assert _metres(hit["center"], kamppi) < 1
    assert hit["detail"].startswith("District") and "Kampen" in hit["detail"]
    west, south, east, north = hit["bbox"]
    assert west < hit["center"][0] < east and south < hit["center"][1] < north


def test_a_district_that_is_also_a_place_node_is_listed_once(client):
    hits = _search(client, "Kaartinkaupunki")
    assert [h["label"] for h in hits if h["kind"] == "place"] == ["Kaartinkaupunki"]
    assert "bbox" in hits[0]  # the node, with the district's extent


def test_accounts_are_found_only_by_those_who_may_see_them(client, client_as, engine):
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT customer_id, name, assigned_rep_id FROM crm.customers "
                "WHERE geom IS NOT NULL AND assigned_rep_id IS NOT NULL ORDER BY customer_id"
            )
        ).all()
    mine = rows[0]
    other = next(r for r in rows if r.assigned_rep_id != mine.assigned_rep_id)
    rep = client_as("rep", (mine.assigned_rep_id,))
    by_admin = _search(client, mine.name, limit=SEARCH_MAX_LIMIT)
    assert mine.customer_id in {h.get("customer_id") for h in by_admin}
    hit = next(h for h in by_admin if h.get("customer_id") == mine.customer_id)
    assert hit["kind"] == "customer" and hit["label"] == mine.name and len(hit["center"]) == 2
    assert mine.customer_id in {
        h.get("customer_id") for h in _search(rep, mine.name, limit=SEARCH_MAX_LIMIT)
    }
    # the rep never sees another rep's account, however it is searched
    owners = {r.customer_id: r.assigned_rep_id for r in rows}
    for q in (other.name, other.name[:6], "oy", "katu", "ab"):
        res = rep.get("/api/search", params={"q": q, "limit": SEARCH_MAX_LIMIT})
        assert res.status_code == 200, res.text
        found = {h["customer_id"] for h in res.json() if h["kind"] == "customer"}
        assert all(owners.get(c) == mine.assigned_rep_id for c in found), q
    # an analyst sees no account at all, but still streets and places
    analyst = client_as("analyst")
    hits = _search(analyst, mine.name, limit=SEARCH_MAX_LIMIT)
    assert not [h for h in hits if h["kind"] == "customer"]
    assert _search(analyst, "Kamppi")[0]["label"] == "Kamppi"


@pytest.mark.parametrize(
    "params",
    [
        {"q": "a"},
        {"q": "  .-  "},
        {"q": "x" * (SEARCH_MAX_CHARS + 1)},
        {"q": "kamppi", "limit": 0},
        {"q": "kamppi", "limit": SEARCH_MAX_LIMIT + 1},
        {"q": "kamppi", "limit": "1e3"},
        {},
    ],
)
def test_bad_queries_are_refused(client, params):
    assert client.get("/api/search", params=params).status_code == 422


def test_limit_caps_the_results(client):
    assert len(_search(client, "katu", limit=3)) == 3
    assert len(_search(client, "katu", limit=20)) > 3
