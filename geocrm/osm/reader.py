"""One streaming pass over an ``.osm.pbf`` with pyosmium: the census and the staged rows.

Buildings, POIs, addresses, named places (``place=*`` and districts) and land cover
(water, parks, land use; see :mod:`geocrm.osm.land_cover`) are counted as they appear in
the file and written as CSV rows ready for COPY; the pieces of coastline are kept for the
sea. Ways and multipolygon relations get their geometry from osmium's area assembler,
which refuses rings with missing nodes: objects clipped by the extract's edge are counted
but not loaded (a district clipped so is placed from its boundary points in the file).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from shapely.geometry import MultiPoint, Polygon, box
from tqdm import tqdm

from geocrm.osm.land_cover import LAND_COVER_KINDS, CoastlineRun, land_cover_class

#: OSM keys that make an object a point of interest (pyrosm's default POI filter) ...
POI_KEYS = ("amenity", "shop", "tourism")
#: ... and transit stops, which foot traffic starts and ends at (category ``transit``).
TRANSIT_TAGS = {
    "public_transport": None,
    "railway": {"station", "halt", "tram_stop", "subway_entrance"},
    "highway": {"bus_stop"},
}


#: OSM ``place=*`` values loaded as named places (ref.places), and the admin levels of the
#: administrative boundaries loaded as districts (kind ``district``).
PLACE_KINDS = frozenset(
    {
        "city",
        "town",
        "village",
        "hamlet",
        "suburb",
        "quarter",
        "neighbourhood",
        "city_block",
        "square",
        "island",
        "islet",
        "locality",
    }
)
DISTRICT_LEVELS = frozenset({"9", "10"})
#: Languages whose ``name:<lang>`` a place keeps besides its name.
PLACE_LANGUAGES = ("fi", "sv", "en")


def place_kind(tags) -> str | None:
    """The place kind of a named OSM ``place=*`` object (None for anything else)."""
    kind = tags.get("place")
    return kind if kind in PLACE_KINDS and tags.get("name") else None


def is_district(tags) -> bool:
    """Whether OSM tags describe a named district (an admin_level 9/10 boundary)."""
    return (
        tags.get("boundary") == "administrative"
        and tags.get("admin_level") in DISTRICT_LEVELS
        and bool(tags.get("name"))
    )


def _place_names(tags: dict) -> str:
    names = {lang: tags[f"name:{lang}"] for lang in PLACE_LANGUAGES if f"name:{lang}" in tags}
    return json.dumps(names, ensure_ascii=False)


def is_transit(tags) -> bool:
    """Whether OSM tags describe a public-transport stop or station."""
    for key, values in TRANSIT_TAGS.items():
        value = tags.get(key)
        if value is not None and (values is None or value in values):
            return True
    return False


# -- reading buildings, POIs and addresses with pyosmium ------------------------------------
def _kinds(tags, *, is_node: bool) -> list[str]:
    """Which of GeoCRM's kinds an OSM object is, from its tags."""
    found = []
    if "building" in tags and tags.get("building") != "no" and not is_node:
        found.append("buildings")  # a building node has no footprint
    if any(k in tags for k in POI_KEYS) or is_transit(tags):
        found.append("pois")
    if "addr:housenumber" in tags and ("addr:street" in tags or "addr:place" in tags):
        found.append("addresses")
    return found


def _transit_kind(tags: dict) -> str:
    return tags.get("railway") or tags.get("public_transport") or tags.get("highway") or "stop"


def _tag_dict(tags) -> dict[str, str]:
    return {t.k: t.v for t in tags}


#: The census's kinds: OSM objects counted in the file and loaded (land cover by its kind).
CENSUS_KINDS = ("buildings", "pois", "addresses", "places", *LAND_COVER_KINDS)


@dataclass
class KindCount:
    """Objects of one kind: seen in the file, and those with a complete geometry."""

    in_file: int = 0
    loaded: int = 0


#: Columns of the staging tables (``spatial_sql/queries/osm/staging.sql``), by kind: the
#: reader writes one CSV file per kind in this order, the load COPYs them.
STAGE_COLUMNS = {
    "buildings": (
        "osm_type",
        "osm_id",
        "building",
        "name",
        "levels",
        "street",
        "housenumber",
        "tags",
        "geom",
    ),
    "pois": ("osm_type", "osm_id", "name", "category", "subcategory", "tags", "geom"),
    "addresses": (
        "source",
        "osm_type",
        "osm_id",
        "street",
        "housenumber",
        "postcode",
        "city",
        "geom",
    ),
    "land_cover": ("osm_type", "osm_id", "kind", "class", "name", "geom"),
    "places": ("osm_type", "osm_id", "kind", "name", "names", "geom", "bbox"),
}

_NULL = "\\N"


