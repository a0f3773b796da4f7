"""A zone's audience as a table to read in the app: one page of its customers, sorted by a
column, for a saved zone (its saved filters, overridable) or an area being drawn.

The rows are those of the audience CSV (``crm.customers_in``: the customers the user may
see, row-level security), so for an administrator or a marketer ``total_rows`` equals the
zone's ``total`` count. A user under the k-rule sees their own customers only here, while
the zone's count also holds the others as whole cells of at least k.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import shapely
from shapely.geometry import MultiPolygon
from sqlalchemy import Engine

from geocrm import vocabulary
from geocrm.db import query
from geocrm.errors import InvalidInput
from geocrm.zones.audience import audience_filters, plan_each_count, zone_params
from geocrm.zones.geometry import parse_geometry
from geocrm.zones.saved import zone_row

#: The columns a page may be sorted by (each a key of spatial_sql/queries/zones/audience_rows.sql).
SORTABLE = ("name", "address", "stage", "segment", "kind", "revenue", "rep", "customer_id")
ORDERS = ("asc", "desc")
MAX_PAGE_SIZE = 500


def _checked(sort: str, order: str, page: int, page_size: int) -> None:
    if sort not in SORTABLE:
        raise InvalidInput(f"cannot sort by {sort!r}; sort by one of: {', '.join(SORTABLE)}")
    if order not in ORDERS:
        raise InvalidInput("order is asc or desc")
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page is 1 or more, page_size 1..{MAX_PAGE_SIZE}")


def _value(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _page(
    engine: Engine,
    wkb: bytes,
    params: Mapping[str, Any] | None,
    *,
    sort: str,
    order: str,
    page: int,
    page_size: int,
    saved: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    _checked(sort, order, page, page_size)
    with engine.connect() as conn:
        if saved is not None:  # a saved zone: its filters, overridden by params
            filters = zone_params(conn, saved, params)
        else:
            filters = audience_filters(conn, params)
        plan_each_count(conn)
        values = {
            "wkb": wkb,
            "filter": vocabulary.filter_document(filters),
            "sort": sort,
            "order": order,
            "page_size": page_size,
            "offset": (page - 1) * page_size,
        }
        out = [dict(r) for r in conn.execute(query("zones/audience_rows"), values).mappings()]
        if not out and page > 1:  # past the last page: the first row says how many there are
            values.update(page_size=1, offset=0)
            out = [dict(r) for r in conn.execute(query("zones/audience_rows"), values).mappings()]
            total, out = (out[0]["total_rows"] if out else 0), []
        else:
            total = out[0]["total_rows"] if out else 0
    out = [{k: _value(v) for k, v in r.items() if k != "total_rows"} for r in out]
    return {
        "rows": out,
        "total_rows": int(total),
        "page": page,
        "page_size": page_size,
        "pages": max(1, math.ceil(int(total) / page_size)),
        "sort": sort,
        "order": order,
    }


def zone_audience_page(
    engine: Engine,
    zone: int | str,
    overrides: Mapping[str, Any] | None = None,
    *,
    sort: str = "revenue",
    order: str = "desc",
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    """A page of a saved zone's audience (its filters, each replaced by ``overrides`` if
    given), sorted by ``sort`` (one of :data:`SORTABLE`) in ``order``: ``rows`` (customer_id,
    name, address, stage, segment, kind, revenue, rep, lon, lat), ``total_rows``, ``page``,
    ``page_size``, ``pages``, ``sort``, ``order``."""
    with engine.connect() as conn:
        row = zone_row(conn, zone)
    return _page(
        engine,
        bytes(row["wkb"]),
        overrides,
        saved=row,
        sort=sort,
        order=order,
        page=page,
        page_size=page_size,
    )


def area_audience_page(
    engine: Engine,
    geometry: Mapping[str, Any] | MultiPolygon,
    filters: Mapping[str, Any] | None = None,
    *,
    sort: str = "revenue",
    order: str = "desc",
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    """A page of the audience of an area being drawn (a GeoJSON Polygon/MultiPolygon) under
    ``filters``, as :func:`zone_audience_page` gives it."""
    geom = geometry if isinstance(geometry, MultiPolygon) else parse_geometry(geometry)
    return _page(
        engine,
        shapely.to_wkb(geom),
        filters,
        sort=sort,
        order=order,
        page=page,
        page_size=page_size,
    )
