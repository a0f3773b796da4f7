"""An admin loads central Helsinki: what the file holds is what the database holds."""

import collections

import networkx as nx
import osmium
import osmnx as ox
import pytest
from sqlalchemy import text

from geocrm.errors import InvalidInput, NotFound
from geocrm.land_cover import LAND_COVER_KINDS, CoastlineRun, build_sea, land_cover_class
from geocrm.osm import default_pbf, load_osm, street_graph

POI_KEYS = ("amenity", "shop", "tourism")


class _FileCount(osmium.SimpleHandler):
    """The test's own count of the file: tagged objects per kind, and the clipped ways."""

    def __init__(self):
        super().__init__()
        self.ids = collections.defaultdict(set)
        self.clipped_ways = set()
        self.coastline_ways = set()

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
        land_cover = land_cover_class(tags) if with_buildings else None
        if land_cover:
            self.ids[land_cover[0]].add((osm_type, osm_id))

    def node(self, n):
        self._count(n.tags, "node", n.id, with_buildings=False)

    def way(self, w):
        if not all(nd.location.valid() for nd in w.nodes):
            self.clipped_ways.add(w.id)
        if w.tags.get("natural") == "coastline":
            self.coastline_ways.add(w.id)
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


def _land_cover_ids(engine, kind):
    with engine.connect() as conn:
        return set(
            conn.execute(
                text(
                    "SELECT osm_type, osm_id FROM ref.land_cover "
                    "WHERE kind = :kind AND osm_type <> 'coastline'"
                ),
                {"kind": kind},
            ).all()
        )


def test_land_cover_census_accounts_for_every_area_in_the_file(city, file_count, engine):
    report = city.render()
    for kind in LAND_COVER_KINDS:
        in_file, loaded = file_count.ids[kind], _land_cover_ids(engine, kind)
        assert city.census[kind]["in_file"] == len(in_file), kind
        assert city.counts[kind] == len(loaded) > 0, kind
        assert loaded <= in_file, kind
        # what is not loaded was cut by the extract's edge (ways with missing nodes, or
        # multipolygons: the file has the only two complete)
        assert {i for t, i in in_file - loaded if t == "way"} <= file_count.clipped_ways, kind
        complete = {i for t, i in in_file if t == "way"} - file_count.clipped_ways
        assert complete <= {i for t, i in loaded if t == "way"}, kind
        row = f"{city.census[kind]['in_file']:>9}{city.counts[kind]:>9}"
        assert f"  {kind:<12}{row}{len(in_file - loaded):>13}" in report
    # the bundled extract: 17 water, 200 park and 114 land-use areas; those cut at the
    # edge (Töölönlahti, the Tokoinranta park, ...) are counted, not drawn distorted
    assert [city.census[k]["in_file"] for k in LAND_COVER_KINDS] == [17, 200, 114]
    assert (city.counts["water"], city.counts["park"], city.counts["landuse"]) == (14, 176, 85)


def test_land_cover_is_classified_valid_and_inside_the_extent(city, engine):
    with engine.connect() as conn:
        named = dict(
            conn.execute(
                text(
                    "SELECT name, kind || '/' || class FROM ref.land_cover WHERE name IN "
                    "('Esplanadinpuisto', 'Kaisaniemen puisto', 'Leikkipaikka Kaisaniemi', "
                    "'Kaisaniemen kasvitieteellinen puutarha', 'Fenniakortteli', 'Sokos')"
                )
            ).all()
        )
        classes = dict(
            conn.execute(
                text("SELECT kind || '/' || class, count(*) FROM ref.land_cover GROUP BY 1")
            ).all()
        )
        bad = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE NOT ST_IsValid(l.geom)), "
                "count(*) FILTER (WHERE NOT ST_CoveredBy(l.geom, d.extent)), "
                "count(*) FILTER (WHERE ST_IsEmpty(l.geom) OR ST_Area(l.geom) = 0), "
                "count(*) FILTER (WHERE GeometryType(l.geom) <> 'MULTIPOLYGON') "
                "FROM ref.land_cover l JOIN ref.datasets d USING (dataset_id)"
            )
        ).one()
        # Esplanadi park is one complete way that lies inside the extent: loaded as drawn
        espa_area = conn.execute(
            text(
                "SELECT ST_Area(geom::geography) FROM ref.land_cover "
                "WHERE osm_type = 'way' AND osm_id = 28328802"
            )
        ).scalar_one()
    assert named == {
        "Esplanadinpuisto": "park/park",
        "Kaisaniemen puisto": "park/park",  # a multipolygon relation (with a hole)
        "Leikkipaikka Kaisaniemi": "park/playground",
        "Kaisaniemen kasvitieteellinen puutarha": "park/garden",
        "Fenniakortteli": "landuse/commercial",
        "Sokos": "landuse/retail",
    }
    for expected in ("water/water", "water/sea", "park/grass", "landuse/residential"):
        assert classes[expected] > 0, expected
    # street areas mis-tagged landuse=lane|road|steps|bus_stop are not land cover
    assert not {c for c in classes if c.split("/")[1] in ("lane", "road", "steps", "bus_stop")}
    assert tuple(bad) == (0, 0, 0, 0)
    assert 15_000 < espa_area < 30_000  # m²


