"""Map tiles per user: the hex layers under the k-rule, customer points under row-level
security, and a tile cache (and HTTP caching) that never gives one user's tile to another
who may not see it. Tiles decoded with mapbox-vector-tile, as clients read them."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geocrm.api.app import create_app
from geocrm.cube import build_cube
from geocrm.db.scope import Scope, acting_as
from geocrm.pipeline import enrich_city
from geocrm.tiles import EVERYTHING, TILES_ROOT, TileScope, TileServer, catalog, tile_xy

K = 5
CENTRE = (24.9450, 60.1700)  # Esplanadi, central Helsinki
#: What a tile function reads that depends on who asks
PER_USER_SOURCES = ("crm.customers", "crm.plan_customers", "crm.interactions", "cube_cells")


@pytest.fixture(scope="module")
def built(engine, demo):
    enrich_city(engine, progress=False)
    return build_cube(engine)


@pytest.fixture(scope="module")
def busiest_rep(engine, built) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT assigned_rep_id FROM crm.customers "
                "WHERE ST_DWithin(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 0.01) "
                "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ),
            {"lon": CENTRE[0], "lat": CENTRE[1]},
        ).scalar_one()


@pytest.fixture(scope="module")
def spot(engine, busiest_rep) -> tuple[float, float]:
    """Where a z16 tile holds customers of that rep and of others: one of theirs, near the
    centre, with another rep's customer within ~50 m."""
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT ST_X(c.geom), ST_Y(c.geom) FROM crm.customers c "
                    "WHERE c.assigned_rep_id = :rep AND EXISTS ("
                    "  SELECT FROM crm.customers o WHERE o.assigned_rep_id <> :rep"
                    "  AND ST_DWithin(o.geom, c.geom, 0.0005)) "
                    "ORDER BY c.geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT 1"
                ),
                {"rep": busiest_rep, "lon": CENTRE[0], "lat": CENTRE[1]},
            ).one()
        )


@pytest.fixture(scope="module")
def tokens(make_user, admin_token, busiest_rep) -> dict[str, str]:
    return {
        "admin": admin_token,
        "marketer": make_user("marketer")[1],
        "analyst": make_user("analyst")[1],
        "rep": make_user("rep", (busiest_rep,))[1],
    }


@pytest.fixture
def app(app_engine, built) -> TestClient:
    """A fresh app (an empty tile cache) that each request signs into with its own token."""
    return TestClient(create_app(app_engine))


def _as(app: TestClient, token: str, url: str, **headers):
    return app.get(url, headers={"Authorization": f"Bearer {token}", **headers})


def _decode(response) -> dict:
    assert response.status_code in (200, 204), response.text
    return mapbox_vector_tile.decode(response.content) if response.status_code == 200 else {}


def _hexes(app, token, z: int, **params) -> dict[str, dict]:
    """The hexagons of the 3 x 3 tiles around the centre at zoom z, by h3."""
    x0, y0 = tile_xy(*CENTRE, z)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    out: dict[str, dict] = {}
    for x in (x0 - 1, x0, x0 + 1):
        for y in (y0 - 1, y0, y0 + 1):
            tile = _decode(_as(app, token, f"/tiles/hexes/{z}/{x}/{y}.mvt?{query}"))
            for feature in tile.get("hexes", {}).get("features", []):
                out[feature["properties"]["h3"]] = feature["properties"]
    return out


def _n(props: dict) -> int:
    return props["customers"] + props["prospects"]


@pytest.mark.parametrize(("z", "params"), [(13, {}), (15, {}), (13, {"stage": "client,partner"})])
def test_an_analyst_sees_no_hexagon_of_fewer_than_k(app, tokens, z, params):
    admin = _hexes(app, tokens["admin"], z, **params)
    analyst = _hexes(app, tokens["analyst"], z, **params)
    assert admin and analyst
    assert all(_n(p) == 0 or _n(p) >= K for p in analyst.values())
    assert all("suppressed_cells" in p for p in analyst.values())
    assert all("suppressed_cells" not in p for p in admin.values())
    if z == 15:  # the finest hexagons: some hold fewer than k, which the analyst never gets
        small = [h for h, p in admin.items() if 0 < _n(p) < K]
        assert small and all(
            _n(analyst.get(h, {"customers": 0, "prospects": 0})) == 0 for h in small
        )
    # the tile says what the API says: the same rule at both front doors
    res = {13: 9, 15: 11}[z]
    cube = app.get(
        "/api/cube",
        params={"res": res, **params},
        headers={"Authorization": f"Bearer {tokens['analyst']}"},
    ).json()
    by_h3 = {c["h3"]: c for c in cube}
    for h, props in analyst.items():
        assert (props["customers"], props["suppressed_cells"]) == (
            by_h3[h]["customers"],
            by_h3[h]["suppressed_cells"],
        )


