"""A marketer draws target zones, counts and exports their audience; a rep finds an account
and reads its history. Counts are checked against an independent count (shapely on the
customers' points), exports against counts, tiles by decoding them."""

from __future__ import annotations

import csv
import io
import math
import time
from decimal import Decimal

import mapbox_vector_tile
import pytest
import shapely
from shapely.geometry import Point, shape
from sqlalchemy import text

from geocrm import zones
from geocrm.cli import main
from geocrm.pipeline import enrich_city
from geocrm.tiles import tile_xy

#: About 1 km² of central Helsinki (0.018° of longitude x 0.009° of latitude at 60.17° N).
WEST, SOUTH, EAST, NORTH = 24.936, 60.165, 24.954, 60.174
CENTRE = (24.9384, 60.1699)  # by the railway station


def _box(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


BOX = _box(WEST, SOUTH, EAST, NORTH)
#: A pentagon-ish polygon drawn by hand, for counts that are not a box.
DRAWN = {
    "type": "Polygon",
    "coordinates": [
        [
            [24.9380, 60.1660],
            [24.9500, 60.1655],
            [24.9530, 60.1700],
            [24.9450, 60.1760],
            [24.9370, 60.1720],
            [24.9380, 60.1660],
        ]
    ],
}


@pytest.fixture(scope="module")
def enriched(engine, demo):
    """Building classes and nearest stores (incremental: quick when done already)."""
    enrich_city(engine, progress=False)


@pytest.fixture(scope="module")
def points(engine, enriched) -> list[dict]:
    """Every placed customer with what the filters look at, read straight from the tables."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.customer_id, ST_X(c.geom) AS lon, ST_Y(c.geom) AS lat, c.stage, "
                "c.kind, c.segment, c.assigned_rep_id AS rep_id, c.annual_revenue, "
                "e.building_class, e.nearest_store_id AS store_id "
                "FROM crm.customers c LEFT JOIN crm.customer_enrichment e USING (customer_id) "
                "WHERE c.geom IS NOT NULL"
            )
        ).mappings()
        return [dict(r) for r in rows]


def _expected(points: list[dict], geometry: dict, **filters) -> list[dict]:
    """The customers inside (boundary included) matching the filters, counted by shapely."""
    area = shape(geometry)
    return [
        p
        for p in points
        if area.intersects(Point(p["lon"], p["lat"]))
        and all(p[name] in values for name, values in filters.items())
    ]


def _counts(rows: list[dict]) -> dict:
    return {
        "customers": sum(r["stage"] != "prospect" for r in rows),
        "prospects": sum(r["stage"] == "prospect" for r in rows),
        "total": len(rows),
    }


@pytest.fixture
def cleanup(engine):
    """Delete the zones a test saved."""
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.target_zones"))


def _save(client, name: str, geometry: dict = BOX, **body) -> dict:
    res = client.post(
        "/api/zones", json={"name": name, "kind": "polygon", "geometry": geometry, **body}
    )
    assert res.status_code == 201, res.text
    return res.json()


# --------------------------------------------------------------------------- zones


def test_a_zone_is_saved_listed_changed_and_deleted(client, points, cleanup):
    feature = _save(
        client,
        "Kamppi & Kluuvi",
        kind="rectangle",
        filters={"stage": "client,partner", "kind": ["business"]},
    )
    zone_id = feature["id"]
    props = feature["properties"]
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "MultiPolygon"
    assert props["zone_id"] == zone_id and props["name"] == "Kamppi & Kluuvi"
    assert props["kind"] == "rectangle" and props["source"] == {}
    assert props["filters"] == {"stage": ["client", "partner"], "kind": ["business"]}
    expected = _counts(_expected(points, BOX, stage={"client", "partner"}, kind={"business"}))
    assert {k: props[k] for k in expected} == expected and expected["total"] > 0
    assert math.isclose(props["area_km2"], 1.0, rel_tol=0.05)

    listed = client.get("/api/zones").json()
    assert listed["type"] == "FeatureCollection"
    assert [f["id"] for f in listed["features"]] == [zone_id]
    assert listed["features"][0]["properties"] == props
    assert client.get(f"/api/zones/{zone_id}").json() == feature

    time.sleep(0.01)
    changed = client.put(
        f"/api/zones/{zone_id}", json={"name": "Kluuvi", "geometry": DRAWN, "filters": {}}
    )
    assert changed.status_code == 200, changed.text
    after = changed.json()["properties"]
    assert after["name"] == "Kluuvi" and after["filters"] == {}
    assert after["created_at"] == props["created_at"] and after["updated_at"] > props["updated_at"]
    assert shape(changed.json()["geometry"]).equals(shape(DRAWN))
    assert after["total"] == len(_expected(points, DRAWN))

    assert client.delete(f"/api/zones/{zone_id}").status_code == 204
    assert client.get(f"/api/zones/{zone_id}").status_code == 404
    assert client.get("/api/zones").json()["features"] == []
    for res in (
        client.delete(f"/api/zones/{zone_id}"),
        client.put(f"/api/zones/{zone_id}", json={"name": "x"}),
        client.get(f"/api/zones/{zone_id}/count"),
        client.get(f"/api/zones/{zone_id}/audience.csv"),
    ):
        assert res.status_code == 404 and "No target zone" in res.json()["detail"]


def test_a_duplicate_name_is_a_conflict(client, cleanup):
    first = _save(client, "Esplanadi")
    second = _save(client, "Töölö", geometry=DRAWN)
    again = client.post(
        "/api/zones", json={"name": " Esplanadi ", "kind": "polygon", "geometry": BOX}
    )
    assert again.status_code == 409 and "exists already" in again.json()["detail"]
    renamed = client.put(f"/api/zones/{second['id']}", json={"name": "Esplanadi"})
    assert renamed.status_code == 409 and "Esplanadi" in renamed.json()["detail"]
    assert client.get(f"/api/zones/{first['id']}").json()["properties"]["name"] == "Esplanadi"


@pytest.mark.parametrize(
    ("geometry", "filters", "expected_filters"),
    [
        (BOX, {}, {}),
        (DRAWN, {}, {}),
        (BOX, {"stage": "client,partner"}, {"stage": {"client", "partner"}}),
        (
            DRAWN,
            {"stage": ["prospect"], "kind": "person"},
            {"stage": {"prospect"}, "kind": {"person"}},
        ),
        (BOX, {"rep_id": "1,2,3"}, {"rep_id": {1, 2, 3}}),
        (BOX, {"segment": ["SME", "enterprise"]}, {"segment": {"SME", "enterprise"}}),
        (DRAWN, {"building_class": "residential"}, {"building_class": {"residential"}}),
    ],
)
def test_the_live_count_equals_an_independent_count(
    client, points, geometry, filters, expected_filters
):
    res = client.post("/api/zones/count", json={"geometry": geometry, "filters": filters})
    assert res.status_code == 200, res.text
    body = res.json()
    inside = _expected(points, geometry, **expected_filters)
    assert {k: body[k] for k in ("customers", "prospects", "total")} == _counts(inside)
    assert body["total"] > 0
    assert Decimal(str(body["revenue"])) == sum(r["annual_revenue"] for r in inside)


def test_a_customer_on_the_boundary_is_inside(client, points):
    p = max(
        (p for p in points if WEST < p["lon"] < EAST and SOUTH < p["lat"] < NORTH),
        key=lambda p: p["customer_id"],
    )
    # a box whose west edge passes exactly through the customer's point
    edge = _box(p["lon"], p["lat"] - 0.001, p["lon"] + 0.002, p["lat"] + 0.001)
    body = client.post("/api/zones/count", json={"geometry": edge}).json()
    assert body["total"] == len(_expected(points, edge))
    on_edge = [q for q in points if q["lon"] == p["lon"] and abs(q["lat"] - p["lat"]) < 0.001]
    shrunk = _box(p["lon"] + 1e-9, p["lat"] - 0.001, p["lon"] + 0.002, p["lat"] + 0.001)
    less = client.post("/api/zones/count", json={"geometry": shrunk}).json()
    assert body["total"] - less["total"] == len(on_edge) >= 1


def test_a_saved_zone_counts_with_its_filters_and_the_query_overrides_them(client, points, cleanup):
    zone = _save(client, "Clients", filters={"stage": ["client"], "kind": ["person"]})
    zone_id = zone["id"]
    saved = client.get(f"/api/zones/{zone_id}/count").json()
    expected = _counts(_expected(points, BOX, stage={"client"}, kind={"person"}))
    assert {k: saved[k] for k in expected} == expected
    assert saved["filters"] == {"stage": ["client"], "kind": ["person"]}
    other = client.get(f"/api/zones/{zone_id}/count", params={"stage": "prospect,customer"})
    expected = _counts(_expected(points, BOX, stage={"prospect", "customer"}, kind={"person"}))
    assert {k: other.json()[k] for k in expected} == expected
    bad = client.get(f"/api/zones/{zone_id}/count", params={"stage": "champion"})
    assert bad.status_code == 422 and "champion" in bad.json()["detail"]


def test_the_audience_export_is_the_counted_customers_by_revenue(client, points, cleanup):
    zone = _save(client, "Kamppi / Töölö: VIP", geometry=DRAWN, filters={"kind": "business"})
    zone_id = zone["id"]
    for params, filters in (
        ({}, {"kind": {"business"}}),
        ({"kind": "person"}, {"kind": {"person"}}),
    ):
        count = client.get(f"/api/zones/{zone_id}/count", params=params).json()
        res = client.get(f"/api/zones/{zone_id}/audience.csv", params=params)
        assert res.status_code == 200
        assert res.headers["content-type"].startswith("text/csv")
        assert res.headers["content-disposition"] == ('attachment; filename="Kamppi-Toolo-VIP.csv"')
        rows = list(csv.DictReader(io.StringIO(res.text)))
        header = res.text.splitlines()[0].split(",")
        assert header[:6] == ["customer_id", "name", "address", "stage", "revenue", "rep"]
        assert len(rows) == count["total"] > 0
        expected = _expected(points, DRAWN, **filters)
        assert sorted(int(r["customer_id"]) for r in rows) == sorted(
            p["customer_id"] for p in expected
        )
        revenue = [Decimal(r["revenue"]) for r in rows]
        assert revenue == sorted(revenue, reverse=True)
        assert sum(revenue) == Decimal(str(count["revenue"])).quantize(Decimal("0.01"))
        assert all(shape(DRAWN).intersects(Point(float(r["lon"]), float(r["lat"]))) for r in rows)
    with_rep = [r for r in rows if r["rep"]]
    assert with_rep, "demo customers have owner reps"


def test_an_empty_audience_is_a_header_only(client, cleanup):
    far = _box(24.90, 60.10, 24.91, 60.11)  # in the sea, south of the city
    zone = _save(client, "Sea", geometry=far)
    assert zone["properties"]["total"] == 0
    res = client.get(f"/api/zones/{zone['id']}/audience.csv")
    assert res.status_code == 200 and res.text.strip() == ",".join(zones.AUDIENCE_COLUMNS)


def _bad(client, geometry=BOX, filters=None, **zone) -> tuple[int, str]:
    body = {"geometry": geometry, "filters": filters or {}}
    if zone:
        res = client.post("/api/zones", json={"name": "bad", "kind": "polygon", **body, **zone})
    else:
        res = client.post("/api/zones/count", json=body)
    return res.status_code, res.json().get("detail", "")


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "Point", "coordinates": [24.94, 60.17]}, "Polygon or MultiPolygon, not 'Point'"),
        (
            {"type": "LineString", "coordinates": [[24.94, 60.17], [24.95, 60.17]]},
            "not 'LineString'",
        ),
        ({"coordinates": []}, "not None"),
        (_box(24.936, 60.165, 194.0, 60.174), "longitude 194.0 is outside -180..180"),
        (_box(60.165, 24.936, 60.174, 95.0), "latitude 95.0 is outside -90..90"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[24.93, 60.16], [24.95, 60.16], [24.95, 60.17], [24.93, 60.17]]],
            },
            "not closed",
        ),
        (
            {"type": "Polygon", "coordinates": [[[24.93, 60.16], [24.95, 60.16], [24.93, 60.16]]]},
            "at least 4",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[24.93, "north"], [1, 2], [3, 4], [24.93, "north"]]],
            },
            "numbers",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[24.93, 60.16], [24.95, 60.16], [24.97, 60.16], [24.93, 60.16]]],
            },
            "zero area",
        ),
        ({"type": "MultiPolygon", "coordinates": []}, "non-empty"),
    ],
)
def test_a_bad_geometry_is_a_422_that_says_why(client, geometry, message):
    for zone in ({}, {"name": "bad"}):
        status, detail = _bad(client, geometry, **zone)
        assert status == 422 and message in detail, detail


def test_too_many_vertices_is_a_422(client):
    n = zones.MAX_VERTICES + 1
    ring = [
        [
            24.945 + 0.005 * math.cos(2 * math.pi * i / n),
            60.17 + 0.0025 * math.sin(2 * math.pi * i / n),
        ]
        for i in range(n)
    ]
    ring.append(ring[0])
    status, detail = _bad(client, {"type": "Polygon", "coordinates": [ring]})
    assert status == 422 and f"{n + 1} vertices" in detail and str(zones.MAX_VERTICES) in detail
    fine = ring[::2]
    fine.append(fine[0])
    ok = client.post(
        "/api/zones/count", json={"geometry": {"type": "Polygon", "coordinates": [fine]}}
    )
    assert ok.status_code == 200


def test_a_self_intersecting_polygon_is_repaired(client, points, cleanup):
    # a bow tie: two triangles meeting at the box's centre
    mid_lon, mid_lat = (WEST + EAST) / 2, (SOUTH + NORTH) / 2
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[WEST, SOUTH], [EAST, NORTH], [EAST, SOUTH], [WEST, NORTH], [WEST, SOUTH]]
        ],
    }
    assert not shape(bowtie).is_valid
    count = client.post("/api/zones/count", json={"geometry": bowtie})
    assert count.status_code == 200
    repaired = shapely.make_valid(shape(bowtie))
    assert count.json()["total"] == sum(
        repaired.intersects(Point(p["lon"], p["lat"])) for p in points
    )
    saved = _save(client, "Bow tie", geometry=bowtie)
    geom = shape(saved["geometry"])
    assert geom.is_valid and len(geom.geoms) == 2
    assert geom.intersects(Point(mid_lon, mid_lat))


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"stage": "champion"}, "unknown stage 'champion'"),
        ({"segment": "martians"}, "unknown segment 'martians'"),
        ({"rep_id": "999999"}, "unknown rep_id"),
        ({"rep_id": "three"}, "integer ids"),
        ({"colour": "red"}, "unknown filter 'colour'"),
        ({"kind": ["person", "robot"]}, "robot"),
    ],
)
def test_a_bad_filter_is_a_422_that_says_what_is_allowed(client, filters, message):
    for zone in ({}, {"name": "bad"}):
        status, detail = _bad(client, BOX, filters, **zone)
        assert status == 422 and message in detail, detail


def test_other_bad_zone_requests_are_422(client, cleanup):
    for body, message in (
        ({"name": " ", "kind": "polygon", "geometry": BOX}, "name"),
        ({"name": "x" * 201, "kind": "polygon", "geometry": BOX}, "at most 200"),
        ({"name": "c", "kind": "hexagon", "geometry": BOX}, "kind"),
        ({"name": "c", "kind": "circle", "geometry": BOX}, "radius_m"),
        (
            {
                "name": "c",
                "kind": "circle",
                "geometry": BOX,
                "source": {"center": [24.9, 60.1], "radius_m": -5},
            },
            "positive",
        ),
        ({"name": "c", "kind": "polygon"}, "geometry"),
    ):
        res = client.post("/api/zones", json=body)
        assert res.status_code == 422 and message in res.json()["detail"], res.text
    circle = _save(
        client,
        "Circle",
        kind="circle",
        source={"center": [24.945, 60.17], "radius_m": 300},
    )
    assert circle["properties"]["source"] == {"center": [24.945, 60.17], "radius_m": 300}
    assert client.put(f"/api/zones/{circle['id']}", json={}).status_code == 422


def test_the_command_line_lists_and_exports_zones(client, use_database, cleanup, tmp_path, capsys):
    zone = _save(client, "Kamppi CLI", filters={"stage": "client"})
    assert main(["zones", "list"]) == 0
    out = capsys.readouterr().out
    assert "Kamppi CLI" in out and str(zone["properties"]["total"]) in out
    for ref in ("Kamppi CLI", str(zone["id"])):
        target = tmp_path / f"{ref}.csv"
        assert main(["zones", "export", ref, "--out", str(target)]) == 0
        assert f"{zone['properties']['total']} customer(s)" in capsys.readouterr().out
        with target.open() as f:
            assert len(list(csv.DictReader(f))) == zone["properties"]["total"]
    assert main(["zones", "export", "Nowhere", "--out", str(tmp_path / "x.csv")]) == 3
    assert "No target zone 'Nowhere'" in capsys.readouterr().err


# --------------------------------------------------------------------------- map layer


def test_the_zones_layer_draws_saved_zones(client, engine, cleanup):
    z = 14
    x, y = tile_xy(*CENTRE, z)
    before = client.get(f"/tiles/zones/{z}/{x}/{y}.mvt")
    assert before.status_code == 204  # no zone yet
    zone = _save(client, "Tile zone", geometry=DRAWN)
    res = client.get(f"/tiles/zones/{z}/{x}/{y}.mvt")
    assert res.status_code == 200  # a new data version: not the cached empty tile
    layer = mapbox_vector_tile.decode(res.content)["zones"]
    assert [f["id"] for f in layer["features"]] == [zone["id"]]
    assert layer["features"][0]["properties"] == {
        "zone_id": zone["id"],
        "name": "Tile zone",
        "kind": "polygon",
    }
    assert layer["features"][0]["geometry"]["type"] == "Polygon"
    tilejson = client.get("/tiles/zones.json").json()
    assert [v["id"] for v in tilejson["vector_layers"]] == ["zones"]


# --------------------------------------------------------------------------- isochrones


def test_a_walking_isochrone_holds_its_start_and_grows_with_time(client):
    areas = {}
    for minutes in (5, 10):
        res = client.get(
            "/api/isochrone",
            params={"lon": CENTRE[0], "lat": CENTRE[1], "mode": "walk", "minutes": minutes},
        )
        assert res.status_code == 200, res.text
        feature = res.json()
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        geom = shape(feature["geometry"])
        assert geom.is_valid and geom.contains(Point(*CENTRE))
        props = feature["properties"]
        assert props["mode"] == "walk" and props["minutes"] == minutes
        assert props["source"] == {"center": list(CENTRE), "mode": "walk", "minutes": minutes}
        counted = client.post("/api/zones/count", json={"geometry": feature["geometry"]}).json()
        assert props["counts"] == counted
        areas[minutes] = (geom, props["area_km2"])
    assert areas[10][1] > areas[5][1] > 0
    assert areas[10][0].area > areas[5][0].area
    assert areas[10][0].buffer(1e-4).covers(areas[5][0])  # nested, up to the simplification


def test_an_isochrone_can_be_saved_as_a_zone(client, cleanup):
    feature = client.get(
        "/api/isochrone", params={"lon": CENTRE[0], "lat": CENTRE[1], "mode": "drive", "minutes": 3}
    ).json()
    saved = _save(
        client,
        "3 min drive",
        geometry=feature["geometry"],
        kind="isochrone",
        source=feature["properties"]["source"],
    )
    assert saved["properties"]["total"] == feature["properties"]["counts"]["total"]
    assert saved["properties"]["source"]["mode"] == "drive"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"lon": 25.5, "lat": 60.17, "minutes": 10}, "outside the loaded city"),
        ({"lon": CENTRE[0], "lat": CENTRE[1], "minutes": 0}, "minutes"),
        ({"lon": CENTRE[0], "lat": CENTRE[1], "minutes": 61}, "minutes"),
        ({"lon": CENTRE[0], "lat": CENTRE[1], "minutes": 5, "mode": "fly"}, "mode"),
        ({"lon": CENTRE[0], "lat": 95, "minutes": 5}, "lat"),
    ],
)
def test_a_bad_isochrone_request_is_a_422(client, params, message):
    res = client.get("/api/isochrone", params=params)
    assert res.status_code == 422 and message in res.json()["detail"], res.text


# --------------------------------------------------------------------------- accounts


def _search(client, q: str, limit: int = 10) -> list[dict]:
    res = client.get("/api/customers/search", params={"q": q, "limit": limit})
    assert res.status_code == 200, res.text
    return res.json()


@pytest.fixture(scope="module")
def customer(engine, demo) -> dict:
    """A business customer with an address that the geocoder placed."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                text(
                    "SELECT customer_id, name, address, geocoded_address FROM crm.customers "
                    "WHERE kind = 'business' AND geocoded_address IS NOT NULL "
                    "ORDER BY customer_id LIMIT 1"
                )
            )
            .mappings()
            .one()
        )
    return dict(row)


