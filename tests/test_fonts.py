"""The map labels' glyphs: SDF glyph ranges rendered from the Noto fonts, read back with a
protobuf reader of their own (the Mapbox glyph format), served at the style's ``glyphs`` URL
behind sign-in; and the label layers of the tiles and of /tiles/style.json."""

from __future__ import annotations

import itertools

import mapbox_vector_tile
import numpy as np
import pytest
from fastapi.testclient import TestClient

from geocrm import fonts
from geocrm.api.app import create_app
from geocrm.cube import build_cube
from geocrm.pipeline import enrich_city
from geocrm.territories import design_plan
from geocrm.tiles import catalog, tile_xy

CENTRE = (24.9450, 60.1700)  # Esplanadi, central Helsinki
INSIDE = 192  # MapLibre draws a pixel of an SDF glyph from 192/256 up (the outline: 191)


# ------------------------------------------------------------------ a protobuf reader


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) of one message: varints as int, length-delimited as bytes."""
    out, i = [], 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            size, i = _varint(data, i)
            value, i = data[i : i + size], i + size
        else:
            raise AssertionError(f"unexpected wire type {wire}")
        out.append((number, value))
    return out


def _unzigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def decode(data: bytes) -> list[dict]:
    """The fontstacks of a glyph PBF: {name, range, glyphs: {id: {...}}}."""
    stacks = []
    for number, stack in _fields(data):
        assert number == 1
        entry: dict = {"glyphs": {}}
        for field, value in _fields(stack):
            if field == 1:
                entry["name"] = value.decode()
            elif field == 2:
                entry["range"] = value.decode()
            elif field == 3:
                names = {1: "id", 2: "bitmap", 3: "width", 4: "height", 5: "left", 6: "top"}
                glyph = {"bitmap": b""}
                for f, v in _fields(value):
                    glyph[names.get(f, "advance")] = _unzigzag(v) if f in (5, 6) else v
                entry["glyphs"][glyph["id"]] = glyph
        stacks.append(entry)
    return stacks


def _bitmap(glyph: dict) -> np.ndarray:
    rows, cols = glyph["height"] + 2 * fonts.BUFFER, glyph["width"] + 2 * fonts.BUFFER
    assert len(glyph["bitmap"]) == rows * cols
    return np.frombuffer(glyph["bitmap"], np.uint8).reshape(rows, cols)


# ------------------------------------------------------------------ rendering


@pytest.fixture(scope="module")
def latin() -> dict:
    """The Basic Latin range of Noto Sans Regular, encoded and decoded again."""
    face = fonts._face(fonts.FONT_DIR / fonts.FONTSTACKS["Noto Sans Regular"])
    data = fonts.encode_range("Noto Sans Regular", 0, fonts.render_range(face, 0))
    [stack] = decode(data)
    return stack


def test_a_range_decodes_as_the_mapbox_glyph_format(latin):
    assert latin["name"] == "Noto Sans Regular"
    assert latin["range"] == "0-255"
    # every printable ASCII and Latin-1 letter the font has, each with its metrics
    assert set(range(32, 127)) <= set(latin["glyphs"])
    assert {ord(c) for c in "äöåÄÖÅé"} <= set(latin["glyphs"])
    space = latin["glyphs"][32]
    assert space["bitmap"] == b"" and space["width"] == 0 and space["advance"] > 0
    for glyph in latin["glyphs"].values():
        if glyph["bitmap"]:
            _bitmap(glyph)  # (width + 6) x (height + 6) bytes
            # top from the font's ascender (node-fontnik's convention): a letter is above it
            assert glyph["top"] < 0
    # MapLibre draws a glyph's box from -top down (y down): a capital reaches higher than
    # a small letter, both stand on one baseline, a p goes below it
    h, x, p = (latin["glyphs"][ord(c)] for c in "Hxp")
    assert h["height"] > x["height"] and -h["top"] < -x["top"]
    assert -h["top"] + h["height"] == -x["top"] + x["height"]
    assert -p["top"] + p["height"] > -x["top"] + x["height"]
    assert 10 <= h["advance"] <= 24 and latin["glyphs"][ord("i")]["advance"] < h["advance"]


def test_the_distance_field_draws_the_letter(latin):
    """Inside the outline > the cutoff, outside below it, falling off with the distance."""
    h = latin["glyphs"][ord("H")]
    b = _bitmap(h)
    rows, cols = b.shape
    mid = rows // 2
    # the crossbar's middle is ink; the row above it has ink in the stems only
    assert b[mid + 1, cols // 2] >= INSIDE or b[mid, cols // 2] >= INSIDE
    top_row = fonts.BUFFER + 2
    line = b[top_row]
    ink = line >= INSIDE
    assert ink[: cols // 3].any() and ink[-cols // 3 :].any()  # the two stems
    assert not ink[cols // 2 - 1 : cols // 2 + 2].any()  # nothing between them
    # the border: the value falls 32 per pixel away from the outline (191 on it): the
    # corner pixel, 3.5 px from the H's corner, about 191 - 112
    assert 60 < b[0, 0] < 100 < b[fonts.BUFFER, fonts.BUFFER]
    # an O has a hole: its centre is outside, its ring inside
    o = latin["glyphs"][ord("O")]
    ob = _bitmap(o)
    centre = ob[ob.shape[0] // 2, ob.shape[1] // 2]
    assert centre < INSIDE
    assert (ob[ob.shape[0] // 2, : ob.shape[1] // 2] >= INSIDE).any()
    # ink covers about as much of the box as the letter's stroke does (not all, not none)
    share = (b >= INSIDE).mean()
    assert 0.1 < share < 0.6


def test_ranges_are_validated():
    assert fonts.parse_range("0-255") == 0
    assert fonts.parse_range("8192-8447") == 8192
    assert fonts.parse_range("65280-65535") == 65280
    for bad in ("1-256", "0-256", "256-255", "65536-65791", "-1-254", "0-255x", "a-b"):
        with pytest.raises(fonts.InvalidInput):
            fonts.parse_range(bad)
    assert fonts.pick_fontstack("Noto Sans Bold") == "Noto Sans Bold"
    assert fonts.pick_fontstack("Open Sans Bold,Noto Sans Regular") == "Noto Sans Regular"
    with pytest.raises(fonts.NotFound):
        fonts.pick_fontstack("Open Sans Bold,Arial Unicode MS Regular")


def test_build_writes_each_covered_range_once(tmp_path):
    built = dict(fonts.build(tmp_path, fontstacks=["Noto Sans Bold"]))
    folder = tmp_path / "Noto Sans Bold"
    names = {p.name for p in folder.glob("*.pbf")}
    assert {"0-255.pbf", "256-511.pbf", "8192-8447.pbf"} <= names
    assert built == {"Noto Sans Bold": len(names)}
    [stack] = decode((folder / "8192-8447.pbf").read_bytes())
    assert stack["name"] == "Noto Sans Bold" and 0x2013 in stack["glyphs"]  # an en dash
    # up to date: nothing is drawn again
    assert dict(fonts.build(tmp_path, fontstacks=["Noto Sans Bold"])) == {"Noto Sans Bold": 0}


# ------------------------------------------------------------------ the route


@pytest.fixture(scope="module")
def glyphs_built():
    """The web app's glyphs, as `geocrm fonts build` leaves them (a no-op when built)."""
    list(fonts.build())


