"""The leads map layer (issue 16): a marketer sees every lead of the city with its status, a
rep only the leads of their territories and those given to them (a rep with no territory
sees none), and no user is ever served another's tile from the cache. Tiles decoded with
mapbox-vector-tile, as a client reads them."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geocrm.api.app import create_app
from geocrm.pipeline import enrich_city
from geocrm.prospecting.leads import build_leads
from geocrm.tiles import catalog, tile_xy
from geocrm.vocabulary import LAYER_DESCRIPTIONS

Z = 16


@pytest.fixture(scope="module")
def built(engine, demo):
    """The demo city's leads; none left afterwards (as the other modules expect)."""
    enrich_city(engine, progress=False)
    yield build_leads(engine, "helsinki", progress=False)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.lead_status WHERE updated_by = -16"))
        conn.execute(text("DELETE FROM crm.leads"))


@pytest.fixture(scope="module")
def spot(engine, built) -> tuple[float, float]:
    """A point of the densest z16 tile of leads (the centre of town)."""
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT ST_X(geom), ST_Y(geom) FROM crm.leads "
                    "ORDER BY geom <-> ST_SetSRID(ST_MakePoint(24.9450, 60.1700), 4326) LIMIT 1"
                )
            ).one()
        )


@pytest.fixture(scope="module")
def lonely_rep(engine, built) -> int:
    """A rep of the company with no territory and no customer."""
    with engine.begin() as conn:
        return conn.execute(
            text(
                "INSERT INTO crm.reps (external_id, name, region, home_base) "
                "VALUES ('T-lead-rep', 'Uusi Myyjä', 'helsinki', "
                "ST_SetSRID(ST_MakePoint(24.94, 60.17), 4326)) RETURNING rep_id"
            )
        ).scalar_one()


@pytest.fixture(scope="module")
def tokens(make_user, admin_token, lonely_rep) -> dict[str, str]:
    return {
        "admin": admin_token,
        "marketer": make_user("marketer")[1],
        "analyst": make_user("analyst")[1],
        "rep": make_user("rep", (lonely_rep,))[1],
    }


@pytest.fixture
def app(app_engine, built) -> TestClient:
    """A fresh app (an empty tile cache); each request signs in with its own token."""
    return TestClient(create_app(app_engine))


def _leads(app: TestClient, token: str, spot) -> dict[str, dict]:
    x, y = tile_xy(*spot, Z)
    r = app.get(f"/tiles/leads/{Z}/{x}/{y}.mvt", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code in (200, 204), r.text
    tile = mapbox_vector_tile.decode(r.content) if r.status_code == 200 else {}
    return {
        f["properties"]["lead_id"]: f["properties"]
        for f in tile.get("leads", {}).get("features", [])
    }


def test_the_layer_is_in_the_catalogue_with_a_legend_and_a_description():
    layer = catalog().layer("leads")
    assert not layer.shared  # leads are rows under row-level security: tiles per user
    assert all(s["metadata"]["legend"]["label"] for s in layer.style)
    assert "leads" in LAYER_DESCRIPTIONS


def test_a_marketer_sees_the_leads_with_their_status(app, tokens, spot, engine):
    leads = _leads(app, tokens["marketer"], spot)
    assert len(leads) >= 5
    declared = set(catalog().layer("leads").vector_layers[0]["fields"])
    for props in leads.values():
        assert set(props) <= declared
        assert props["status"] == "new" and props["lead_id"][0] in "nwr"
    assert _leads(app, tokens["analyst"], spot) == leads
    address = dict(zip(("z", "x", "y"), (Z, *tile_xy(*spot, Z)), strict=True))
    with engine.connect() as conn:  # every lead of the tile, and at most those of its buffer
        inside = conn.execute(
            text(
                "SELECT array_agg(lead_id) FROM crm.leads WHERE ST_Intersects(geom, "
                "ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326))"
            ),
            address,
        ).scalar_one()
        buffered = conn.execute(
            text("SELECT count(*) FROM crm.leads WHERE geom && tiles.bbox(:z, :x, :y)"), address
        ).scalar_one()
    assert set(inside) <= set(leads) and len(leads) <= buffered


def test_a_rep_without_territory_sees_no_lead_until_one_is_given_to_them(
    app, tokens, spot, engine, lonely_rep
):
    everyone = _leads(app, tokens["analyst"], spot)  # first: the analyst's tile is cached
    assert everyone
    assert _leads(app, tokens["rep"], spot) == {}  # ... and not served to the rep
    given = sorted(everyone)[0]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO crm.lead_status (lead_id, status, assigned_rep_id, updated_by) "
                "VALUES (:l, 'assigned', :r, -16)"
            ),
            {"l": given, "r": lonely_rep},
        )
    try:
        mine = _leads(app, tokens["rep"], spot)
        assert list(mine) == [given] and mine[given]["status"] == "assigned"
        assert mine[given]["assigned_rep_id"] == lonely_rep
        # the status change reached everyone's tiles (the data version bumped)
        assert _leads(app, tokens["marketer"], spot)[given]["status"] == "assigned"
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM crm.lead_status WHERE lead_id = :l"), {"l": given})
    assert _leads(app, tokens["rep"], spot) == {}
