"""An admin loads central Helsinki: what the file holds is what the database holds."""

import collections

import networkx as nx
import osmium
import osmnx as ox
import pytest
from sqlalchemy import text

from geocrm.errors import InvalidInput, NotFound
from geocrm.osm import default_pbf, load_osm, street_graph

POI_KEYS = ("amenity", "shop", "tourism")


class _FileCount(osmium.SimpleHandler):
    """The test's own count of the file: tagged objects per kind, and the clipped ways."""

    def __init__(self):
        super().__init__()
        self.ids = collections.defaultdict(set)
        self.clipped_ways = set()

    def _count(self, kind_tags, osm_type, osm_id, with_buildings):
        tags = dict((t.k, t.v) for t in kind_tags)
        if with_buildings and "building" in tags and tags["building"] != "no":
            self.ids["buildings"].add((osm_type, osm_id))
        transit = (
            "public_transport" in tags
            or tags.get("railway") in ("station", "halt", "tram_stop", "subway_entrance")
            or tags.get("highway") == "bus_stop"
        )
        if any(k in tags for k in POI_KEYS) or transit:
            self.ids["pois"].add((osm_type, osm_id))
        if "addr:housenumber" in tags and ("addr:street" in tags or "addr:place" in tags):
            self.ids["addresses"].add((osm_type, osm_id))

    def node(self, n):
        self._count(n.tags, "node", n.id, with_buildings=False)

    def way(self, w):
        if not all(nd.location.valid() for nd in w.nodes):
            self.clipped_ways.add(w.id)
        self._count(w.tags, "way", w.id, with_buildings=True)

    def relation(self, r):
        if r.tags.get("type") == "multipolygon":
            self._count(r.tags, "relation", r.id, with_buildings=True)


@pytest.fixture(scope="module")
def file_count():
    handler = _FileCount()
    handler.apply_file(str(default_pbf()), locations=True)
    return handler


def _db_ids(engine, table):
    with engine.connect() as conn:
        return set(conn.execute(text(f"SELECT osm_type, osm_id FROM ref.{table}")).all())


def test_printed_counts_equal_what_the_file_holds(city, file_count, engine):
    for kind in ("buildings", "pois", "addresses"):
        assert city.census[kind]["in_file"] == len(file_count.ids[kind]), kind
        assert city.counts[kind] == len(_db_ids(engine, kind)), kind
        assert city.counts[kind] <= city.census[kind]["in_file"]
    assert city.census["buildings"]["in_file"] == 500  # the bundled extract's buildings
    text_report = city.render()
    assert "buildings         500      446           54" in text_report


def test_buildings_not_loaded_are_exactly_the_clipped_ones(city, file_count, engine):
    loaded = _db_ids(engine, "buildings")
    missing = file_count.ids["buildings"] - loaded
    assert loaded <= file_count.ids["buildings"]
    missing_ways = {i for t, i in missing if t == "way"}
    assert missing_ways <= file_count.clipped_ways
    complete_ways = {
        i for t, i in file_count.ids["buildings"] if t == "way"
    } - file_count.clipped_ways
    assert complete_ways <= {i for t, i in loaded if t == "way"}


def test_landmarks_load_with_their_class_and_swedish_street_names(city, engine):
    with engine.connect() as conn:
        torni = conn.execute(
            text("SELECT building, building_class FROM ref.buildings WHERE name = 'Hotelli Torni'")
        ).one()
        sv = conn.execute(
            text("SELECT DISTINCT street_sv FROM ref.addresses WHERE street = 'Aleksanterinkatu'")
        ).all()
        classes = dict(
            conn.execute(
                text("SELECT building_class, count(*) FROM ref.buildings GROUP BY 1")
            ).all()
        )
    assert torni == ("tower", "commercial")  # tourism=hotel on an untyped tower
    assert sv == [("Alexandersgatan",)]
    assert classes["residential"] > 100 and classes["public"] > 20


def test_street_networks_are_osmnx_compatible_graphs(city, engine):
    walk = street_graph(engine, "helsinki", "walk")
    drive = street_graph(engine, "helsinki", "drive")
    assert walk.number_of_nodes() == city.counts["walk_nodes"]
    assert drive.number_of_nodes() == city.counts["drive_nodes"]
    nodes, edges = ox.convert.graph_to_gdfs(walk)
    assert len(nodes) == city.counts["walk_nodes"] and len(edges) == walk.number_of_edges()

    # walking is two-way; a path across the centre exists and has a plausible length
    def nearest(lon, lat):
        return ((nodes.x - lon) ** 2 + (nodes.y - lat) ** 2).idxmin()

    a = nearest(24.9414, 60.1699)  # railway station square
    b = nearest(24.9522, 60.1675)  # Esplanadi, east end
    metres = nx.shortest_path_length(walk, a, b, weight="length")
    assert 500 < metres < 2000
    with pytest.raises(InvalidInput):
        street_graph(engine, "helsinki", "bike")
    with pytest.raises(NotFound):
        street_graph(engine, "atlantis", "walk")


def test_reload_is_skipped_when_unchanged_and_replaces_without_duplicates(city, engine):
    again = load_osm(engine, progress=False)
    assert again.unchanged and again.counts == city.counts
    forced = load_osm(engine, force=True, progress=False)
    assert not forced.unchanged and forced.counts == city.counts
    assert len(_db_ids(engine, "buildings")) == city.counts["buildings"]


def test_a_failed_reload_leaves_the_previous_city_intact(city, engine, monkeypatch):
    import geocrm.osm as osm_module

    real_query = osm_module.query

    def failing_query(name):
        if name == "osm/classify_buildings":
            raise RuntimeError("simulated crash in the middle of a load")
        return real_query(name)

    monkeypatch.setattr(osm_module, "query", failing_query)
    with pytest.raises(RuntimeError, match="simulated crash"):
        load_osm(engine, force=True, progress=False)
    assert len(_db_ids(engine, "buildings")) == city.counts["buildings"]
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM ref.addresses")).scalar()
            == city.counts["addresses"]
        )


def test_bad_files_get_clear_errors(engine, tmp_path):
    with pytest.raises(NotFound, match="No such OSM file"):
        load_osm(engine, tmp_path / "missing.osm.pbf", progress=False)
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"this is not a protobuf file")
    with pytest.raises(InvalidInput, match="Cannot read"):
        load_osm(engine, junk, progress=False)
    wrong = tmp_path / "city.geojson"
    wrong.write_text("{}")
    with pytest.raises(InvalidInput, match=r"not an \.osm\.pbf"):
        load_osm(engine, wrong, progress=False)
