"""Leads from the city (issue 16): a sales team opens the map and finds the businesses of
Helsinki that are not its customers yet, each once, with its address, building, footfall
and nearest store; what they decided about a lead survives every rebuild, and a customer
they import later is no lead any more."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from benchmarks.synthetic_city import write_synthetic_city
from geocrm import enrich
from geocrm.cli import main
from geocrm.pipeline import enrich_city, import_customers, load_city
from geocrm.prospecting.leads import (
    build_leads,
    lead_rules,
    refresh_network_fields,
    remove_customer_matches,
)

PREFIX = "T-lead-"
#: The columns of a lead a rebuild must give back the same
COLUMNS = (
    "lead_id, dataset_id, origin, name, category, subcategory, address, building_id, "
    "building_class, floor_area_m2, footfall_index, trade_area_ids, nearest_store_id, "
    "nearest_store_minutes, nearest_store_mode, h3_11, phone, email, website, "
    "ST_AsText(geom) AS geom"
)


@pytest.fixture(scope="module")
def built(engine, demo):
    """The demo city enriched (stores, trade areas, footfall), then its leads built; no
    lead left afterwards (as the other modules expect the database)."""
    enrich_city(engine, progress=False)
    yield build_leads(engine, "helsinki", progress=False)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.leads"))


@pytest.fixture
def own(engine, built):
    """Customers and statuses a test adds, removed afterwards, and the leads rebuilt."""
    yield
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM crm.customers WHERE external_id LIKE :p"), {"p": PREFIX + "%"}
        )
        conn.execute(text("DELETE FROM crm.lead_status WHERE updated_by = -16"))
    build_leads(engine, "helsinki", progress=False)


def _rows(engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def _lead_ids(engine) -> set[str]:
    return {r[0] for r in _rows(engine, "SELECT lead_id FROM crm.leads")}


def _import(engine, tmp_path: Path, rows: list[dict]) -> None:
    """Import customers (a CSV with the optional contact columns), as a user would."""
    path = tmp_path / "customers.csv"
    header = ["external_id", "name", "kind", "address", "lat", "lon", "phone", "email", "website"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows(rows)
    report = import_customers(engine, path, progress=False)
    assert report.rejected == 0, report


def _offset(lon: float, lat: float, metres_east: float) -> tuple[float, float]:
    """A point ``metres_east`` east of (lon, lat)."""
    return lon + metres_east / (111320 * 0.4985), lat  # cos(60.17°)


def test_the_demo_city_has_business_and_building_leads_and_no_street_furniture(engine, built):
    city = built.cities[0]
    assert city.dataset == "helsinki" and city.pois > 1900
    assert city.leads["poi"] > 500 and city.leads["building"] > 0
    assert city.total == len(_lead_ids(engine))
    kinds = dict(_rows(engine, "SELECT subcategory, count(*) FROM crm.leads GROUP BY 1"))
    assert kinds["restaurant"] > 100 and kinds["clothes"] > 50
    for furniture in (
        "bench",
        "waste_basket",
        "parking",
        "vending_machine",
        "bus_stop",
        "tram_stop",
        "platform",
    ):
        assert furniture not in kinds, furniture
    assert not _rows(engine, "SELECT 1 FROM crm.leads WHERE category = 'transit'")
    # every id is its OSM object's; a building lead is addressable and has no business inside
    for lead_id, origin, address in _rows(engine, "SELECT lead_id, origin, address FROM crm.leads"):
        assert re.fullmatch(r"[nwr]\d+", lead_id)
        assert origin == "poi" or address
    inside = _rows(
        engine,
        "SELECT l.lead_id FROM crm.leads l JOIN ref.buildings b ON b.building_id = l.building_id "
        "JOIN crm.leads p ON p.origin = 'poi' AND ST_Intersects(b.footprint, p.geom) "
        "WHERE l.origin = 'building'",
    )
    assert not inside
    # enriched like customers: address, building, footfall, store, H3 cell, contact details
    (n, address, building, floor, footfall, store, minutes, cells, phone, web) = _rows(
        engine,
        "SELECT count(*), count(address), count(building_id), count(floor_area_m2), "
        "count(footfall_index), count(nearest_store_id), count(nearest_store_minutes), "
        "count(*) FILTER (WHERE h3_11 >> 52 & 15 = 11), count(phone), count(website) "
        "FROM crm.leads",
    )[0]
    assert address > 0.9 * n and building > 0.9 * n and floor == building
    assert footfall > 0.9 * n and store == n and minutes == n and cells == n
    assert phone > 100 and web > 300


def test_a_lead_keeps_its_id_and_its_columns_across_rebuilds(engine, built):
    before = _rows(engine, f"SELECT {COLUMNS} FROM crm.leads ORDER BY lead_id")
    again = build_leads(engine, "helsinki", progress=False)
    after = _rows(engine, f"SELECT {COLUMNS} FROM crm.leads ORDER BY lead_id")
    assert after == before
    assert again.total == built.total


def test_a_status_and_a_score_survive_a_rebuild(engine, own):
    lead_id = _rows(engine, "SELECT min(lead_id) FROM crm.leads WHERE origin = 'poi'")[0][0]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO crm.lead_status (lead_id, status, updated_by) "
                "VALUES (:l, 'do_not_contact', -16)"
            ),
            {"l": lead_id},
        )
        conn.execute(
            text(
                "UPDATE crm.leads SET score = 0.75, reasons = ARRAY['a', 'b', 'c'] "
                "WHERE lead_id = :l"
            ),
            {"l": lead_id},
        )
    report = build_leads(engine, "helsinki", progress=False)
    assert report.cities[0].with_status >= 1
    assert _rows(engine, "SELECT status FROM crm.lead_status WHERE lead_id = :l", l=lead_id) == [
        ("do_not_contact",)
    ]
    assert _rows(engine, "SELECT score, reasons FROM crm.leads WHERE lead_id = :l", l=lead_id) == [
        (0.75, ["a", "b", "c"])
    ]


def _unique_lead(engine, where: str, taken: list[dict] = ()) -> dict:
    """The first POI lead matching ``where`` that is none of ``taken``."""
    row = _rows(
        engine,
        "SELECT l.lead_id, l.name, l.address, l.phone, l.website, l.email, ST_X(l.geom) AS lon, "
        "ST_Y(l.geom) AS lat FROM crm.leads l "
        f"WHERE l.origin = 'poi' AND NOT l.lead_id = ANY (:taken) AND {where} "
        "ORDER BY l.lead_id LIMIT 1",
        taken=[t["lead_id"] for t in taken],
    )
    assert row, where
    return row[0]._asdict()


#: The lead's name, address, phone, web site and e-mail are its own (no other lead's)
_ALONE = (
    "NOT EXISTS (SELECT 1 FROM crm.leads o WHERE o.lead_id <> l.lead_id AND ("
    "crm.search_normalize(o.name) = crm.search_normalize(l.name) "
    "OR crm.address_key(o.address) = crm.address_key(l.address) "
    "OR crm.phone_key(o.phone) = crm.phone_key(l.phone) "
    "OR crm.website_key(o.website) = crm.website_key(l.website) "
    "OR crm.email_key(o.email) = crm.email_key(l.email)))"
)


def test_customers_are_no_leads_by_name_address_phone_website_or_email(engine, own, tmp_path):
    taken: list[dict] = []
    for where in (
        "l.name IS NOT NULL",
        "l.name IS NOT NULL",
        "l.address IS NOT NULL",
        "l.phone LIKE '+358%' AND crm.phone_key(l.phone) IS NOT NULL",
        "l.website LIKE 'http%://www.%' AND l.website NOT LIKE '%facebook%'",
        "l.email IS NOT NULL",
    ):
        taken.append(_unique_lead(engine, f"{where} AND {_ALONE}", taken))
    named, far, addressed, phoned, webbed, mailed = taken
    near = _offset(named["lon"], named["lat"], 20)
    away = _offset(far["lon"], far["lat"], 200)
    # the phone as a person types it: national form, other spacing
    digits = re.sub(r"\D", "", phoned["phone"])
    local_phone = "0" + digits[3:5] + " " + digits[5:]
    host = re.sub(r"^https?://www\.", "", webbed["website"]).split("/")[0]
    street_part = addressed["address"].split(",")[0]
    blank = {"address": "", "phone": "", "email": "", "website": ""}
    _import(
        engine,
        tmp_path,
        [
            {
                **blank,
                "external_id": PREFIX + "name",
                "name": named["name"].upper() + "!",
                "kind": "business",
                "lon": near[0],
                "lat": near[1],
            },
            {
                **blank,
                "external_id": PREFIX + "far",
                "name": far["name"],
                "kind": "business",
                "lon": away[0],
                "lat": away[1],
            },
            {
                **blank,
                "external_id": PREFIX + "address",
                "name": "Osoite Oy",
                "kind": "business",
                "address": street_part.lower(),
                "lon": addressed["lon"],
                "lat": addressed["lat"],
            },
            {
                **blank,
                "external_id": PREFIX + "phone",
                "name": "Puhelin Oy",
                "kind": "business",
                "phone": local_phone,
                "lon": 24.94,
                "lat": 60.17,
            },
            {
                **blank,
                "external_id": PREFIX + "web",
                "name": "Verkko Oy",
                "kind": "business",
                "website": f"HTTP://{host.upper()}/about",
                "lon": 24.94,
                "lat": 60.17,
            },
            {
                **blank,
                "external_id": PREFIX + "mail",
                "name": "Posti Oy",
                "kind": "business",
                "email": mailed["email"].upper(),
                "lon": 24.94,
                "lat": 60.17,
            },
        ],
    )
    # the import removed them at once (remove_customer_matches), the one 200 m away stays
    ids = _lead_ids(engine)
    for gone in (named, addressed, phoned, webbed, mailed):
        assert gone["lead_id"] not in ids, gone
    assert far["lead_id"] in ids
    # and a rebuild does not bring them back: it counts them per rule
    report = build_leads(engine, "helsinki", progress=False)
    matched = report.matched()
    for rule in ("name", "address", "phone", "website", "email"):
        assert matched[rule] >= 1, rule
    ids = _lead_ids(engine)
    assert not {named["lead_id"], addressed["lead_id"], phoned["lead_id"]} & ids
    assert far["lead_id"] in ids


def test_a_person_at_the_address_or_an_address_of_many_businesses_is_no_match(
    engine, own, tmp_path
):
    lone = _unique_lead(engine, f"l.address IS NOT NULL AND {_ALONE}")
    shared = _rows(
        engine,
        "SELECT crm.address_key(address), array_agg(lead_id) FROM crm.leads "
        "WHERE address IS NOT NULL GROUP BY 1 HAVING count(*) >= 3 ORDER BY 1 LIMIT 1",
    )[0]
    blank = {"phone": "", "email": "", "website": "", "lat": "", "lon": ""}
    _import(
        engine,
        tmp_path,
        [
            {
                **blank,
                "external_id": PREFIX + "person",
                "name": "Aino Asukas",
                "kind": "person",
                "address": lone["address"],
            },
            {
                **blank,
                "external_id": PREFIX + "mall",
                "name": "Kauppakeskus Oy",
                "kind": "business",
                "address": shared[0],
            },
        ],
    )
    ids = _lead_ids(engine)
    assert lone["lead_id"] in ids
    assert set(shared[1]) <= ids


def test_the_customer_a_lead_became_does_not_remove_it(engine, own, tmp_path):
    lead = _unique_lead(engine, f"l.name IS NOT NULL AND {_ALONE}")
    blank = {"address": "", "phone": "", "email": "", "website": ""}
    _import(
        engine,
        tmp_path,
        [
            {
                **blank,
                "external_id": PREFIX + "became",
                "name": lead["name"],
                "kind": "business",
                "lon": lead["lon"],
                "lat": lead["lat"],
            }
        ],
    )
    assert lead["lead_id"] not in _lead_ids(engine)  # imported: a customer, no lead
    with engine.begin() as conn:  # ... unless it is the prospect the lead was assigned as
        conn.execute(
            text(
                "INSERT INTO crm.lead_status (lead_id, status, customer_id, updated_by) "
                "SELECT :l, 'assigned', customer_id, -16 FROM crm.customers WHERE external_id = :e"
            ),
            {"l": lead["lead_id"], "e": PREFIX + "became"},
        )
    build_leads(engine, "helsinki", progress=False)
    assert lead["lead_id"] in _lead_ids(engine)
    with engine.begin() as conn:
        assert remove_customer_matches(conn) == 0
    assert lead["lead_id"] in _lead_ids(engine)


@pytest.fixture
def synthetic(engine, built):
    """Synthetic cities a test writes (benchmarks/synthetic_city.py), removed afterwards."""
    names: list[str] = []

    def write(name: str, **sizes):
        names.append(name)
        return write_synthetic_city(engine, name, **sizes)

    yield write
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM ref.datasets WHERE name = ANY (:n)"), {"n": names})


def test_a_city_with_no_pois_gives_buildings_only_and_an_empty_one_says_so(engine, synthetic):
    synthetic("t_leads_no_pois", pois=0, buildings=60, seed=4)
    city = build_leads(engine, "t_leads_no_pois", progress=False).cities[0]
    assert city.pois == 0 and city.leads["poi"] == 0 and city.leads["building"] > 0
    assert "no points of interest" in city.message and "buildings" in city.message
    classes = {
        r[0]
        for r in _rows(
            engine,
            "SELECT l.building_class FROM crm.leads l JOIN ref.datasets d USING (dataset_id) "
            "WHERE d.name = 't_leads_no_pois'",
        )
    }
    assert classes and classes <= {"office", "retail", "commercial", "public"}

    synthetic("t_leads_empty", pois=0, buildings=0, seed=4)
    empty = build_leads(engine, "t_leads_empty", progress=False)
    assert empty.total == 0
    assert empty.cities[0].message.startswith("no leads: the city has no points of interest")
    assert "no leads" in empty.summary()


def test_homes_are_leads_only_when_the_company_sells_to_consumers(engine, synthetic, monkeypatch):
    synthetic("t_leads_homes", pois=0, buildings=80, seed=5)
    business = build_leads(engine, "t_leads_homes", progress=False).cities[0]
    consumers = build_leads(engine, "t_leads_homes", progress=False, sell_to_consumers=True).cities[
        0
    ]
    assert consumers.leads["building"] > business.leads["building"]
    assert "residential" in lead_rules(sell_to_consumers=True).building_classes
    assert "residential" not in lead_rules(sell_to_consumers=False).building_classes


def test_a_synthetic_city_is_seeded_and_its_pois_are_leads_once(engine, synthetic):
    first = synthetic("t_leads_syn", pois=3000, seed=9)
    points = _rows(
        engine,
        "SELECT count(*), sum(ST_X(geom)) FROM ref.pois WHERE dataset_id = :d",
        d=first.dataset_id,
    )
    again = synthetic("t_leads_syn", pois=3000, seed=9)
    assert (
        _rows(
            engine,
            "SELECT count(*), sum(ST_X(geom)) FROM ref.pois WHERE dataset_id = :d",
            d=again.dataset_id,
        )
        == points
    )
    city = build_leads(engine, "t_leads_syn", progress=False).cities[0]
    assert 1000 < city.leads["poi"] < 3000  # a third of the POIs are street furniture
    assert city.held_by_other_city == 0
    assert all(city.steps[s] >= 0 for s in ("candidates", "H3 cells", "place", "dedupe"))


def test_reloading_the_city_rebuilds_its_leads(engine, own):
    lead_id = _rows(engine, "SELECT max(lead_id) FROM crm.leads WHERE origin = 'poi'")[0][0]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.leads WHERE lead_id = :l"), {"l": lead_id})
    loaded = load_city(engine, force=True, progress=False)
    assert loaded.leads is not None and loaded.leads.total > 500
    assert lead_id in _lead_ids(engine)


def test_new_stores_refresh_the_leads_stores_trade_areas_and_footfall(engine, own, monkeypatch):
    fields = "nearest_store_id, nearest_store_minutes, trade_area_ids, footfall_index"
    before = _rows(engine, f"SELECT lead_id, {fields} FROM crm.leads ORDER BY lead_id")
    wipe = (
        "UPDATE crm.leads SET nearest_store_id = NULL, nearest_store_minutes = NULL, "
        "trade_area_ids = '{}', footfall_index = NULL"
    )
    with engine.begin() as conn:
        conn.execute(text(wipe))
    assert refresh_network_fields(engine, "helsinki") == len(before)
    assert _rows(engine, f"SELECT lead_id, {fields} FROM crm.leads ORDER BY lead_id") == before
    assert refresh_network_fields(engine, "helsinki") == 0  # nothing changed: nothing written

    # `geocrm enrich` refreshes them when it recomputed the stores' layers (here told so:
    # recomputing them for real takes a minute, tests/test_enrich.py does it)
    with engine.begin() as conn:
        conn.execute(text(wipe))
    monkeypatch.setattr(
        enrich, "enrich", lambda *_a, **_k: enrich.EnrichReport("helsinki", network_recomputed=True)
    )
    enrich_city(engine, progress=False)
    assert _rows(engine, f"SELECT lead_id, {fields} FROM crm.leads ORDER BY lead_id") == before


def test_the_leads_command_builds_and_says_what_it_found(use_database, built, capsys):
    assert main(["leads", "build", "--dataset", "helsinki"]) == 0
    out = capsys.readouterr().out
    assert "leads of 'helsinki'" in out and "already customers:" in out
    assert main(["leads", "build", "--json"]) == 0  # every loaded city
    data = json.loads(capsys.readouterr().out)
    assert data["leads"] > 500 and set(data["matched_customers"]) >= {"name", "total"}
    assert "helsinki" in [c["dataset"] for c in data["cities"]]
    assert main(["leads", "build", "--dataset", "atlantis"]) == 3
    assert "No loaded city named 'atlantis'" in capsys.readouterr().err
