"""The tests' own count of the OSM file, independent of the loader, and the loaded ids."""

import collections

import osmium
from sqlalchemy import text

from geocrm.osm.land_cover import land_cover_class

POI_KEYS = ("amenity", "shop", "tourism")


class FileCount(osmium.SimpleHandler):
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


def db_ids(engine, table):
    """``(osm_type, osm_id)`` of every row of ``ref.<table>``."""
    with engine.connect() as conn:
        return set(conn.execute(text(f"SELECT osm_type, osm_id FROM ref.{table}")).all())
