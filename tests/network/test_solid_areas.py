"""Everyone inside a walk is counted: the blocks and courtyards between the streets are in,
the water the streets go round is out.

An isochrone is the reachable streets buffered by a street-side margin; the building blocks
between them used to be holes (35 in a 10-minute walk around Kluuvikatu 3), and the
customers living there were left out of the zone's audience and the store's trade areas.
"""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import Point
from sqlalchemy import text

from geocrm.db import sql_file
from geocrm.geocode import Geocoder
from geocrm.network import STREET_MARGIN_M, city_water, point_isochrone
from geocrm.pipeline import enrich_city
from geocrm.zones import isochrone_feature
from tests.network.places import UTM, to_utm

PREFIX = "T-solid-"
_BACK = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
#: Farther than this from every street, a point is in no street's buffer: a block's inside.
INSIDE_BLOCK_M = STREET_MARGIN_M["walk"] + 10.0


@pytest.fixture(scope="module")
def water_m(engine, city):
    return shapely.union_all(to_utm(city_water(engine)))


@pytest.fixture(scope="module")
def streets_m(walk):
    lines = np.array([e["geometry"] for _, _, e in walk.edges(data=True)], dtype=object)
    return shapely.union_all(to_utm(lines))


@pytest.fixture(scope="module")
def kluuvikatu(engine, city):
    """A 10-minute walk around Kluuvikatu 3 (lon/lat), and its centre."""
    start = Geocoder.from_database(engine).geocode("Kluuvikatu 3")
    zone, _ = point_isochrone(engine, start.lon, start.lat, mode="walk", minutes=10)
    return zone, (start.lon, start.lat)


def _courtyard(area_lonlat, streets_m, water_m, door_lonlat) -> tuple[float, float]:
    """The point of ``area`` on land farthest from every street (on a 10 m grid, 100 m
    or more from the door): inside a block, where no buffered street reaches."""
    area = to_utm(np.array([area_lonlat]))[0]
    x0, y0, x1, y1 = area.bounds
    xs, ys = np.meshgrid(np.arange(x0, x1, 10.0), np.arange(y0, y1, 10.0))
    grid = shapely.points(xs.ravel(), ys.ravel())
    door = to_utm(np.array([Point(door_lonlat)]))[0]
    grid = grid[shapely.contains(area, grid) & ~shapely.intersects(water_m, grid)]
    grid = grid[shapely.distance(door, grid) > 100]
    far = shapely.distance(streets_m, grid)
    assert far.max() > INSIDE_BLOCK_M, "no block inside the area"
    best = grid[int(np.argmax(far))]
    return tuple(float(v) for v in _BACK.transform(best.x, best.y))


def _in_the_sea(area_lonlat, water_m) -> tuple[float, float]:
    """A point of the water in a hole of ``area``: the sea the streets go round."""
    area = to_utm(np.array([area_lonlat]))[0]
    holes = [shapely.Polygon(r) for p in area.geoms for r in p.interiors]
    assert holes, "no water inside the outline"
    biggest = max(holes, key=lambda h: h.area)
    point = biggest.point_on_surface()
    assert water_m.contains(point)
    return tuple(float(v) for v in _BACK.transform(point.x, point.y))


def _add_customers(engine, points: dict[str, tuple[float, float]]) -> None:
    with engine.begin() as conn:
        for suffix, (lon, lat) in points.items():
            conn.execute(
                text(
                    "INSERT INTO crm.customers (external_id, name, kind, stage, region, geom, "
                    "geocode_match_level) "
                    "SELECT :id, 'Test ' || :id, 'person', 'customer', "
                    "       (SELECT region FROM crm.customers ORDER BY customer_id LIMIT 1), "
                    "       ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'provided'"
                ),
                {"id": PREFIX + suffix, "lon": lon, "lat": lat},
            )


@pytest.fixture
def clean(engine):
    yield
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM crm.customers WHERE external_id LIKE :p"), {"p": PREFIX + "%"}
        )


def test_a_walk_isochrone_has_no_holes_but_water(kluuvikatu, water_m):
    zone, _ = kluuvikatu
    metric = to_utm(np.array([zone]))[0]
    rings = [shapely.Polygon(r) for p in metric.geoms for r in p.interiors]
    for ring in rings:  # what is left of the 35 holes is the water the streets go round
        assert ring.difference(water_m).area < 1.0  # m²
    # on water only where simplified (by a few metres, along the shore)
    assert metric.intersection(water_m).area < 50.0


