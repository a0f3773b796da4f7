"""Saved target zones (``crm.target_zones``): create, list, change, delete, and the
audience of a saved zone under its saved filters."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import shapely
from shapely.geometry import MultiPolygon
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from geocrm.db import query
from geocrm.errors import Conflict, InvalidInput, NotFound
from geocrm.identifiers import INT32_MAX, is_id_text
from geocrm.zones.audience import (
    audience_filters,
    count,
    plan_each_count,
    saved_filters,
    zone_params,
)
from geocrm.zones.geometry import check_position, parse_geometry

#: How a zone was made.
KINDS = ("polygon", "rectangle", "circle", "isochrone")
#: Longest zone name.
MAX_NAME_CHARS = 200
#: Largest ``source`` object (bytes of JSON).
MAX_SOURCE_BYTES = 10_000


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
        check_position(source["center"], "source.center")
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


def zone_row(conn: Connection, zone: int | str) -> Mapping[str, Any]:
    """A saved zone's row by id (an int, or a text of digits that is an id) or by name."""
    row = None
    if (isinstance(zone, int) and not isinstance(zone, bool)) or is_id_text(zone):
        zone_id = int(zone)
        if 0 < zone_id <= INT32_MAX:
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
    row = zone_row(conn, zone)
    return int(row["zone_id"]), str(row["name"]), shapely.from_wkb(bytes(row["wkb"]))


def _feature(conn: Connection, zone_id: int) -> dict[str, Any]:
    plan_each_count(conn)
    feature = conn.execute(query("zones/features"), {"zone_id": zone_id}).scalar()
    if feature is None:
        raise NotFound(f"No target zone {zone_id}")
    return feature


def list_zones(engine: Engine) -> dict[str, Any]:
    """Every saved zone as a GeoJSON FeatureCollection (id = zone_id), each with its
    audience under its saved filters (``customers``, ``prospects``, ``total``, ``revenue``)."""
    with engine.connect() as conn:
        plan_each_count(conn)
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
            current = zone_row(conn, zone_id)
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


def zone_count(
    engine: Engine, zone: int | str, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A saved zone's audience under its saved filters, each overridable by ``overrides``:
    ``zone_id``, ``name``, the ``filters`` applied, and the counts of :func:`count_audience`."""
    with engine.connect() as conn:
        row = zone_row(conn, zone)
        params = zone_params(conn, row, overrides)
        counts = count(conn, bytes(row["wkb"]), params)
    return {
        "zone_id": row["zone_id"],
        "name": row["name"],
        "filters": saved_filters(params),
        **counts,
    }
