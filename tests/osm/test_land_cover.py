"""The base map's land cover: water, parks, land use and the sea, accounted for."""

from sqlalchemy import text

from geocrm.cli.city import osm_load_text
from geocrm.osm.land_cover import LAND_COVER_KINDS


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
    report = osm_load_text(city)
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
    assert "sea: 3 polygons from 3 coastline ways" in osm_load_text(city)
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