def test_a_courtyard_inside_the_walk_is_in_the_zone_audience_and_the_sea_is_not(
    engine, demo, kluuvikatu, streets_m, water_m, clean
):
    zone, centre = kluuvikatu
    before = isochrone_feature(engine, *centre, mode="walk", minutes=10)["properties"]
    courtyard = _courtyard(zone, streets_m, water_m, centre)
    sea = _in_the_sea(zone, water_m)
    assert zone.contains(Point(courtyard)) and not zone.contains(Point(sea))
    _add_customers(engine, {"courtyard": courtyard, "sea": sea})
    after = isochrone_feature(engine, *centre, mode="walk", minutes=10)["properties"]
    assert after["counts"]["customers"] == before["counts"]["customers"] + 1
    assert after["area_km2"] == before["area_km2"]


def test_a_courtyard_inside_a_store_walk_is_in_its_trade_area_and_the_sea_is_not(
    engine, demo, streets_m, water_m, clean
):
    enrich_city(engine, progress=False)  # the trade areas, once (a no-op when up to date)
    with engine.connect() as conn:
        areas = conn.execute(
            text(
                "SELECT t.trade_area_id, ST_AsBinary(t.geom) AS geom, "
                "       ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat "
                "FROM crm.trade_areas t JOIN crm.stores s USING (store_id) "
                "WHERE t.kind = 'isochrone' AND t.mode = 'walk' "
                "ORDER BY t.minutes DESC, t.store_id"
            )
        ).all()
    # the largest walk with water inside it (the sea of central Helsinki)
    wet = next(a for a in areas if any(p.interiors for p in shapely.from_wkb(bytes(a.geom)).geoms))
    area_id, geom, door = wet.trade_area_id, shapely.from_wkb(bytes(wet.geom)), (wet.lon, wet.lat)
    courtyard = _courtyard(geom, streets_m, water_m, door)
    sea = _in_the_sea(geom, water_m)
    _add_customers(engine, {"courtyard": courtyard, "sea": sea})
    report = enrich_city(engine, progress=False)
    assert report.customers_enriched >= 2
    with engine.connect() as conn:
        listed = dict(
            conn.execute(
                text(
                    "SELECT c.external_id, e.trade_area_ids FROM crm.customers c "
                    "JOIN crm.customer_enrichment e USING (customer_id) "
                    "WHERE c.external_id LIKE :p"
                ),
                {"p": PREFIX + "%"},
            ).all()
        )
    assert area_id in listed[PREFIX + "courtyard"]
    assert area_id not in listed[PREFIX + "sea"]


def test_isochrone_zones_saved_with_holes_are_filled_by_the_migration(
    engine, kluuvikatu, streets_m, water_m
):
    zone, centre = kluuvikatu
    courtyard = _courtyard(zone, streets_m, water_m, centre)
    sea = _in_the_sea(zone, water_m)
    # as a zone was saved before: the block around the courtyard a hole
    holed = zone.difference(Point(courtyard).buffer(0.0003))
    assert not holed.contains(Point(courtyard))
    with engine.begin() as conn:
        zone_id = conn.execute(
            text(
                "INSERT INTO crm.target_zones (name, kind, geom, source) "
                "VALUES ('T-solid walk', 'isochrone', "
                "        ST_Multi(ST_GeomFromText(:wkt, 4326)), '{}') RETURNING zone_id"
            ),
            {"wkt": holed.wkt},
        ).scalar_one()
    try:
        with engine.begin() as conn:
            conn.execute(text(sql_file("migrations/0026_solid_isochrone_zones.sql")))
            inside = conn.execute(
                text(
                    "SELECT ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:x1, :y1), 4326)), "
                    "       ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:x2, :y2), 4326)) "
                    "FROM crm.target_zones WHERE zone_id = :id"
                ),
                {"x1": courtyard[0], "y1": courtyard[1], "x2": sea[0], "y2": sea[1], "id": zone_id},
            ).one()
        assert tuple(inside) == (True, False)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM crm.target_zones WHERE zone_id = :id"), {"id": zone_id})