def test_customer_clusters_follow_the_rule_and_points_are_rows(app, tokens, busiest_rep, spot):
    x, y = tile_xy(*CENTRE, 12)
    clusters = _decode(_as(app, tokens["analyst"], f"/tiles/customers/12/{x}/{y}.mvt"))
    counts = [f["properties"]["count"] for f in clusters["customer_clusters"]["features"]]
    assert counts and all(n >= K for n in counts)
    x, y = tile_xy(*spot, 16)
    url = f"/tiles/customers/16/{x}/{y}.mvt"
    everyone = _decode(_as(app, tokens["admin"], url))["customers"]["features"]
    assert {f["properties"]["rep_id"] for f in everyone} - {busiest_rep}
    assert _decode(_as(app, tokens["analyst"], url)) == {}
    own = _decode(_as(app, tokens["rep"], url))["customers"]["features"]
    assert own and {f["properties"]["rep_id"] for f in own} == {busiest_rep}


@pytest.mark.parametrize("layer", ["hexes", "customers"])
def test_the_same_tile_url_is_cached_per_user_scope(app, tokens, spot, layer):
    z = 15 if layer == "hexes" else 16
    url = "/tiles/{}/{}/{}/{}.mvt".format(layer, z, *tile_xy(*spot, z))
    admin = _as(app, tokens["admin"], url)
    rep = _as(app, tokens["rep"], url)
    assert admin.status_code == rep.status_code == 200
    assert admin.headers["x-tile-cache"] == "miss"
    assert rep.headers["x-tile-cache"] == "miss"  # not the admin's tile
    assert rep.content != admin.content
    assert rep.headers["etag"] != admin.headers["etag"]
    for answer in (admin, rep):
        assert answer.headers["cache-control"] == "private, no-cache"
        vary = {v.strip().lower() for v in answer.headers["vary"].split(",")}
        assert {"authorization", "cookie", "accept-encoding"} <= vary
    # the admin's ETag is no validator of the rep's tile
    assert (
        _as(app, tokens["rep"], url, **{"If-None-Match": admin.headers["etag"]}).status_code == 200
    )
    again = _as(app, tokens["rep"], url)
    assert again.headers["x-tile-cache"] == "hit" and again.content == rep.content
    # a marketer sees what an admin sees: one tile for both
    marketer = _as(app, tokens["marketer"], url)
    assert marketer.headers["x-tile-cache"] == "hit"
    assert marketer.headers["etag"] == admin.headers["etag"]
    assert marketer.content == admin.content


def test_a_shared_layer_is_one_tile_for_everyone(app, tokens):
    url = "/tiles/streets/15/{}/{}.mvt".format(*tile_xy(*CENTRE, 15))
    admin = _as(app, tokens["admin"], url)
    analyst = _as(app, tokens["analyst"], url)
    assert analyst.headers["x-tile-cache"] == "hit"
    assert analyst.headers["etag"] == admin.headers["etag"]
    assert analyst.headers["cache-control"] == "no-cache"
    assert "authorization" in analyst.headers["vary"].lower()


def test_tilejson_of_a_per_user_layer_is_private_and_says_k(app, tokens):
    analyst = _as(app, tokens["analyst"], "/tiles/hexes.json")
    admin = _as(app, tokens["admin"], "/tiles/hexes.json")
    assert analyst.json()["geocrm"]["min_cell_count"] == K
    assert "min_cell_count" not in admin.json()["geocrm"]
    for answer in (analyst, admin):
        assert answer.headers["cache-control"] == "private, no-cache"
        assert "cookie" in answer.headers["vary"].lower()
    streets = _as(app, tokens["analyst"], "/tiles/streets.json")
    assert streets.headers["cache-control"] == "no-cache"
    assert "min_cell_count" not in streets.json()["geocrm"]


def test_a_scope_the_database_does_not_confirm_is_never_cached(app_engine, engine, tokens):
    with engine.connect() as conn:
        analyst_id = conn.execute(
            text("SELECT user_id FROM auth.users WHERE email = 'analyst-all@test.example'")
        ).scalar_one()
    server = TileServer(app_engine)
    z, (x, y) = 13, tile_xy(*CENTRE, 13)
    with acting_as(Scope(user_id=analyst_id, min_cell_count=K)):
        # told it is everyone's tile, while the database sees an analyst: drawn, not kept
        assert server.tile("hexes", z, x, y, {}, scope=EVERYTHING)[1] == "miss"
        assert server.tile("hexes", z, x, y, {}, scope=EVERYTHING)[1] == "miss"
        assert not server.cache._tiles
        right = TileScope.of((), K)
        first, how = server.tile("hexes", z, x, y, {}, scope=right)
        assert how == "miss"
        again, how = server.tile("hexes", z, x, y, {}, scope=right)
        assert how == "hit" and again.etag == first.etag


def test_every_layer_that_reads_customers_or_the_cube_is_per_user():
    for name, layer in catalog().layers.items():
        sql = TILES_ROOT.joinpath(f"{name}.sql").read_text()
        if any(source in sql for source in PER_USER_SOURCES):
            assert not layer.shared, f"layer {name} draws per-user data: it may not be shared"
    assert not catalog().layer("hexes").shared and catalog().layer("streets").shared
