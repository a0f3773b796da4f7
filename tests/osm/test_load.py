"""An admin loads central Helsinki: what the file holds is what the database holds."""

import pytest
from sqlalchemy import text

from geocrm.cli.city import osm_load_text
from geocrm.errors import InvalidInput, NotFound
from geocrm.osm import load_osm
from geocrm.osm.land_cover import LAND_COVER_KINDS
from tests.osm.census import db_ids


def test_printed_counts_equal_what_the_file_holds(city, file_count, engine):
    for kind in ("buildings", "pois", "addresses"):
        assert city.census[kind]["in_file"] == len(file_count.ids[kind]), kind
        assert city.counts[kind] == len(db_ids(engine, kind)), kind
        assert city.counts[kind] <= city.census[kind]["in_file"]
    assert city.census["buildings"]["in_file"] == 500  # the bundled extract's buildings
    text_report = osm_load_text(city)
    assert "buildings         500      446           54" in text_report


def test_buildings_not_loaded_are_exactly_the_clipped_ones(city, file_count, engine):
    loaded = db_ids(engine, "buildings")
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


def test_reload_is_skipped_when_unchanged_and_replaces_without_duplicates(city, engine):
    again = load_osm(engine, progress=False)
    assert again.unchanged and again.counts == city.counts
    forced = load_osm(engine, force=True, progress=False)
    assert not forced.unchanged and forced.counts == city.counts
    assert len(db_ids(engine, "buildings")) == city.counts["buildings"]
    land_cover = sum(city.counts[k] for k in (*LAND_COVER_KINDS, "sea"))
    assert len(db_ids(engine, "land_cover")) == land_cover


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
    import geocrm.osm.load as osm_module

    real_query = osm_module.query

    def failing_query(name):
        if name == "osm/classify_buildings":
            raise RuntimeError("simulated crash in the middle of a load")
        return real_query(name)

    monkeypatch.setattr(osm_module, "query", failing_query)
    with pytest.raises(RuntimeError, match="simulated crash"):
        load_osm(engine, force=True, progress=False)
    assert len(db_ids(engine, "buildings")) == city.counts["buildings"]
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