def test_search_finds_a_customer_by_a_part_of_its_name(client, customer):
    words = customer["name"].split()
    part = max(words, key=len)[:-1]  # a word of the name, cut short
    found = _search(client, part.lower(), limit=100)
    assert customer["customer_id"] in [r["customer_id"] for r in found]
    first = found[0]
    assert {"customer_id", "name", "address", "stage", "segment", "lon", "lat"} <= set(first)
    assert first["match"] in ("name_prefix", "word_prefix")
    # the whole name: that customer first
    assert _search(client, customer["name"])[0]["customer_id"] == customer["customer_id"]


def test_search_finds_customers_by_their_street_ignoring_case_and_accents(client, engine):
    found = _search(client, "lonnrotinkatu", limit=100)
    assert found
    for row in found:
        if row["match"] != "similar":
            text_ = f"{row['name']} {row['address']} {row['geocoded_address']}".lower()
            assert "lönnrotink" in text_ or "lonnrotink" in text_
    assert any("Lönnrotinkatu" in (row["geocoded_address"] or "") for row in found)
    with engine.connect() as conn:
        expected = conn.execute(
            text("SELECT count(*) FROM crm.customers WHERE geocoded_address ILIKE 'Lönnrotinkatu%'")
        ).scalar()
    assert len(found) >= min(expected, 100) > 0
    assert found[0]["match"] in ("word", "word_prefix")


