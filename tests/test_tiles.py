"""Map layers as vector tiles, read by real clients: mapbox-vector-tile decodes them, GDAL's
MVT driver opens them, TileJSON validates; bad tile addresses are 4xx; the cache is never
stale after the data change."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from collections import defaultdict

import jsonschema
import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geocrm.api.app import create_app
from geocrm.cube import build_cube
from geocrm.pipeline import enrich_city
from geocrm.tiles import TileServer, catalog, tile_xy, tiles_covering

CENTRE = (24.9450, 60.1700)  # Esplanadi, central Helsinki

# TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0), the rules a
# client relies on, written out as a JSON Schema.
TILEJSON_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["tilejson", "tiles", "vector_layers"],
    "properties": {
        "tilejson": {"type": "string", "pattern": r"^3\.0\.\d+$"},
        "tiles": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "vector_layers": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "fields"],
                "properties": {
                    "id": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    "description": {"type": "string"},
                    "minzoom": {"type": "integer", "minimum": 0, "maximum": 30},
                    "maxzoom": {"type": "integer", "minimum": 0, "maximum": 30},
                },
            },
        },
        "attribution": {"type": "string"},
        "bounds": {
            "type": "array",
            "prefixItems": [
                {"type": "number", "minimum": -180, "maximum": 180},
                {"type": "number", "minimum": -90, "maximum": 90},
                {"type": "number", "minimum": -180, "maximum": 180},
                {"type": "number", "minimum": -90, "maximum": 90},
            ],
            "minItems": 4,
            "maxItems": 4,
        },
        "center": {"type": "array", "items": {"type": "number"}, "minItems": 3, "maxItems": 3},
        "description": {"type": "string"},
        "minzoom": {"type": "integer", "minimum": 0, "maximum": 30},
        "maxzoom": {"type": "integer", "minimum": 0, "maximum": 30},
        "name": {"type": "string"},
        "scheme": {"enum": ["xyz", "tms"]},
        "version": {"type": "string", "pattern": r"^\d+\.\d+\.\d+$"},
    },
}


@pytest.fixture(scope="module")
def built(engine, demo):
    enrich_city(engine, progress=False)
    return build_cube(engine)


@pytest.fixture
def app_client(app_engine, built, admin_token) -> TestClient:
    """A fresh app (and so an empty tile cache) per test."""
    return TestClient(create_app(app_engine), headers={"Authorization": f"Bearer {admin_token}"})


@pytest.fixture(scope="module")
def city_bounds(engine, built) -> tuple[float, float, float, float]:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                "FROM (SELECT ST_Extent(geom) AS e FROM crm.customers) c"
            )
        ).one()
    return tuple(row)


def _get(client: TestClient, layer: str, z: int, x: int, y: int, **params) -> dict:
    r = client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt", params=params)
    assert r.status_code in (200, 204), r.text
    return mapbox_vector_tile.decode(r.content) if r.status_code == 200 else {}


def _features_by_h3(client, layer, mvt_layer, tiles, **params) -> dict[str, dict]:
    """The features of several tiles keyed on their h3 (a cell near a tile edge is in two)."""
    out: dict[str, dict] = {}
    for z, x, y in tiles:
        for feature in (
            _get(client, layer, z, x, y, **params).get(mvt_layer, {}).get("features", [])
        ):
            out[feature["properties"]["h3"]] = feature["properties"]
    return out


def test_catalogue_lists_every_layer_with_its_urls(app_client):
    body = app_client.get("/tiles").json()
    names = [layer["name"] for layer in body["layers"]]
    assert names == list(catalog().layers)
    assert {"hexes", "customers", "buildings", "streets", "trade_areas", "stores", "base"} <= set(
        names
    )
    for layer in body["layers"]:
        assert layer["tilejson"].endswith(f"/tiles/{layer['name']}.json")
        assert layer["tiles"].endswith(f"/tiles/{layer['name']}/{{z}}/{{x}}/{{y}}.mvt")
        assert layer["minzoom"] <= layer["maxzoom"]


@pytest.mark.parametrize("layer", list(catalog().layers))
def test_tilejson_validates_and_matches_the_catalogue(app_client, layer):
    r = app_client.get(f"/tiles/{layer}.json")
    assert r.status_code == 200
    tilejson = r.json()
    jsonschema.validate(tilejson, TILEJSON_SCHEMA)
    spec = catalog().layer(layer)
    assert (tilejson["minzoom"], tilejson["maxzoom"]) == (spec.minzoom, spec.maxzoom)
    assert [v["id"] for v in tilejson["vector_layers"]] == [v["id"] for v in spec.vector_layers]
    west, south, east, north = tilejson["bounds"]
    assert west < CENTRE[0] < east and south < CENTRE[1] < north
    # the default style draws only the layer's own MVT layers
    ids = {v["id"] for v in spec.vector_layers}
    assert tilejson["geocrm"]["style"]
    assert all(s["source-layer"] in ids for s in tilejson["geocrm"]["style"])


def test_style_draws_every_layer_from_its_tilejson(app_client):
    style = app_client.get("/tiles/style.json").json()
    assert style["version"] == 8
    assert list(style["sources"]) == list(catalog().layers)  # drawing order: base first
    for layer in style["layers"][1:]:
        source = style["sources"][layer["source"]]
        assert source["url"].endswith(f"/tiles/{layer['source']}.json")
        declared = {v["id"] for v in catalog().layer(layer["source"]).vector_layers}
        assert layer["source-layer"] in declared
    assert len({layer["id"] for layer in style["layers"]}) == len(style["layers"])
    some = app_client.get("/tiles/style.json?layers=hexes,base").json()
    assert list(some["sources"]) == ["base", "hexes"]
    assert app_client.get("/tiles/style.json?layers=hexes,nope").status_code == 404


def test_tilejson_carries_the_query_into_the_tile_url(app_client):
    tilejson = app_client.get("/tiles/hexes.json?measure=revenue&stage=client").json()
    assert tilejson["tiles"][0].endswith(
        "/tiles/hexes/{z}/{x}/{y}.mvt?measure=revenue&stage=client"
    )
    assert app_client.get("/tiles/hexes.json?measure=nope").status_code == 422
    # what resolution each zoom draws, for a client that drills down
    assert tilejson["geocrm"]["res_by_zoom"][13] == 9
    assert tilejson["geocrm"]["res_by_zoom"][16] == 11


@pytest.mark.parametrize(
    "layer,z",
    [
        ("hexes", 13),
        ("customers", 12),
        ("customers", 16),
        ("stores", 12),
        ("trade_areas", 12),
        ("buildings", 15),
        ("streets", 15),
        ("base", 14),
    ],
)
def test_every_layer_draws_its_declared_attributes(app_client, layer, z):
    tile = _get(app_client, layer, z, *tile_xy(*CENTRE, z))
    spec = catalog().layer(layer)
    declared = {v["id"]: set(v["fields"]) for v in spec.vector_layers}
    assert tile, f"{layer} z{z} is empty in central Helsinki"
    for name, mvt_layer in tile.items():
        assert name in declared, f"{layer} drew an undeclared MVT layer {name}"
        assert mvt_layer["extent"] == 4096
        assert mvt_layer["features"]
        for feature in mvt_layer["features"]:
            assert set(feature["properties"]) <= declared[name]


def test_base_map_has_water_parks_roads_and_buildings(app_client):
    tile = _get(app_client, "base", 14, *tile_xy(*CENTRE, 14))
    assert {"water", "park", "roads", "buildings"} <= set(tile)
    assert "base" not in catalog().layer("base").params  # no parameters at all


def test_hex_tiles_add_up_to_the_cube_at_every_zoom(app_client, engine, city_bounds, built):
    """The cells of all tiles covering the city, each counted once, hold every customer of
    the cube, whatever the zoom (and so the resolution) and with a filter."""
    with engine.connect() as conn:
        total, clients = conn.execute(
            text(
                "SELECT count(*), count(*) FILTER (WHERE c.stage = 'client') "
                "FROM crm.customers c JOIN crm.customer_enrichment e USING (customer_id)"
            )
        ).one()
    assert total == built["customers_counted"]
    for z in (9, 12, 14):
        tiles = tiles_covering(city_bounds, z)
        cells = _features_by_h3(app_client, "hexes", "hexes", tiles)
        res = {c["res"] for c in cells.values()}
        assert len(res) == 1
        assert sum(c.get("customers", 0) + c.get("prospects", 0) for c in cells.values()) == total
        filtered = _features_by_h3(app_client, "hexes", "hexes", tiles, stage="client")
        assert sum(c.get("customers", 0) for c in filtered.values()) == clients
        assert all(c.get("prospects", 0) == 0 for c in filtered.values())


def test_hex_and_customer_tiles_under_a_month_of_activity(app_client, engine, city_bounds, built):
    """month=YYYY-MM draws the customers active that month and that month's interactions,
    like /api/cube: the cells of the covering tiles add up to the raw counts."""
    month = built["months"][-2]
    with engine.connect() as conn:
        active, orders = conn.execute(
            text(
                "SELECT count(DISTINCT i.customer_id), count(*) FILTER (WHERE i.type = 'order') "
                "FROM crm.interactions i JOIN crm.customer_enrichment e USING (customer_id) "
                "WHERE cube.activity_month(i.occurred_at) = CAST(:m AS date)"
            ),
            {"m": f"{month}-01"},
        ).one()
    assert active > 0
    tiles = tiles_covering(city_bounds, 12)
    cells = _features_by_h3(app_client, "hexes", "hexes", tiles, month=month)
    assert sum(c.get("customers", 0) + c.get("prospects", 0) for c in cells.values()) == active
    assert sum(c.get("orders", 0) for c in cells.values()) == orders
    clusters = _features_by_h3(app_client, "customers", "customer_clusters", tiles, month=month)
    assert sum(c["count"] for c in clusters.values()) == active
    z = 16
    x, y = tile_xy(*CENTRE, z)
    points = _get(app_client, "customers", z, x, y, month=month).get("customers", {})
    ids = {f["id"] for f in points.get("features", [])}
    with engine.connect() as conn:
        expected = set(
            conn.execute(
                text(
                    "SELECT DISTINCT c.customer_id FROM crm.customers c "
                    "JOIN crm.interactions i USING (customer_id) WHERE c.geom && ST_Transform("
                    "ST_TileEnvelope(:z, :x, :y, margin => 64.0 / 4096), 4326) "
                    "AND cube.activity_month(i.occurred_at) = CAST(:m AS date)"
                ),
                {"z": z, "x": x, "y": y, "m": f"{month}-01"},
            ).scalars()
        )
    assert ids == expected
    bad = app_client.get(f"/tiles/hexes/12/{tiles[0][1]}/{tiles[0][2]}.mvt?month=1999-01")
    assert bad.status_code == 422 and "month" in bad.json()["detail"]


def test_hex_value_is_the_chosen_measure(app_client):
    z = 13
    x, y = tile_xy(*CENTRE, z)
    for measure in ("customers", "revenue", "mean_churn_risk", "penetration"):
        features = _get(app_client, "hexes", z, x, y, measure=measure)["hexes"]["features"]
        for f in features:
            props = f["properties"]
            assert props.get("value") == pytest.approx(props.get(measure)), measure
    deeper = _get(app_client, "hexes", z, x, y, res=11)["hexes"]["features"]
    assert {f["properties"]["res"] for f in deeper} == {11}


def test_customer_points_are_the_customers_in_the_tile(app_client, engine):
    z = 16
    x, y = tile_xy(*CENTRE, z)
    features = _get(app_client, "customers", z, x, y)["customers"]["features"]
    with engine.connect() as conn:
        expected = set(
            conn.execute(
                text(
                    "SELECT customer_id FROM crm.customers WHERE geom && ST_Transform("
                    "ST_TileEnvelope(:z, :x, :y, margin => 64.0 / 4096), 4326)"
                ),
                {"z": z, "x": x, "y": y},
            ).scalars()
        )
    assert expected
    assert {f["id"] for f in features} == expected
    clients = _get(app_client, "customers", z, x, y, stage="client,partner")["customers"]
    assert {f["properties"]["stage"] for f in clients["features"]} <= {"client", "partner"}


def test_customer_clusters_count_every_customer(app_client, city_bounds, built):
    tiles = tiles_covering(city_bounds, 11)
    clusters = _features_by_h3(app_client, "customers", "customer_clusters", tiles)
    assert sum(c["count"] for c in clusters.values()) == built["customers_counted"]


def test_trade_area_filters(app_client, engine):
    z = 12
    x, y = tile_xy(*CENTRE, z)
    features = _get(app_client, "trade_areas", z, x, y, area_kind="isochrone", mode="walk")[
        "trade_areas"
    ]["features"]
    assert features
    assert {(f["properties"]["kind"], f["properties"]["mode"]) for f in features} == {
        ("isochrone", "walk")
    }


@pytest.mark.parametrize(
    "url,status,says",
    [
        ("/tiles/nope/12/2331/1185.mvt", 404, "unknown layer 'nope'"),
        ("/tiles/buildings/9/291/148.mvt", 422, "zoom 9 is outside"),
        ("/tiles/hexes/17/0/0.mvt", 422, "zoom 17 is outside"),
        ("/tiles/hexes/12/4096/1185.mvt", 422, "x=4096 is outside 0..4095"),
        ("/tiles/hexes/12/2331/-1.mvt", 422, "path.y: Input should be greater than or equal to 0"),
        ("/tiles/hexes/99999999999999999999/0/0.mvt", 422, "path.z: Input should be less than"),
        ("/tiles/hexes/twelve/1/1.mvt", 422, "z"),
        ("/tiles/hexes/12/2331/1185.mvt?measure=profit", 422, "unknown measure 'profit'"),
        ("/tiles/hexes/12/2331/1185.mvt?stage=vip", 422, "unknown stage 'vip'"),
        ("/tiles/hexes/12/2331/1185.mvt?rep_id=abc", 422, "integer ids"),
        ("/tiles/hexes/12/2331/1185.mvt?rep_id=999999", 422, "unknown rep_id"),
        ("/tiles/hexes/12/2331/1185.mvt?territory_id=99999999999999999999", 422, "64-bit"),
        ("/tiles/hexes/12/2331/1185.mvt?month=2026-05,2026-06", 422, "month"),
        ("/tiles/hexes/12/2331/1185.mvt?res=4", 422, "res must be one of"),
        ("/tiles/hexes/12/2331/1185.mvt?colour=red", 422, "does not take 'colour'"),
        ("/tiles/stores/12/2331/1185.mvt?stage=client", 422, "does not take 'stage'"),
        ("/tiles/trade_areas/12/2331/1185.mvt?area_kind=person", 422, "unknown area_kind"),
        ("/tiles/trade_areas/12/2331/1185.mvt?store_id=424242", 422, "unknown store_id"),
        ("/tiles/buildings/14/9331/4740.mvt?building_class=castle", 422, "castle"),
        ("/tiles/nope.json", 404, "unknown layer"),
    ],
)
def test_bad_tile_requests_are_4xx_with_a_clear_message(app_client, url, status, says):
    r = app_client.get(url)
    assert r.status_code == status, r.text
    assert says in json.dumps(r.json())


def test_gzip_when_accepted(app_client):
    url = "/tiles/streets/15/{}/{}.mvt".format(*tile_xy(*CENTRE, 15))
    zipped = app_client.get(url, headers={"Accept-Encoding": "gzip"})
    # httpx decodes the body it was sent; the header says what went over the wire
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    plain = app_client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert zipped.content == plain.content
    assert mapbox_vector_tile.decode(plain.content)["streets"]["features"]
    server: TileServer = app_client.app.state.tiles
    cached = next(iter(server.cache._tiles.values()))
    assert gzip.decompress(cached.gzipped) == cached.data


def test_cache_etag_and_304(app_client):
    url = "/tiles/hexes/13/{}/{}.mvt?measure=revenue".format(*tile_xy(*CENTRE, 13))
    first = app_client.get(url)
    second = app_client.get(url)
    assert first.headers["x-tile-cache"] == "miss" and second.headers["x-tile-cache"] == "hit"
    assert first.headers["etag"] == second.headers["etag"]
    assert first.content == second.content
    # the hex cube is drawn per user (the k-rule): no shared cache may keep it
    assert first.headers["cache-control"] == "private, no-cache"
    again = app_client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    # the ETag depends on the address, the query and the data versions only: it holds
    # after the cache forgot the tile
    app_client.app.state.tiles.cache.clear()
    assert app_client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    redrawn = app_client.get(url)
    assert redrawn.headers["x-tile-cache"] == "miss"
    assert redrawn.headers["etag"] == first.headers["etag"]
    other = app_client.get(url.replace("revenue", "customers"))
    assert other.headers["etag"] != first.headers["etag"]
    # one tile for equivalent queries: the order of the values does not matter
    a = app_client.get(url + "&stage=client,partner")
    b = app_client.get(url + "&stage=partner,client")
    assert a.headers["x-tile-cache"] == "miss" and b.headers["x-tile-cache"] == "hit"
    assert a.headers["etag"] == b.headers["etag"]


def test_no_stale_tiles_after_the_data_change(app_client, engine):
    """An edit of a customer is in the next tile, in the same running app: the data
    version of the layer's sources is part of the cache key and the ETag."""
    z = 16
    x, y = tile_xy(*CENTRE, z)
    url = f"/tiles/customers/{z}/{x}/{y}.mvt"
    before = app_client.get(url)
    feature = mapbox_vector_tile.decode(before.content)["customers"]["features"][0]
    assert app_client.get(url).headers["x-tile-cache"] == "hit"
    with engine.begin() as conn:
        old = conn.execute(
            text(
                "UPDATE crm.customers SET name = 'Renamed Oy' WHERE customer_id = :id "
                "RETURNING (SELECT name FROM crm.customers WHERE customer_id = :id)"
            ),
            {"id": feature["id"]},
        ).scalar_one()
    try:
        after = app_client.get(url, headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200
        assert after.headers["etag"] != before.headers["etag"]
        names = {
            f["id"]: f["properties"]["name"]
            for f in mapbox_vector_tile.decode(after.content)["customers"]["features"]
        }
        assert names[feature["id"]] == "Renamed Oy"
        # layers that do not draw customers keep their cached tiles
        stores = f"/tiles/stores/12/{tile_xy(*CENTRE, 12)[0]}/{tile_xy(*CENTRE, 12)[1]}.mvt"
        app_client.get(stores)
        with engine.begin() as conn:
            conn.execute(text("UPDATE crm.customers SET name = name WHERE customer_id = 1"))
        assert app_client.get(stores).headers["x-tile-cache"] == "hit"
    finally:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE crm.customers SET name = :n WHERE customer_id = :id"),
                {"n": old, "id": feature["id"]},
            )


