"""Target zones: areas a marketer draws or picks, named and saved, and their audience.

A zone is a polygon in WGS84 (drawn as a polygon, a rectangle or a circle, or an isochrone
around a point) with audience filters (the cube's dimensions: ``stage``, ``segment``,
``kind``, ``building_class``, ``store_id``, ``rep_id``, ``territory_id``). Its audience is
every customer whose point intersects the zone (a point on the boundary is inside) and
matches the filters; ``customers`` are those past the prospect stage, ``prospects`` the
others, as the cube counts them. Counting is one indexed PostGIS query
(``spatial_sql/queries/zones/count.sql``), fast enough to run while the user drags.

Zones live in ``crm.target_zones`` (migration ``0011_target_zones.sql``); the API is
``geocrm.api.zones``, the CLI ``geocrm zones``, the map layer ``tiles/zones.sql``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from geocrm import cube
from geocrm.db import query
from geocrm.errors import Conflict, InvalidInput, NotFound

#: How a zone was made.
KINDS = ("polygon", "rectangle", "circle", "isochrone")
#: Most vertices (positions, over all rings) of a zone.
MAX_VERTICES = 10_000
#: Longest zone name.
MAX_NAME_CHARS = 200
#: Largest ``source`` object (bytes of JSON).
MAX_SOURCE_BYTES = 10_000
#: The audience filters: the cube's dimensions (name -> whether values are integer ids).
FILTERS = cube.FILTERS
#: Columns of the audience export, in order (the first six are the contract of the app).
AUDIENCE_COLUMNS = (
    "customer_id",
    "name",
    "address",
    "stage",
    "revenue",
    "rep",
    "external_id",
    "segment",
    "kind",
    "building_class",
    "store_id",
    "rep_id",
    "lon",
    "lat",
)


# --------------------------------------------------------------------------- geometry


def _position(value: Any, where: str) -> tuple[float, float]:
    """A GeoJSON position checked: 2 or 3 finite numbers, lon/lat within range."""
    if not isinstance(value, list | tuple) or not 2 <= len(value) <= 3:
        raise InvalidInput(f"{where} must be a position [lon, lat], got {value!r}")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        raise InvalidInput(f"{where} must hold numbers, got {value!r}")
    try:
        lon, lat = float(value[0]), float(value[1])
    except OverflowError:
        raise InvalidInput(f"{where} holds a number too large for a coordinate") from None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidInput(f"{where} must hold finite numbers, got {value!r}")
    if not -180 <= lon <= 180:
        raise InvalidInput(f"{where}: longitude {lon} is outside -180..180")
    if not -90 <= lat <= 90:
        hint = " (did you swap longitude and latitude?)" if -90 <= lon <= 90 else ""
        raise InvalidInput(f"{where}: latitude {lat} is outside -90..90{hint}")
    return lon, lat


def _ring(value: Any, where: str) -> list[tuple[float, float]]:
    if not isinstance(value, list | tuple):
        raise InvalidInput(f"{where} must be a list of positions")
    if len(value) < 4:
        raise InvalidInput(
            f"{where} has {len(value)} position(s): a linear ring needs at least 4 "
            "(the first repeated as the last)"
        )
    ring = [_position(p, f"{where}, position {i}") for i, p in enumerate(value)]
    if ring[0] != ring[-1]:
        raise InvalidInput(
            f"{where} is not closed: its last position {list(ring[-1])} must repeat its "
            f"first {list(ring[0])}"
        )
    return ring


def _polygon(value: Any, where: str) -> list[list[tuple[float, float]]]:
    if not isinstance(value, list | tuple) or not value:
        raise InvalidInput(f"{where} must be a non-empty list of linear rings")
    return [_ring(r, f"{where}, ring {i}") for i, r in enumerate(value)]


def parse_geometry(geometry: Mapping[str, Any] | None) -> MultiPolygon:
    """A zone's area from a GeoJSON geometry, checked and repaired.

    Accepts a ``Polygon`` or ``MultiPolygon`` in WGS84: positions within -180..180 /
    -90..90, rings closed with at least 4 positions, at most :data:`MAX_VERTICES`
    positions in all. An invalid polygon (e.g. self-intersecting, or overlapping parts) is
    repaired with GEOS MakeValid (the algorithm of PostGIS's ``ST_MakeValid``) when that
    yields an area; otherwise, and for an area of zero, ``InvalidInput`` says why.
    """
    if not isinstance(geometry, Mapping):
        raise InvalidInput("geometry must be a GeoJSON object: a Polygon or a MultiPolygon")
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise InvalidInput(f"geometry type must be Polygon or MultiPolygon, not {kind!r}")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list | tuple) or not coordinates:
        raise InvalidInput(f"a {kind} needs non-empty coordinates")
    count = _count_positions(coordinates, 3 if kind == "MultiPolygon" else 2)
    if count > MAX_VERTICES:
        raise InvalidInput(
            f"geometry has {count} vertices, more than the {MAX_VERTICES} a zone may have: "
            "simplify it"
        )
    if kind == "Polygon":
        parts = [_polygon(coordinates, "polygon")]
    else:
        parts = [_polygon(p, f"polygon {i}") for i, p in enumerate(coordinates)]
    geom = MultiPolygon([Polygon(rings[0], rings[1:]) for rings in parts])
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        geom = _polygonal(shapely.make_valid(geom))
        if geom is None:
            raise InvalidInput(
                f"geometry is not a valid polygon ({reason}) and repairing it leaves zero area: "
                "draw an area, not a line or a point"
            )
    if geom.area <= 0:
        raise InvalidInput("geometry has zero area: draw an area, not a line or a point")
    return geom


def _count_positions(coordinates: Any, depth: int) -> int:
    """Positions in nested coordinate lists (depth 2: a polygon, 3: a multipolygon)."""
    if not isinstance(coordinates, list | tuple):
        return 0
    if depth == 1:
        return len(coordinates)
    return sum(_count_positions(c, depth - 1) for c in coordinates)


def _polygonal(geom: Any) -> MultiPolygon | None:
    """The polygons of a geometry (of a collection, too) as one MultiPolygon; None if none."""
    polygons: list[Polygon] = []
    for part in shapely.get_parts(geom):
        if isinstance(part, Polygon):
            polygons.append(part)
        elif isinstance(part, MultiPolygon) or part.geom_type == "GeometryCollection":
            inner = _polygonal(part)
            polygons += list(inner.geoms) if inner is not None else []
    polygons = [p for p in polygons if not p.is_empty and p.area > 0]
    if not polygons:
        return None
    merged = MultiPolygon(polygons)
    return merged if merged.is_valid else _polygonal(shapely.make_valid(merged))


def geometry_geojson(geom: Any) -> dict[str, Any]:
    """A shapely geometry as a GeoJSON geometry object (7 decimals, about 1 cm)."""
    return json.loads(shapely.to_geojson(shapely.set_precision(geom, 1e-7)))


# --------------------------------------------------------------------------- filters


def audience_filters(conn: Connection, filters: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validated audience filters as SQL array parameters (None: no filter on it).

    Values are one value, a list, or a comma-separated string, checked as
    ``geocrm.cube.validate_filters`` checks them; segments are checked against the
    segments of the customers (not of the last cube build, so zones work before one).
    """
    filters = dict(filters or {})
    if filters.get(cube.MONTH):
        raise InvalidInput(
            "a zone's audience is every customer in it, whatever the month: the month of "
            "activity filters the hex cube and the map, not zones"
        )
    filters.pop(cube.MONTH, None)
    segment = filters.pop("segment", None)
    params = cube.validate_filters(conn, filters)
    segments = sorted(set(cube.split_values(segment)))
    params["segment"] = None
    if segments:
        known = tuple(conn.execute(query("zones/segments")).scalars())
        bad = [s for s in segments if s not in known]
        if bad:
            raise InvalidInput(
                f"unknown segment {', '.join(map(repr, bad))}; segment may be: "
                f"{', '.join(known) or '(none)'}"
            )
        params["segment"] = segments
    return {name: params.get(name) for name in FILTERS}


def saved_filters(params: Mapping[str, Any]) -> dict[str, list]:
    """Validated filter parameters as a zone saves them: only the filters set."""
    return {name: list(values) for name, values in params.items() if values is not None}


def _saved_params(saved: Mapping[str, Any]) -> dict[str, Any]:
    """A zone's saved filters back as SQL array parameters."""
    params: dict[str, Any] = dict.fromkeys(FILTERS)
    for name, values in saved.items():
        if name in FILTERS and values is not None:
            items = cube.split_values(values)
            params[name] = [int(v) for v in items] if FILTERS[name] else items
    return params


# --------------------------------------------------------------------------- counting


def _counts(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "customers": int(row["customers"]),
        "prospects": int(row["prospects"]),
        "total": int(row["total"]),
        "revenue": float(row["revenue"]),
    }


def _no_jit(conn: Connection) -> None:
    """No JIT compilation in this transaction: it costs more than any audience count."""
    conn.execute(query("zones/no_jit"))


def _count(conn: Connection, geom: MultiPolygon | bytes, params: Mapping[str, Any]) -> dict:
    wkb = geom if isinstance(geom, bytes) else shapely.to_wkb(geom)
    _no_jit(conn)
    row = conn.execute(query("zones/count"), {"wkb": wkb, **params}).mappings().one()
    return _counts(row)


def count_audience(
    engine: Engine, geometry: Mapping[str, Any] | MultiPolygon, filters: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The audience of an area under filters: ``customers`` (stage past prospect),
    ``prospects``, ``total`` and ``revenue`` (sum of annual revenue).

    ``geometry`` is a GeoJSON Polygon/MultiPolygon (checked by :func:`parse_geometry`) or a
    shapely MultiPolygon already checked.
    """
    geom = geometry if isinstance(geometry, MultiPolygon) else parse_geometry(geometry)
    with engine.connect() as conn:
        return _count(conn, geom, audience_filters(conn, filters))


# --------------------------------------------------------------------------- saved zones


def _name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("name must be a non-empty text")
    name = name.strip()
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"name has {len(name)} characters, at most {MAX_NAME_CHARS}")
    return name


def _kind(kind: Any) -> str:
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    return kind


def _source(source: Mapping[str, Any] | None, kind: str | None) -> dict[str, Any]:
    """How the zone was drawn, checked where its keys are known: circle ``center`` and
    ``radius_m`` (both required for a circle); isochrone ``center``, ``mode``, ``minutes``."""
    source = dict(source or {})
    if len(json.dumps(source)) > MAX_SOURCE_BYTES:
        raise InvalidInput(f"source is larger than {MAX_SOURCE_BYTES} bytes of JSON")
    if kind == "circle":
        missing = [k for k in ("center", "radius_m") if k not in source]
        if missing:
            raise InvalidInput(
                f"a circle's source needs {' and '.join(missing)}: "
                '{"center": [lon, lat], "radius_m": r}'
            )
    if "center" in source:
        _position(source["center"], "source.center")
    if "radius_m" in source:
        radius = source["radius_m"]
        if not isinstance(radius, int | float) or isinstance(radius, bool) or not radius > 0:
            raise InvalidInput(f"source.radius_m must be a positive number, got {radius!r}")
    if "mode" in source and source["mode"] not in ("walk", "drive"):
        raise InvalidInput(f"source.mode must be walk or drive, got {source['mode']!r}")
    if "minutes" in source:
        minutes = source["minutes"]
        if not isinstance(minutes, int | float) or isinstance(minutes, bool) or minutes <= 0:
            raise InvalidInput(f"source.minutes must be a positive number, got {minutes!r}")
    return source


def _zone_row(conn: Connection, zone: int | str) -> Mapping[str, Any]:
    """A saved zone's row by id (an int, or a text of digits that is an id) or by name."""
    row = None
    if isinstance(zone, int) or (isinstance(zone, str) and zone.strip().isdigit()):
        zone_id = int(zone)
        if zone_id < 2**31:
            row = conn.execute(query("zones/get"), {"zone_id": zone_id, "name": None})
            row = row.mappings().first()
    if row is None and isinstance(zone, str):
        row = conn.execute(query("zones/get"), {"zone_id": None, "name": zone.strip()})
        row = row.mappings().first()
    if row is None:
        raise NotFound(f"No target zone {zone!r}")
    return row


def zone_area(conn: Connection, zone: int | str) -> tuple[int, str, MultiPolygon]:
    """A saved zone's id, name and area, by id or name (NotFound if there is none)."""
    row = _zone_row(conn, zone)
    return int(row["zone_id"]), str(row["name"]), shapely.from_wkb(bytes(row["wkb"]))


def _feature(conn: Connection, zone_id: int) -> dict[str, Any]:
    _no_jit(conn)
    feature = conn.execute(query("zones/features"), {"zone_id": zone_id}).scalar()
    if feature is None:
        raise NotFound(f"No target zone {zone_id}")
    return feature


def list_zones(engine: Engine) -> dict[str, Any]:
    """Every saved zone as a GeoJSON FeatureCollection (id = zone_id), each with its
    audience under its saved filters (``customers``, ``prospects``, ``total``, ``revenue``)."""
    with engine.connect() as conn:
        _no_jit(conn)
        features = list(conn.execute(query("zones/features"), {"zone_id": None}).scalars())
    return {"type": "FeatureCollection", "features": features}


def get_zone(engine: Engine, zone_id: int) -> dict[str, Any]:
    """One saved zone as a GeoJSON Feature with its audience counts."""
    with engine.connect() as conn:
        return _feature(conn, zone_id)


def create_zone(
    engine: Engine,
    *,
    name: str,
    kind: str,
    geometry: Mapping[str, Any],
    filters: Mapping[str, Any] | None = None,
    source: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Save a new zone; ``Conflict`` when the name is taken. Returns its Feature."""
    name, kind = _name(name), _kind(kind)
    geom = parse_geometry(geometry)
    source = _source(source, kind)
    with engine.begin() as conn:
        params = audience_filters(conn, filters)
        zone_id = conn.execute(
            query("zones/insert"),
            {
                "name": name,
                "kind": kind,
                "wkb": shapely.to_wkb(geom),
                "filters": json.dumps(saved_filters(params)),
                "source": json.dumps(source),
            },
        ).scalar()
        if zone_id is None:
            raise Conflict(f"a target zone named {name!r} exists already: choose another name")
        return _feature(conn, zone_id)


def update_zone(
    engine: Engine,
    zone_id: int,
    *,
    name: str | None = None,
    kind: str | None = None,
    geometry: Mapping[str, Any] | None = None,
    filters: Mapping[str, Any] | None = None,
    source: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Change a saved zone: each argument given replaces that part (``filters`` as a whole);
    ``updated_at`` is bumped. ``NotFound``, ``Conflict`` (name taken), ``InvalidInput``."""
    if all(v is None for v in (name, kind, geometry, filters, source)):
        raise InvalidInput("nothing to change: give name, kind, geometry, filters or source")
    values: dict[str, Any] = {
        "zone_id": zone_id,
        "name": _name(name) if name is not None else None,
        "kind": _kind(kind) if kind is not None else None,
        "wkb": shapely.to_wkb(parse_geometry(geometry)) if geometry is not None else None,
        "filters": None,
        "source": None,
    }
    try:
        with engine.begin() as conn:
            current = _zone_row(conn, zone_id)
            if source is not None or kind is not None:
                values["source"] = json.dumps(
                    _source(
                        source if source is not None else current["source"], kind or current["kind"]
                    )
                )
            if filters is not None:
                values["filters"] = json.dumps(saved_filters(audience_filters(conn, filters)))
            if conn.execute(query("zones/update"), values).scalar() is None:
                raise NotFound(f"No target zone {zone_id}")
            return _feature(conn, zone_id)
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) == "23505":  # unique_violation: the name
            raise Conflict(
                f"a target zone named {values['name']!r} exists already: choose another name"
            ) from None
        raise


def delete_zone(engine: Engine, zone_id: int) -> None:
    """Delete a saved zone; ``NotFound`` when there is none."""
    with engine.begin() as conn:
        if conn.execute(query("zones/delete"), {"zone_id": zone_id}).scalar() is None:
            raise NotFound(f"No target zone {zone_id}")


def _zone_params(
    conn: Connection, row: Mapping[str, Any], overrides: Mapping[str, Any] | None
) -> dict[str, Any]:
    """A zone's saved filters, each replaced by the same filter of ``overrides`` if given
    (overrides are validated; saved filters were when they were saved)."""
    params = _saved_params(row["filters"] or {})
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    if given:
        checked = audience_filters(conn, given)
        params.update({k: v for k, v in checked.items() if v is not None})
    return params


def zone_count(
    engine: Engine, zone: int | str, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A saved zone's audience under its saved filters, each overridable by ``overrides``:
    ``zone_id``, ``name``, the ``filters`` applied, and the counts of :func:`count_audience`."""
    with engine.connect() as conn:
        row = _zone_row(conn, zone)
        params = _zone_params(conn, row, overrides)
        counts = _count(conn, bytes(row["wkb"]), params)
    return {
        "zone_id": row["zone_id"],
        "name": row["name"],
        "filters": saved_filters(params),
        **counts,
    }


@dataclass
class Audience:
    """A zone's audience as CSV: the zone, a safe file name and the text in chunks."""

    zone_id: int
    name: str
    filename: str
    chunks: Iterator[str]


def safe_filename(name: str, *, fallback: str = "zone", suffix: str = "") -> str:
    """A file name from a zone name: ASCII letters, digits, ``-``, ``_`` and ``.`` only."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name).strip("-._")[:80] or fallback
    return slug + suffix


def _csv_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    return "" if value is None else value


def zone_audience(
    engine: Engine,
    zone: int | str,
    overrides: Mapping[str, Any] | None = None,
    *,
    chunk_rows: int = 2000,
) -> Audience:
    """A saved zone's audience as CSV (:data:`AUDIENCE_COLUMNS`, header first): one row per
    customer inside the zone under its filters (overridable as in :func:`zone_count`), by
    annual revenue, largest first. The zone and filters are checked now; the rows are
    streamed from the database as ``chunks`` is read."""
    with engine.connect() as conn:
        row = _zone_row(conn, zone)
        params = _zone_params(conn, row, overrides)
    values = {"wkb": bytes(row["wkb"]), **params}

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(AUDIENCE_COLUMNS)
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=chunk_rows).execute(
                query("zones/audience"), values
            )
            for part in result.partitions():
                writer.writerows(
                    [_csv_value(r._mapping[c]) for c in AUDIENCE_COLUMNS] for r in part
                )
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        if buffer.tell():  # the header of an empty audience
            yield buffer.getvalue()

    return Audience(
        zone_id=row["zone_id"],
        name=row["name"],
        filename=safe_filename(row["name"], fallback=f"zone-{row['zone_id']}", suffix=".csv"),
        chunks=chunks(),
    )


def export_audience(engine: Engine, zone: int | str, out: Path) -> int:
    """Write a saved zone's audience CSV to ``out``; returns the number of customers."""
    audience = zone_audience(engine, zone)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as f:
        for chunk in audience.chunks:
            f.write(chunk)
    with out.open(newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.reader(f)) - 1


# --------------------------------------------------------------------------- isochrones


def isochrone_feature(
    engine: Engine, lon: float, lat: float, *, mode: str, minutes: float
) -> dict[str, Any]:
    """The area reachable from a point within ``minutes`` (walk or drive) on the loaded
    city's streets, as a GeoJSON Feature ready to be saved as a zone of kind
    ``isochrone``: properties ``mode``, ``minutes``, ``center``, ``snap_distance_m``,
    ``area_km2``, ``source`` (what to save with it) and ``counts`` (its audience without
    filters)."""
    from geocrm.network import point_isochrone

    geom, access_m = point_isochrone(engine, lon, lat, mode=mode, minutes=minutes)
    counts = count_audience(engine, geom, None) if not geom.is_empty else _zero_counts()
    source = {"center": [lon, lat], "mode": mode, "minutes": minutes}
    return {
        "type": "Feature",
        "geometry": geometry_geojson(geom),
        "properties": {
            "mode": mode,
            "minutes": minutes,
            "center": [lon, lat],
            "snap_distance_m": round(access_m, 1),
            "area_km2": round(_area_km2(geom), 4),
            "source": source,
            "counts": counts,
        },
    }


def _zero_counts() -> dict[str, Any]:
    return {"customers": 0, "prospects": 0, "total": 0, "revenue": 0.0}


def _area_km2(geom: MultiPolygon) -> float:
    from pyproj import Geod

    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(geom)
    return abs(area) / 1e6


def zone_table(zones: Sequence[Mapping[str, Any]]) -> str:
    """Saved zones (features of :func:`list_zones`) as a plain-text table."""
    header = ("id", "name", "kind", "customers", "prospects", "total", "filters", "updated")
    rows = [
        (
            str(p["zone_id"]),
            p["name"],
            p["kind"],
            str(p["customers"]),
            str(p["prospects"]),
            str(p["total"]),
            json.dumps(p["filters"], ensure_ascii=False) if p["filters"] else "-",
            str(p["updated_at"])[:19].replace("T", " "),
        )
        for p in (z["properties"] for z in zones)
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in [header, *rows]]
    return "\n".join(line.rstrip() for line in lines)
