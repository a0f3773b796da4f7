"""Named places of central Helsinki: loaded by `geocrm load-osm`, drawn in the base tile."""

from __future__ import annotations

import mapbox_vector_tile
from sqlalchemy import text

from geocrm.osm.reader import DISTRICT_LEVELS, PLACE_KINDS
from geocrm.tiles import tile_xy


class PlaceCount:
    """The test's own count of the file's named places (nodes, ways, relations)."""

    def __init__(self, path):
        import osmium

        self.ids: dict[tuple[str, int], str] = {}
        ids = self.ids

        class Handler(osmium.SimpleHandler):
            def node(self, n):
                if n.tags.get("place") in PLACE_KINDS and "name" in n.tags:
                    ids[("node", n.id)] = n.tags["name"]

            def way(self, w):
                if w.tags.get("place") in PLACE_KINDS and "name" in w.tags:
                    ids[("way", w.id)] = w.tags["name"]

            def relation(self, r):
                district = (
                    r.tags.get("boundary") == "administrative"
                    and r.tags.get("admin_level") in DISTRICT_LEVELS
                )
                place = r.tags.get("place") in PLACE_KINDS and r.tags.get("type") in (
                    "multipolygon",
                    "boundary",
                )
                if (district or place) and "name" in r.tags:
                    ids[("relation", r.id)] = r.tags["name"]

        Handler().apply_file(str(path))


def _places(engine):
    with engine.connect() as conn:
        return (
            conn.execute(
                text(
                    "SELECT osm_type, osm_id, kind, name, names, rank, ST_X(geom) AS lon, "
                    "ST_Y(geom) AS lat, bbox IS NOT NULL AS has_bbox, "
                    "ST_Contains(bbox, geom) AS inside FROM ref.places"
                )
            )
            .mappings()
            .all()
        )


def test_places_load_with_their_kinds_names_and_ranks(city, engine):
    counted = PlaceCount(city.path).ids
    rows = _places(engine)
    loaded = {(r["osm_type"], r["osm_id"]) for r in rows}
    assert city.census["places"]["in_file"] == len(counted)
    assert city.counts["places"] == len(rows) == len(loaded)
    assert loaded <= set(counted)
    by_name = {}
    for r in rows:
        by_name.setdefault(r["name"], []).append(r)
    # the districts of central Helsinki, from their boundaries (clipped by the extract)
    for name, swedish in (("Kamppi", "Kampen"), ("Kallio", "Berghäll"), ("Punavuori", "Rödbergen")):
        (district,) = by_name[name]
        assert district["kind"] == "district" and district["names"]["sv"] == swedish
        assert district["has_bbox"] and district["inside"]
        assert 24.93 < district["lon"] < 24.96 and 60.16 < district["lat"] < 60.18
    # place nodes, squares (ways and multipolygons) and city blocks
    assert {r["kind"] for r in by_name["Kluuvi"]} == {"suburb", "district"}
    assert by_name["Helsinki"][0]["kind"] == "city" and by_name["Helsinki"][0]["rank"] == 1
    assert by_name["Senaatintori"][0]["kind"] == "square"
    assert by_name["Senaatintori"][0]["osm_type"] == "relation"
    assert by_name["Pääskynen"][0]["kind"] == "city_block"
    assert by_name["Pääskynen"][0]["names"] == {"fi": "Pääskynen", "sv": "Svalan"}
    ranks = {r["kind"]: r["rank"] for r in rows}
    assert ranks["city"] < ranks["district"] < ranks["suburb"] < ranks["square"]
    assert ranks["square"] < ranks["city_block"]
    # areas are points on their surface, with their extent
    assert all(r["inside"] for r in rows if r["osm_type"] == "way")


def test_a_reload_replaces_the_places(city, engine):
    from geocrm.osm import load_osm

    before = sorted((r["osm_type"], r["osm_id"]) for r in _places(engine))
    load_osm(engine, force=True, progress=False)
    assert sorted((r["osm_type"], r["osm_id"]) for r in _places(engine)) == before


def _tile_places(engine, z, lon=24.9440, lat=60.1690):
    x, y = tile_xy(lon, lat, z)
    with engine.connect() as conn:
        tile = conn.execute(text("SELECT tiles.base(:z, :x, :y, '{}'::json)"), locals()).scalar()
    layer = mapbox_vector_tile.decode(bytes(tile)).get("places", {"features": []})
    return [f["properties"] for f in layer["features"]]


def test_the_base_tile_carries_places_by_kind_from_their_zoom(city, engine):
    with engine.connect() as conn:
        kamppi = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM ref.places WHERE name = 'Kamppi'")
        ).one()
    z15 = _tile_places(engine, 15, *kamppi)
    assert {"district", "square", "city_block"} <= {p["kind"] for p in z15}
    assert all(set(p) == {"name", "kind", "rank"} for p in z15)
    names = [p["name"] for p in z15]
    assert len(names) == len(set(names))  # one label per name
    assert "Kamppi" in names
    # Kluuvi is a place node and a district: labelled once, as the suburb node
    kluuvi = [p for p in _tile_places(engine, 14) if p["name"] == "Kluuvi"]
    assert [p["kind"] for p in kluuvi] == ["suburb"]
    z12 = _tile_places(engine, 12, *kamppi)
    assert {"Kamppi", "Helsinki"} <= {p["name"] for p in z12}
    assert {p["kind"] for p in z12} <= {"city", "district", "suburb", "quarter"}
    assert {p["kind"] for p in _tile_places(engine, 9, *kamppi)} == {"city"}
