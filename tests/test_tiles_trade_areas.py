"""The trade_areas layer: a store and a kind picked by tile parameters, and TileJSON
bounds that cover the areas (a client asks no tile outside them: bounds of the city alone
cut the rings and drive isochrones at a rectangle)."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geocrm.api.app import create_app
from geocrm.pipeline import enrich_city
from geocrm.tiles import tile_xy, tiles_covering


@pytest.fixture(scope="module")
def enriched(engine, demo):
    enrich_city(engine, progress=False)


@pytest.fixture
def app_client(app_engine, enriched, admin_token) -> TestClient:
    return TestClient(create_app(app_engine), headers={"Authorization": f"Bearer {admin_token}"})


@pytest.fixture(scope="module")
def areas(engine, enriched) -> dict:
    """The trade areas' extent, and each one's (store, kind, mode)."""
    with engine.connect() as conn:
        extent = conn.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                "FROM (SELECT ST_Extent(geom) AS e FROM crm.trade_areas) a"
            )
        ).one()
        rows = conn.execute(
            text("SELECT trade_area_id, store_id, kind, mode FROM crm.trade_areas")
        ).all()
    return {"extent": tuple(extent), "rows": {r[0]: (r[1], r[2], r[3]) for r in rows}}


def features(client: TestClient, z: int, **params) -> dict[int, dict]:
    """The trade areas of every tile covering the areas at zoom z, by id."""
    out: dict[int, dict] = {}
    bounds = client.get("/tiles/trade_areas.json").json()["bounds"]
    for _, x, y in tiles_covering(tuple(bounds), z):
        r = client.get(f"/tiles/trade_areas/{z}/{x}/{y}.mvt", params=params)
        assert r.status_code in (200, 204), r.text
        if r.status_code == 200:
            for f in (
                mapbox_vector_tile.decode(r.content).get("trade_areas", {}).get("features", [])
            ):
                out[f["id"]] = f["properties"]
    return out


def test_tilejson_bounds_cover_every_trade_area(app_client, areas):
    west, south, east, north = areas["extent"]
    bounds = app_client.get("/tiles/trade_areas.json").json()["bounds"]
    city = app_client.get("/tiles/base.json").json()["bounds"]
    assert bounds[0] <= west and bounds[1] <= south and bounds[2] >= east and bounds[3] >= north
    # the rings reach past the city (what the cut was): the base map keeps the city's bounds
    assert bounds[0] < city[0] or bounds[2] > city[2]
    # a tile outside the city but inside the areas' bounds holds areas
    z = 14
    x, y = tile_xy(west + 0.002, (south + north) / 2, z)
    assert x < tile_xy(city[0], city[1], z)[0]
    r = app_client.get(f"/tiles/trade_areas/{z}/{x}/{y}.mvt")
    assert r.status_code == 200 and mapbox_vector_tile.decode(r.content)["trade_areas"]["features"]


def test_one_store_and_one_kind(app_client, areas):
    store = min(s for s, _, _ in areas["rows"].values())
    drawn = features(app_client, 13, store_id=str(store), area_kind="isochrone", mode="drive")
    wanted = (store, "isochrone", "drive")
    expected = {i for i, area in areas["rows"].items() if area == wanted}
    assert set(drawn) == expected and expected
    every = features(app_client, 13)
    assert set(every) == set(areas["rows"])
    huff = features(app_client, 13, area_kind="huff_primary,huff_secondary")
    assert {p["kind"] for p in huff.values()} == {"huff_primary", "huff_secondary"}
    rings = features(app_client, 13, area_kind="ring", store_id=str(store))
    assert {(p["store_id"], p["kind"]) for p in rings.values()} == {(store, "ring")}


def test_the_style_colours_trade_areas_by_kind(app_client):
    style = app_client.get("/tiles/trade_areas.json").json()["geocrm"]["style"]
    fill = next(s for s in style if s["type"] == "fill")["paint"]["fill-color"]
    assert fill[:2] == ["match", ["get", "kind"]]
    colours = {fill[i]: fill[i + 1] for i in range(2, len(fill) - 1, 2)}
    assert {"isochrone", "ring", "huff_primary", "huff_secondary"} <= set(colours)
    flat = [c for c in colours.values() if isinstance(c, str)]
    assert len(set(flat)) == len(flat)  # one colour per kind