def test_search_tolerates_a_typo_and_ranks_exact_matches_first(client):
    exact = _search(client, "Mannerheimintie", limit=100)
    typo = _search(client, "Manerheimintei", limit=100)
    assert typo and all(r["match"] == "similar" for r in typo)
    assert {r["customer_id"] for r in exact[:5]} & {r["customer_id"] for r in typo}
    mixed = _search(client, "bulevardi", limit=100)
    ranks = ["name_prefix", "word", "word_prefix", "substring", "similar"]
    order = [ranks.index(r["match"]) for r in mixed]
    assert order == sorted(order)


def test_search_is_not_shadowed_and_checks_its_input(client):
    assert client.get("/api/customers/search", params={"q": "a"}).status_code == 422
    assert client.get("/api/customers/search", params={"q": "  "}).status_code == 422
    assert client.get("/api/customers/search").status_code == 422
    assert client.get("/api/customers/search", params={"q": "ab", "limit": 0}).status_code == 422
    assert _search(client, "zzzzqqqq") == []
    assert len(_search(client, "katu", limit=3)) == 3


def test_a_customers_interactions_come_newest_first(client, engine):
    with engine.connect() as conn:
        customer_id, n = conn.execute(
            text(
                "SELECT customer_id, count(*) FROM crm.interactions GROUP BY customer_id "
                "ORDER BY count(*) DESC, customer_id LIMIT 1"
            )
        ).one()
        quiet = conn.execute(
            text(
                "SELECT customer_id FROM crm.customers c WHERE NOT EXISTS "
                "(SELECT 1 FROM crm.interactions i WHERE i.customer_id = c.customer_id) LIMIT 1"
            )
        ).scalar()
    res = client.get(f"/api/customers/{customer_id}/interactions", params={"limit": 1000})
    assert res.status_code == 200
    history = res.json()
    assert len(history) == n > 1
    times = [h["occurred_at"] for h in history]
    assert times == sorted(times, reverse=True)
    assert {"interaction_id", "type", "channel", "occurred_at", "amount", "rep_name"} <= set(
        history[0]
    )
    limited = client.get(f"/api/customers/{customer_id}/interactions", params={"limit": 3})
    assert limited.json() == history[:3]
    assert client.get(f"/api/customers/{customer_id}/interactions").json() == history[:50]
    if quiet is not None:
        assert client.get(f"/api/customers/{quiet}/interactions").json() == []
    missing = client.get("/api/customers/99999999/interactions")
    assert missing.status_code == 404
