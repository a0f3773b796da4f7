"""A target zone's audience: its filters (the cube's dimensions, from
:mod:`geocrm.vocabulary`) and the live count of the customers in an area
(``crm.customers_in``: one indexed PostGIS query, fast enough to run while the user drags)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import shapely
from shapely.geometry import MultiPolygon
from sqlalchemy import Connection, Engine

from geocrm import vocabulary
from geocrm.db import query
from geocrm.dimension_values import allowed_ids
from geocrm.errors import InvalidInput
from geocrm.vocabulary import FILTERS, MONTH
from geocrm.zones.geometry import parse_geometry


def audience_filters(conn: Connection, filters: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validated audience filters: a sorted list of values per dimension (None: no filter).

    Values are one value, a list, or a comma-separated string, checked by
    :func:`geocrm.vocabulary.parse_filters` as the cube checks them, except that segments
    are checked against the segments of the customers (not of the last cube build, so
    zones work before one), and that a zone takes no month.
    """
    filters = dict(filters or {})
    if filters.get(MONTH):
        raise InvalidInput(
            "a zone's audience is every customer in it, whatever the month: the month of "
            "activity filters the hex cube and the map, not zones"
        )
    filters.pop(MONTH, None)

    def known(name: str) -> Sequence[Any] | None:
        if name == "segment":
            return tuple(conn.execute(query("zones/segments")).scalars())
        return allowed_ids(conn, name)

    params = vocabulary.parse_filters(filters, known, names=FILTERS)
    return {name: params[name] for name in FILTERS}


def saved_filters(params: Mapping[str, Any]) -> dict[str, list]:
    """Validated filter parameters as a zone saves them: only the filters set."""
    return {name: list(values) for name, values in params.items() if values is not None}


def zone_params(
    conn: Connection, row: Mapping[str, Any], overrides: Mapping[str, Any] | None
) -> dict[str, Any]:
    """A zone's saved filters, each replaced by the same filter of ``overrides`` if given
    (overrides are validated; saved filters were when they were saved)."""
    params = vocabulary.saved_params(row["filters"] or {})
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    if given:
        checked = audience_filters(conn, given)
        params.update({k: v for k, v in checked.items() if v is not None})
    return params


def _counts(row: Mapping[str, Any]) -> dict[str, Any]:
    counts = {
        "customers": int(row["customers"]),
        "prospects": int(row["prospects"]),
        "total": int(row["total"]),
        "revenue": float(row["revenue"]),
    }
    if row["suppressed_cells"] is not None:  # the k-rule applied (see crm.audience_counts)
        counts["suppressed_cells"] = int(row["suppressed_cells"])
    return counts


def plan_each_count(conn: Connection) -> None:
    """This transaction's audience queries: no JIT, and a plan made for each one's own area
    and filters (see ``spatial_sql/queries/zones/planner.sql``)."""
    conn.execute(query("zones/planner"))


def count(conn: Connection, geom: MultiPolygon | bytes, params: Mapping[str, Any]) -> dict:
    """The audience counts of an area (a shape, or its WKB) under validated filters."""
    wkb = geom if isinstance(geom, bytes) else shapely.to_wkb(geom)
    plan_each_count(conn)
    values = {"wkb": wkb, "filter": vocabulary.filter_document(params)}
    row = conn.execute(query("zones/count"), values).mappings().one()
    return _counts(row)


def count_audience(
    engine: Engine, geometry: Mapping[str, Any] | MultiPolygon, filters: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The audience of an area under filters: ``customers`` (stage past prospect),
    ``prospects``, ``total`` and ``revenue`` (sum of annual revenue).

    For a user under the k-rule (``auth.min_cell_count()``), their own customers are
    counted exactly and the others from whole cells of at least k, with
    ``suppressed_cells``: how many res-11 cells were held back (``crm.audience_counts``).

    ``geometry`` is a GeoJSON Polygon/MultiPolygon (checked by :func:`parse_geometry`) or a
    shapely MultiPolygon already checked.
    """
    geom = geometry if isinstance(geometry, MultiPolygon) else parse_geometry(geometry)
    with engine.connect() as conn:
        return count(conn, geom, audience_filters(conn, filters))