class CityReader:
    """One streaming pass over the file: census and rows for buildings, POIs, addresses and
    land cover, and the pieces of coastline the file holds (for the sea).

    Rows go to CSV files (for COPY), so memory stays flat on large regional extracts.
    Ways and multipolygon relations get their geometry from osmium's area assembler, which
    refuses rings with missing nodes: objects clipped by the extract's edge are counted
    but not loaded, rather than loaded with a distorted footprint or area.
    """

    def __init__(self, folder: Path, progress: tqdm):
        self.counts = {k: KindCount() for k in CENSUS_KINDS}
        self.files = {k: (folder / f"{k}.csv").open("w", newline="") for k in STAGE_COLUMNS}
        self.writers = {k: csv.writer(f) for k, f in self.files.items()}
        self.coastline: list[CoastlineRun] = []
        # districts: the boundary ways' points inside the file, and the districts whose
        # area the assembler has not built (yet): name, names, member way ids
        self.boundary_points: dict[int, list[tuple[float, float]]] = {}
        self.districts: dict[int, tuple[str, str, list[int]]] = {}
        self.complete_districts: set[int] = set()
        self.progress = progress
        self.seen = 0

    def close(self) -> None:
        """Close the CSV files (they are complete once :meth:`read` has returned)."""
        for f in self.files.values():
            f.close()

    def _tick(self) -> None:
        self.seen += 1
        if self.seen % 5000 == 0:
            self.progress.update(5000)

    def _emit(self, kinds: list[str], osm_type: str, osm_id: int, tags: dict, wkb: str) -> None:
        get = lambda key: tags.get(key, _NULL)  # noqa: E731
        for kind in kinds:
            self.counts[kind].loaded += 1
            if kind == "buildings":
                row = (
                    osm_type,
                    osm_id,
                    tags["building"],
                    get("name"),
                    get("building:levels"),
                    get("addr:street"),
                    get("addr:housenumber"),
                    json.dumps(tags),
                    wkb,
                )
            elif kind == "pois":
                key = next((k for k in POI_KEYS if k in tags), None)
                category, value = (key, tags[key]) if key else ("transit", _transit_kind(tags))
                row = (osm_type, osm_id, get("name"), category, value, json.dumps(tags), wkb)
            else:
                if osm_type != "node" and "building" in tags:
                    source = "building"
                elif any(k in tags for k in POI_KEYS) or is_transit(tags):
                    source = "poi"
                else:
                    source = "address_node" if osm_type == "node" else "building"
                row = (
                    source,
                    osm_type,
                    osm_id,
                    tags.get("addr:street") or tags["addr:place"],
                    tags["addr:housenumber"],
                    get("addr:postcode"),
                    get("addr:city"),
                    wkb,
                )
            self.writers[kind].writerow(row)

    def _emit_land_cover(self, osm_type: str, osm_id: int, kind_class, tags, wkb: str) -> None:
        self.counts[kind_class[0]].loaded += 1
        name = tags.get("name")
        self.writers["land_cover"].writerow(
            (osm_type, osm_id, *kind_class, _NULL if name is None else name, wkb)
        )

    def _emit_place(
        self, osm_type: str, osm_id: int, kind: str, tags: dict, wkb: str, bbox=_NULL
    ) -> None:
        self.counts["places"].loaded += 1
        self.writers["places"].writerow(
            (osm_type, osm_id, kind, tags["name"], _place_names(tags), wkb, bbox)
        )

    def _clipped_districts(self) -> None:
        """Districts cut by the extract's edge (no complete area): the centre and extent of
        their boundary points inside the file; none of them inside: not loaded."""
        for osm_id, (name, names, ways) in self.districts.items():
            if osm_id in self.complete_districts:
                continue
            points = [p for w in ways for p in self.boundary_points.get(w, ())]
            if not points:
                continue
            hull = MultiPoint(points)
            left, bottom, right, top = hull.bounds
            flat = right <= left or top <= bottom
            extent = _NULL if flat else box(left, bottom, right, top).wkb_hex
            self.counts["places"].loaded += 1
            self.writers["places"].writerow(
                ("relation", osm_id, "district", name, names, hull.centroid.wkb_hex, extent)
            )
        self.districts.clear()

    def _coastline_way(self, w) -> None:
        """Keep the runs of a coastline way's nodes that the file has locations for."""
        nodes = w.nodes
        run: list[tuple[float, float]] = []
        start = 0
        for i, n in enumerate(nodes):
            if n.location.valid():
                if not run:
                    start = i
                run.append((n.lon, n.lat))
                continue
            if run:
                self.coastline.append(
                    CoastlineRun(w.id, run, nodes[start].ref, nodes[i - 1].ref, start > 0, True)
                )
                run = []
        if run:
            last = len(nodes) - 1
            self.coastline.append(
                CoastlineRun(w.id, run, nodes[start].ref, nodes[last].ref, start > 0, False)
            )

    def read(self, path: Path) -> None:
        """Read the whole file: census, rows and coastline."""
        import osmium  # deferred: the C++ reader is heavy and needed only while loading

        wkb = osmium.geom.WKBFactory()
        reader = self

        class Handler(osmium.SimpleHandler):
            def node(self, n):
                reader._tick()
                kinds = _kinds(n.tags, is_node=True)
                if kinds:
                    for kind in kinds:
                        reader.counts[kind].in_file += 1
                    reader._emit(kinds, "node", n.id, _tag_dict(n.tags), wkb.create_point(n))
                place = place_kind(n.tags)
                if place:
                    reader.counts["places"].in_file += 1
                    reader._emit_place("node", n.id, place, _tag_dict(n.tags), wkb.create_point(n))

            def way(self, w):
                reader._tick()
                kinds = _kinds(w.tags, is_node=False)
                for kind in kinds:
                    reader.counts[kind].in_file += 1
                land_cover = land_cover_class(w.tags)
                if land_cover:
                    reader.counts[land_cover[0]].in_file += 1
                if w.tags.get("natural") == "coastline":
                    reader._coastline_way(w)
                if place_kind(w.tags):
                    reader.counts["places"].in_file += 1  # loaded as an area, when complete
                if w.tags.get("boundary") == "administrative":
                    points = [(n.lon, n.lat) for n in w.nodes if n.location.valid()]
                    if points:
                        reader.boundary_points[w.id] = points
                # Closed ways get their geometry as areas (below); an open way can still be
                # a POI or carry an address: use its line, if none of its nodes is missing.
                if kinds and not w.is_closed() and "buildings" not in kinds:
                    try:
                        line = wkb.create_linestring(w)
                    except (osmium.InvalidLocationError, RuntimeError):
                        return
                    reader._emit(kinds, "way", w.id, _tag_dict(w.tags), line)

            def relation(self, r):
                reader._tick()
                district = is_district(r.tags)
                if district or (
                    place_kind(r.tags) and r.tags.get("type") in ("multipolygon", "boundary")
                ):
                    reader.counts["places"].in_file += 1
                if district and r.id not in reader.complete_districts:
                    reader.districts[r.id] = (
                        r.tags["name"],
                        _place_names(_tag_dict(r.tags)),
                        [m.ref for m in r.members if m.type == "w"],
                    )
                if r.tags.get("type") == "multipolygon":  # other relations are not places
                    for kind in _kinds(r.tags, is_node=False):
                        reader.counts[kind].in_file += 1
                    land_cover = land_cover_class(r.tags)
                    if land_cover:
                        reader.counts[land_cover[0]].in_file += 1

            def area(self, a):
                kinds = _kinds(a.tags, is_node=False)
                land_cover = land_cover_class(a.tags)
                # a relation's area may come before the relation itself: a district is
                # known by its tags here, and not built again from its boundary points
                district = not a.from_way() and is_district(a.tags)
                place = "district" if district else place_kind(a.tags)
                if place:
                    try:
                        area = wkb.create_multipolygon(a)
                    except (osmium.InvalidLocationError, RuntimeError):
                        area = None
                    if area is not None:
                        osm_type = "way" if a.from_way() else "relation"
                        if district:
                            reader.complete_districts.add(a.orig_id())
                            reader.districts.pop(a.orig_id(), None)
                        reader._emit_place(osm_type, a.orig_id(), place, _tag_dict(a.tags), area)
                if not kinds and not land_cover:
                    return
                try:
                    geom = wkb.create_multipolygon(a)
                except (osmium.InvalidLocationError, RuntimeError):
                    return
                osm_type = "way" if a.from_way() else "relation"
                tags = _tag_dict(a.tags)
                if kinds:
                    reader._emit(kinds, osm_type, a.orig_id(), tags, geom)
                if land_cover:
                    reader._emit_land_cover(osm_type, a.orig_id(), land_cover, tags, geom)

        Handler().apply_file(str(path), locations=True)
        self._clipped_districts()
        self.progress.update(self.seen % 5000)


def extract_frame(path: Path, networks: dict) -> Polygon:
    """The box the extract was cut to (the file header's bounding box), where its pieces of
    coastline end; without one, the bounds of the street networks (the dataset's extent)."""
    import osmium  # deferred: the C++ reader is heavy and needed only while loading

    header = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
    try:
        bbox = header.header().box()
    finally:
        header.close()
    if bbox.valid():
        return box(
            bbox.bottom_left.lon, bbox.bottom_left.lat, bbox.top_right.lon, bbox.top_right.lat
        )
    bounds = np.array([edges.total_bounds for _, edges in networks.values()])
    return box(*bounds[:, :2].min(axis=0), *bounds[:, 2:].max(axis=0))