@pytest.fixture
def client(app_engine, admin_token, glyphs_built) -> TestClient:
    return TestClient(create_app(app_engine), headers={"Authorization": f"Bearer {admin_token}"})


def test_the_fonts_route_serves_the_built_ranges(client):
    r = client.get("/tiles/fonts/Noto Sans Regular/0-255.pbf")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/x-protobuf"
    assert "max-age=" in r.headers["cache-control"]
    assert int(r.headers["cache-control"].split("max-age=")[1].split(",")[0]) >= 86400
    [stack] = decode(r.content)
    assert stack["name"] == "Noto Sans Regular" and stack["range"] == "0-255"
    assert ord("A") in stack["glyphs"] and ord("ä") in stack["glyphs"]
    assert r.content == (fonts.GLYPHS_ROOT / "Noto Sans Regular" / "0-255.pbf").read_bytes()
    # MapLibre asks for a list of fontstacks (URL-encoded): the first known one is served
    r = client.get("/tiles/fonts/Open%20Sans%20Bold,Noto%20Sans%20Bold/256-511.pbf")
    assert r.status_code == 200
    [stack] = decode(r.content)
    assert stack["name"] == "Noto Sans Bold" and ord("ā") in stack["glyphs"]
    # a range the font does not cover (CJK): a valid PBF with no glyphs, not an error
    r = client.get("/tiles/fonts/Noto Sans Regular/19968-20223.pbf")
    assert r.status_code == 200
    empty = {"name": "Noto Sans Regular", "range": "19968-20223", "glyphs": {}}
    assert decode(r.content) == [empty]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/tiles/fonts/Comic Sans/0-255.pbf", 404),
        ("/tiles/fonts/Noto Sans Regular/1-256.pbf", 422),
        ("/tiles/fonts/Noto Sans Regular/0-511.pbf", 422),
        ("/tiles/fonts/Noto Sans Regular/65536-65791.pbf", 422),
        ("/tiles/fonts/Noto Sans Regular/..%2F..%2Fsecret.pbf", 404),
        ("/tiles/fonts/" + "Noto Sans Regular," * 20 + "/0-255.pbf", 422),
    ],
)
def test_bad_font_requests_are_refused(client, url, status):
    r = client.get(url)
    assert r.status_code == status, r.text