def test_a_cube_build_refreshes_the_hex_tiles(app_client, engine):
    url = "/tiles/hexes/13/{}/{}.mvt".format(*tile_xy(*CENTRE, 13))
    before = app_client.get(url)
    assert app_client.get(url).headers["x-tile-cache"] == "hit"
    build_cube(engine)
    after = app_client.get(url)
    assert after.headers["x-tile-cache"] == "miss"
    assert after.headers["etag"] != before.headers["etag"]


def test_statement_timeout_and_feature_cap(app_client, engine):
    z = 13
    x, y = tile_xy(*CENTRE, z)
    app_client.app.state.tiles = TileServer(app_client.app.state.engine, timeout_ms=1)
    r = app_client.get(f"/tiles/streets/{z}/{x}/{y}.mvt")
    assert r.status_code == 503
    assert "statement timeout" in r.json()["detail"]
    app_client.app.state.tiles = TileServer(app_client.app.state.engine, max_features=7)
    capped = _get(app_client, "streets", z, x, y)["streets"]["features"]
    assert len(capped) == 7
    # over the cap, the customers layer draws the biggest accounts
    x16, y16 = tile_xy(*CENTRE, 16)
    app_client.app.state.tiles = TileServer(app_client.app.state.engine)
    everyone = _get(app_client, "customers", 16, x16, y16)["customers"]["features"]
    app_client.app.state.tiles = TileServer(app_client.app.state.engine, max_features=5)
    top = _get(app_client, "customers", 16, x16, y16)["customers"]["features"]
    revenues = sorted((f["properties"]["revenue"] for f in everyone), reverse=True)
    assert len(everyone) > 5
    assert sorted((f["properties"]["revenue"] for f in top), reverse=True) == revenues[:5]