def test_the_sea_is_built_from_the_coastline(city, file_count, engine):
    def in_sea(lat, lon):
        return conn.execute(
            text(
                "SELECT count(*) FROM ref.land_cover WHERE class = 'sea' "
                "AND ST_Contains(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
            ),
            {"lat": lat, "lon": lon},
        ).scalar_one()

    assert city.census["sea"] == {
        "coastline_ways": len(file_count.coastline_ways),
        "polygons": 3,
        "skipped": None,
    }
    assert "sea: 3 polygons from 3 coastline ways" in city.render()
    with engine.connect() as conn:
        sea = conn.execute(
            text(
                "SELECT osm_type, osm_id, kind, name FROM ref.land_cover WHERE class = 'sea' "
                "ORDER BY osm_id"
            )
        ).all()
        assert sea == [("coastline", n, "water", None) for n in (1, 2, 3)]
        assert in_sea(60.1781, 24.9436) == 1  # Kaisaniemenlahti
        assert in_sea(60.17644, 24.9515) == 1  # the bay's arm east to Siltasaarensalmi
        assert in_sea(60.1671, 24.9531) == 1  # Kolera-allas, the basin at the Market Square
        assert in_sea(60.1710, 24.9414) == 0  # Helsinki railway station
        assert in_sea(60.1695, 24.9522) == 0  # Senate Square
        assert in_sea(60.1781, 24.9500) == 0  # Siltasaari, the land across the bay
        assert in_sea(60.1750, 24.9450) == 0  # Kaisaniemi park, on the bay's shore
        # the South Harbour's open water lies beyond the extract: not drawn, not guessed
        outside = conn.execute(
            text(
                "SELECT bool_and(NOT ST_Intersects(extent, ST_SetSRID(ST_MakePoint(x, y), 4326)))"
                " FROM ref.datasets, (VALUES (24.9560, 60.1640), (24.9650, 60.1550)) p(x, y)"
            )
        ).scalar_one()
        assert outside


def _run(way_id, coords, first, last, cut_start, cut_end):
    return CoastlineRun(way_id, coords, first, last, cut_start, cut_end)


def test_sea_lies_right_of_the_coastline_and_islands_are_land():
    from shapely.geometry import box

    frame = box(0, 0, 10, 10)
    # a coastline heading north through the frame, cut at both edges: sea to the east
    north = [
        _run(1, [(5, 0.5), (5, 5)], 1, 2, True, False),
        _run(2, [(5, 5), (5, 9.5)], 2, 3, False, True),
    ]
    sea = build_sea(north, frame)
    assert sea.skipped is None and sea.coastline_ways == 2 and len(sea.polygons) == 1
    assert sea.polygons[0].equals(box(5, 0, 10, 10))
    # the same coastline drawn southwards: the sea is west
    south = [_run(1, [(5, 9.5), (5, 0.5)], 1, 2, True, True)]
    assert build_sea(south, frame).polygons[0].equals(box(0, 0, 5, 10))
    # an island in the sea: a closed coastline way, anticlockwise (land on its left)
    island = _run(3, [(7, 4), (8, 4), (8, 5), (7, 5), (7, 4)], 9, 9, False, False)
    with_island = build_sea([*north, island], frame).polygons
    assert len(with_island) == 1 and with_island[0].area == 49
    assert not with_island[0].contains(box(7, 4, 8, 5).centroid)


def test_a_coastline_that_cannot_be_closed_draws_no_sea():
    from shapely.geometry import box

    # the way ends inside the extract and nothing goes on from it
    broken = [_run(1, [(5, 0.5), (5, 5)], 1, 2, True, False)]
    sea = build_sea(broken, box(0, 0, 10, 10))
    assert sea.polygons == [] and "ends at node 2 inside the extract" in sea.skipped
    assert build_sea([], box(0, 0, 10, 10)).polygons == []


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
    land_cover = sum(city.counts[k] for k in (*LAND_COVER_KINDS, "sea"))
    assert len(_db_ids(engine, "land_cover")) == land_cover


def test_a_city_loaded_before_land_cover_existed_is_reloaded(city, engine):
    # what an older GeoCRM left: the same file, a census without land cover, no land cover
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE ref.datasets SET counts = jsonb_set(counts, '{census}', "
                "(counts -> 'census') - 'water' - 'park' - 'landuse' - 'sea')"
            )
        )
        conn.execute(text("DELETE FROM ref.land_cover"))
    again = load_osm(engine, progress=False)
    assert not again.unchanged and again.counts == city.counts
    assert load_osm(engine, progress=False).unchanged


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
        assert (
            conn.execute(text("SELECT count(*) FROM ref.land_cover WHERE kind = 'park'")).scalar()
            == city.counts["park"]
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