def test_glyphs_need_a_signed_in_user(app_engine, glyphs_built):
    r = TestClient(create_app(app_engine)).get("/tiles/fonts/Noto Sans Regular/0-255.pbf")
    assert r.status_code == 401


def test_the_style_names_the_glyphs_and_draws_labels_last(client):
    style = client.get("/tiles/style.json").json()
    assert style["glyphs"].endswith("/tiles/fonts/{fontstack}/{range}.pbf")
    kinds = [layer["type"] for layer in style["layers"]]
    labels = [layer for layer in style["layers"] if layer["type"] == "symbol"]
    # every label is drawn above every fill, line and circle
    assert kinds.index("symbol") == len(kinds) - len(labels)
    assert {layer["id"] for layer in labels} >= {
        "base-road-labels",
        "base-place-labels",
        "base-poi-labels",
        "stores-labels",
        "territories-labels",
    }
    for layer in labels:
        assert set(layer["layout"]["text-font"]) <= set(fonts.FONTSTACKS)
        assert layer["paint"]["text-halo-width"] > 0 or layer["id"] == "route-stop-numbers"
    by_id = {layer["id"]: layer for layer in style["layers"]}
    assert by_id["base-road-labels"]["layout"]["symbol-placement"] == "line"
    assert by_id["base-road-labels"]["minzoom"] == 14  # its own minzoom, not the layer's
    assert by_id["base-poi-labels"]["minzoom"] == 16
    assert by_id["base-place-labels"]["source-layer"] == "places"


# ------------------------------------------------------------------ the label layers


@pytest.fixture(scope="module")
def built(engine, demo):
    enrich_city(engine, progress=False)
    return build_cube(engine)


def _tile(client: TestClient, layer: str, z: int, **params) -> dict:
    x, y = tile_xy(*CENTRE, z)
    r = client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt", params=params)
    assert r.status_code in (200, 204), r.text
    return mapbox_vector_tile.decode(r.content) if r.status_code == 200 else {}


def _longest_part(geometry: dict) -> float:
    parts = (
        [geometry["coordinates"]] if geometry["type"] == "LineString" else geometry["coordinates"]
    )
    return max(
        sum(float(np.hypot(b[0] - a[0], b[1] - a[1])) for a, b in itertools.pairwise(part))
        for part in parts
    )


def test_street_names_merge_along_the_streets_and_pois_at_z16(client, engine, built):
    z14 = _tile(client, "base", 14)
    roads = z14["road_labels"]["features"]
    names = [f["properties"]["name"] for f in roads]
    assert "Pohjoisesplanadi" in names or "Eteläesplanadi" in names
    assert len(names) == len(set(names))  # one (multi)line per name
    # merged: a street's label line is far longer than the network's 15 m edges (50 units
    # of a z14 tile's 4096 across its 1.2 km)
    assert max(_longest_part(f["geometry"]) for f in roads) > 400
    z16 = _tile(client, "base", 16)
    assert "road_labels" in z16 and "pois" in z16
    pois = z16["pois"]["features"]
    assert pois and all(f["properties"]["name"] for f in pois)
    assert len(pois) <= 500
    assert "pois" not in _tile(client, "base", 15)
    assert "road_labels" not in _tile(client, "base", 13)


def test_territory_labels_carry_name_rep_and_workload(client, engine, built):
    plan = design_plan(engine, k=3, measure="customers", res=9, name="Tile label test")
    seen: dict[int, dict] = {}
    for z in (12, 13):
        for x, y in {tile_xy(*t["centroid"], z) for t in plan["territories"]}:
            r = client.get(
                f"/tiles/territories/{z}/{x}/{y}.mvt", params={"plan_id": plan["plan_id"]}
            )
            tile = mapbox_vector_tile.decode(r.content) if r.status_code == 200 else {}
            for f in tile.get("territory_labels", {}).get("features", []):
                seen[f["id"]] = f["properties"]  # the feature id is the territory id
    assert set(seen) == {t["territory_id"] for t in plan["territories"]}
    for t in plan["territories"]:
        label = seen[t["territory_id"]]
        assert label["name"] == t["name"]
        assert label.get("rep_name") == t["rep_name"]
        assert label["workload"] == pytest.approx(t["workload"])
    declared = {v["id"] for v in catalog().layer("territories").vector_layers}
    assert "territory_labels" in declared