def test_gdal_opens_a_served_tile(app_client, tmp_path):
    ogrinfo = shutil.which("ogrinfo")
    assert ogrinfo, "gdal-bin is a system dependency (scripts/install-system-deps.sh)"
    z = 15
    x, y = tile_xy(*CENTRE, z)
    r = app_client.get(f"/tiles/customers/{z}/{x}/{y}.mvt")
    assert r.status_code == 200
    path = tmp_path / str(z) / str(x) / f"{y}.pbf"  # the driver reads z/x/y from the path
    path.parent.mkdir(parents=True)
    path.write_bytes(r.content)
    out = subprocess.run(
        [ogrinfo, "-ro", "-al", "-so", f"MVT:{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    features = len(mapbox_vector_tile.decode(r.content)["customers"]["features"])
    assert "Layer name: customers" in out
    assert f"Feature Count: {features}" in out
    assert "stage: String" in out
    # georeferenced: the layer's extent is around the tile's place in Helsinki
    extent = next(line for line in out.splitlines() if line.startswith("Extent:"))
    assert "2776" in extent or "2777" in extent  # x in web-mercator metres (~2.777e6)


def test_tile_sql_function_contract(engine, built):
    """Every layer's function can be called directly: (z, x, y, query json) -> bytea."""
    z = 14
    x, y = tile_xy(*CENTRE, z)
    with engine.connect() as conn:
        for name in catalog().layers:
            data = conn.execute(
                text(f"SELECT tiles.{name}(:z, :x, :y, CAST('{{}}' AS json))"),
                {"z": z, "x": x, "y": y},
            ).scalar_one()
            assert isinstance(data, bytes | memoryview)
            layers = defaultdict(int)
            for layer_name, layer in mapbox_vector_tile.decode(bytes(data)).items():
                layers[layer_name] += len(layer["features"])
            # zones and territory plans are made by users: there may be none here (their own
            # tests, test_zones.py and test_territories.py, draw them); hotspots draw a
            # result the API computes before the first tile (tests/prospecting); leads are
            # made by `geocrm leads build` (tests/prospecting/test_leads_tiles.py draws them)
            assert layers or name in (
                "zones",
                "territories",
                "plan_changes",
                "hotspots",
                "leads",
            ), name


def test_enrichment_and_interactions_refresh_the_customer_tiles(app_client, engine):
    url = "/tiles/customers/16/{}/{}.mvt".format(*tile_xy(*CENTRE, 16))
    for statement in (
        "UPDATE crm.customer_enrichment SET footfall_index = footfall_index "
        "WHERE customer_id = (SELECT min(customer_id) FROM crm.customer_enrichment)",
        "UPDATE crm.interactions SET score = score "
        "WHERE interaction_id = (SELECT min(interaction_id) FROM crm.interactions)",
    ):
        before = app_client.get(url).headers["etag"]
        with engine.begin() as conn:
            conn.execute(text(statement))
        assert app_client.get(url).headers["etag"] != before, statement


def test_writers_never_wait_for_each_other_on_the_tile_versions(engine):
    """A long import and a manual pin both change customers: the version bump of one must
    not hold up the other (each session counts its own changes)."""
    with engine.connect() as first, engine.connect() as second:
        first.execute(text("UPDATE crm.customers SET name = name WHERE customer_id = 1"))
        second.execute(text("SET LOCAL lock_timeout = '1s'"))
        second.execute(text("UPDATE crm.customers SET name = name WHERE customer_id = 2"))
        second.commit()
        first.commit()
