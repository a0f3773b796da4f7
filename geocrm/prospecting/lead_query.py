"""The leads a user may see, listed: filters, an area (bbox, saved zone, lasso), keyset pages.

A list is ordered by score (highest first, leads without a score last), then by lead id,
and read a page at a time after an opaque cursor (the last lead's score and id): a page is
one indexed query whatever its depth, and a lasso over 50,000 leads is walked page by page,
never capped. ``number_matched`` counts every matching lead. Leads are read on the caller's
engine: on the web app's, row-level security (``spatial_sql/access.sql``) leaves a rep or
a manager the leads in their reps' territories and those given to their reps.

The SQL is ``spatial_sql/prospecting/leadsapi_page.sql``; the API is ``geocrm.api.leads``,
the command ``geocrm leads list``.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon
from sqlalchemy import Connection, Engine, text
from sqlalchemy.sql.elements import TextClause
from tqdm import tqdm

from geocrm import csvsafe
from geocrm.db import sql_file
from geocrm.errors import InvalidInput
from geocrm.geometry import BBox
from geocrm.vocabulary import BUILDING_CLASSES
from geocrm.zones import parse_geometry, zone_area

#: A lead's statuses; a lead without a status row is ``new``.
STATUSES = ("new", "contacted", "disqualified", "do_not_contact", "assigned")
#: Leads on a page unless asked otherwise, and the most one page holds.
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
#: Most values one list filter (categories, building classes) may hold, and their length.
MAX_FILTER_VALUES = 100
MAX_VALUE_CHARS = 100
#: Leads read per query while an export walks its pages.
EXPORT_PAGE = 5000
#: Columns of the CSV export, in order.
CSV_COLUMNS = (
    "lead_id",
    "name",
    "category",
    "subcategory",
    "address",
    "building_class",
    "floor_area_m2",
    "footfall_index",
    "score",
    "reasons",
    "status",
    "assigned_rep_id",
    "customer_id",
    "phone",
    "email",
    "website",
    "nearest_store_id",
    "nearest_store_minutes",
    "h3",
    "lon",
    "lat",
)


def leads_sql(name: str) -> TextClause:
    """A query of ``spatial_sql/prospecting/leadsapi_<name>.sql``, ready for bound values."""
    return text(sql_file(f"prospecting/leadsapi_{name}.sql"))


def plan_each_query(conn: Connection) -> None:
    """This transaction's lead queries: a custom plan each, no JIT (leadsapi_planner.sql)."""
    conn.execute(leads_sql("planner"))


@dataclass(frozen=True)
class LeadFilter:
    """Which leads: every part optional, all that are set must hold."""

    bbox: BBox | None = None
    #: a saved zone (id or name), checked and turned into ``area`` by :func:`lead_filter`
    zone: int | str | None = None
    #: the lasso and the zone, intersected
    area: MultiPolygon | None = None
    #: whether a lasso was drawn (``area`` holds it)
    lasso: bool = False
    categories: tuple[str, ...] | None = None
    building_classes: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    min_score: float | None = None
    lead_id: str | None = None

    def params(self) -> dict[str, Any]:
        """The bound values of leadsapi_page.sql's filters."""
        box = self.bbox.as_params() if self.bbox else {}
        return {
            "lead_id": self.lead_id,
            "min_lon": box.get("min_lon"),
            "min_lat": box.get("min_lat"),
            "max_lon": box.get("max_lon"),
            "max_lat": box.get("max_lat"),
            "wkb": shapely.to_wkb(self.area) if self.area is not None else None,
            "categories": list(self.categories) if self.categories is not None else None,
            "building_classes": (
                list(self.building_classes) if self.building_classes is not None else None
            ),
            "statuses": list(self.statuses) if self.statuses is not None else None,
            "min_score": self.min_score,
        }

    def summary(self) -> dict[str, Any]:
        """The filters set, as plain values (an audit entry's detail, the CLI's JSON)."""
        out: dict[str, Any] = {}
        if self.bbox is not None:
            b = self.bbox
            out["bbox"] = [b.min_lon, b.min_lat, b.max_lon, b.max_lat]
        if self.zone is not None:
            out["zone"] = self.zone
        if self.lasso:
            out["polygon"] = True
        for name in ("categories", "building_classes", "statuses", "min_score"):
            if getattr(self, name) is not None:
                value = getattr(self, name)
                out[name] = list(value) if isinstance(value, tuple) else value
        return out


def _values(value: str | Sequence[str] | None, what: str) -> tuple[str, ...] | None:
    """A list filter from ``a,b`` or a list of texts; None when not given."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    if not all(isinstance(v, str) for v in items):
        raise InvalidInput(f"{what} must be texts, e.g. {what}=a,b")
    out = tuple(dict.fromkeys(v.strip() for v in items if v.strip()))
    if not out:
        raise InvalidInput(f"{what} is empty: give at least one value, or leave it out")
    if len(out) > MAX_FILTER_VALUES:
        raise InvalidInput(f"{what} has {len(out)} values, at most {MAX_FILTER_VALUES}")
    long = [v for v in out if len(v) > MAX_VALUE_CHARS]
    if long:
        raise InvalidInput(f"{what}: a value is longer than {MAX_VALUE_CHARS} characters")
    return out


def _known(
    values: tuple[str, ...] | None, allowed: Sequence[str], what: str
) -> tuple[str, ...] | None:
    unknown = [v for v in values or () if v not in allowed]
    if unknown:
        raise InvalidInput(f"unknown {what} {', '.join(unknown)}: one of {', '.join(allowed)}")
    return values


def check_score(value: Any, what: str = "min_score") -> float | None:
    """A score bound 0..1 (a number), or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(f"{what} must be a number within 0..1")
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(f"{what} must be a number within 0..1, not {value!r}") from None
    if not math.isfinite(number) or not 0 <= number <= 1:
        raise InvalidInput(f"{what} must be within 0..1, not {value!r}")
    return number


def lead_filter(
    engine: Engine | None = None,
    *,
    bbox: BBox | str | Sequence[float] | None = None,
    zone: int | str | None = None,
    polygon: Mapping[str, Any] | None = None,
    category: str | Sequence[str] | None = None,
    building_class: str | Sequence[str] | None = None,
    status: str | Sequence[str] | None = None,
    min_score: float | str | None = None,
) -> LeadFilter:
    """Checked filters of a list of leads; ``InvalidInput`` says what is wrong.

    Parameters
    ----------
    engine : where a saved ``zone`` is looked up (needed only with one).
    bbox : a :class:`BBox`, ``"min_lon,min_lat,max_lon,max_lat"`` or those four numbers.
    zone : a saved target zone's id or name (``NotFound`` when there is none).
    polygon : a lasso, a GeoJSON Polygon (or MultiPolygon) in lon/lat.
    category, building_class, status : ``"a,b"`` or a list; any of them matches.
    min_score : 0..1; leads without a score are left out when set.
    """
    if isinstance(bbox, str):
        bbox = BBox.parse(bbox)
    elif isinstance(bbox, list | tuple):
        if len(bbox) != 4 or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in bbox
        ):
            raise InvalidInput("bbox must be four numbers [min_lon, min_lat, max_lon, max_lat]")
        bbox = BBox(*(float(v) for v in bbox))
    area = parse_geometry(polygon) if polygon is not None else None
    if zone is not None:
        if engine is None:
            raise InvalidInput("a zone needs the database")
        with engine.connect() as conn:
            zone_id, _name, zone_geom = zone_area(conn, zone)
        zone = zone_id
        area = zone_geom if area is None else _intersection(area, zone_geom)
    return LeadFilter(
        bbox=bbox,
        zone=zone,
        area=area,
        lasso=polygon is not None,
        categories=_values(category, "category"),
        building_classes=_known(
            _values(building_class, "building_class"), BUILDING_CLASSES, "building_class"
        ),
        statuses=_known(_values(status, "status"), STATUSES, "status"),
        min_score=check_score(min_score),
    )


def _intersection(a: MultiPolygon, b: MultiPolygon) -> MultiPolygon:
    """Where a lasso and a zone overlap (an empty area matches no lead)."""
    both = shapely.intersection(a, b)
    parts = [p for p in shapely.get_parts(both) if p.geom_type == "Polygon" and p.area > 0]
    return MultiPolygon(parts)  # empty when they do not overlap: no lead is inside


# --------------------------------------------------------------------------- cursors


def encode_cursor(score: float | None, lead_id: str) -> str:
    """The opaque cursor of the page after the lead (``score``, ``lead_id``)."""
    raw = json.dumps([score, lead_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float | None, str]:
    """The (score, lead_id) a cursor of :func:`encode_cursor` holds; ``InvalidInput`` for
    anything else."""
    wrong = InvalidInput("cursor is not one this API gave: use the `next` of the previous page")
    if not isinstance(cursor, str) or not 0 < len(cursor) <= 400:
        raise wrong
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        score, lead_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise wrong from None
    if not isinstance(lead_id, str) or not 0 < len(lead_id) <= 40:
        raise wrong
    if score is not None and (
        isinstance(score, bool)
        or not isinstance(score, int | float)
        or not math.isfinite(score)
        or not 0 <= score <= 1
    ):
        raise wrong
    return (None if score is None else float(score)), lead_id


# --------------------------------------------------------------------------- pages


@dataclass
class LeadPage:
    """A page of leads as GeoJSON features, how many match in all, and the next cursor."""

    features: list[dict[str, Any]]
    number_matched: int
    next_cursor: str | None
    filters: LeadFilter = field(default_factory=LeadFilter)

    def feature_collection(self) -> dict[str, Any]:
        """An RFC 7946 FeatureCollection with OGC API-style paging members (``links`` is
        the caller's to add: it knows the URL)."""
        return {
            "type": "FeatureCollection",
            "numberMatched": self.number_matched,
            "numberReturned": len(self.features),
            "next": self.next_cursor,
            "features": self.features,
        }


def check_limit(limit: Any) -> int:
    """A page size within 1..:data:`MAX_LIMIT`."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be an integer within 1..{MAX_LIMIT}, not {limit!r}")
    return limit


def _rows(conn: Connection, params: Mapping[str, Any]) -> list[Any]:
    plan_each_query(conn)
    return list(conn.execute(leads_sql("page"), params))


def lead_page(
    engine: Engine,
    filters: LeadFilter | None = None,
    *,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> LeadPage:
    """One page of the leads matching ``filters``, after ``cursor`` (None: the first page).

    ``limit``: 1..:data:`MAX_LIMIT` leads. The page's ``next_cursor`` is None on the last
    page; a cursor not given by this function is ``InvalidInput``."""
    return _page(engine, filters, check_limit(limit), cursor)


def _page(engine: Engine, filters: LeadFilter | None, limit: int, cursor: str | None) -> LeadPage:
    filters = filters or LeadFilter()
    after_score, after_id = decode_cursor(cursor) if cursor is not None else (None, None)
    params = {
        **filters.params(),
        "after_score": after_score,
        "after_id": after_id,
        "limit": limit + 1,
    }
    with engine.connect() as conn:
        rows = _rows(conn, params)
        if rows:
            matched = int(rows[0].number_matched)
        else:  # past the last lead (or none match): the count alone
            counted = _rows(conn, {**params, "after_score": None, "after_id": None, "limit": 1})
            matched = int(counted[0].number_matched) if counted else 0
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more else None
    return LeadPage(
        features=[r.feature for r in rows],
        number_matched=matched,
        next_cursor=encode_cursor(last.score, last.lead_id) if last is not None else None,
        filters=filters,
    )


def iter_leads(
    engine: Engine, filters: LeadFilter | None = None, *, first: LeadPage | None = None
) -> Iterator[dict[str, Any]]:
    """Every lead matching ``filters`` as a GeoJSON feature, in list order, read a page of
    :data:`EXPORT_PAGE` at a time (each page its own short query); ``first``: the first
    page, read already."""
    page = first or _page(engine, filters, EXPORT_PAGE, None)
    while True:
        yield from page.features
        if page.next_cursor is None:
            return
        page = _page(engine, filters, EXPORT_PAGE, page.next_cursor)


def one_lead(engine: Engine, lead_id: str) -> dict[str, Any] | None:
    """A lead the user sees, as a GeoJSON feature (None when there is none)."""
    page = lead_page(engine, LeadFilter(lead_id=lead_id), limit=1)
    return page.features[0] if page.features else None


# --------------------------------------------------------------------------- export


def csv_row(feature: Mapping[str, Any]) -> list[Any]:
    """A lead feature as a row of :data:`CSV_COLUMNS` (reasons joined by ``; ``)."""
    props = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"][:2]
    values = {**props, "reasons": "; ".join(props.get("reasons") or []), "lon": lon, "lat": lat}
    return ["" if values.get(c) is None else values[c] for c in CSV_COLUMNS]


@dataclass
class LeadExport:
    """A list of leads as a file: its name, media type and text in chunks."""

    filename: str
    media_type: str
    chunks: Iterator[str]
    #: how many leads it holds
    number_matched: int


EXPORT_FORMATS = ("csv", "geojson")


def export_leads(engine: Engine, filters: LeadFilter | None = None, *, fmt: str) -> LeadExport:
    """Every lead matching ``filters`` as CSV (:data:`CSV_COLUMNS`, through ``csvsafe``:
    no live formula) or as a GeoJSON FeatureCollection, streamed as ``chunks`` is read."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"format must be csv or geojson, not {fmt!r}")
    # the first page now: an error (a timeout, say) is an error answer, not a cut file
    first = _page(engine, filters, EXPORT_PAGE, None)
    features = iter_leads(engine, filters, first=first)
    if fmt == "csv":
        chunks, name, media = _csv_chunks(features), "leads.csv", "text/csv; charset=utf-8"
    else:
        chunks, name, media = _geojson_chunks(features), "leads.geojson", "application/geo+json"
    return LeadExport(name, media, chunks, first.number_matched)


def _csv_chunks(features: Iterator[dict[str, Any]], rows_per_chunk: int = 500) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for i, feature in enumerate(features, start=1):
        writer.writerow(csv_row(feature))
        if i % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _geojson_chunks(features: Iterator[dict[str, Any]]) -> Iterator[str]:
    yield '{"type":"FeatureCollection","features":['
    for i, feature in enumerate(features):
        yield ("," if i else "") + json.dumps(feature, separators=(",", ":"))
    yield "]}"


def write_leads_csv(
    engine: Engine, filters: LeadFilter | None, out: Path, *, progress: bool = False
) -> int:
    """Write the leads matching ``filters`` to a CSV file (as the export); returns how many."""
    total = lead_page(engine, filters, limit=1).number_matched
    bar = tqdm(total=total, desc="writing leads", unit=" leads", disable=not progress)
    written = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal written
        for feature in iter_leads(engine, filters):
            written += 1
            bar.update(1)
            yield feature

    out.parent.mkdir(parents=True, exist_ok=True)
    with bar, out.open("w", newline="", encoding="utf-8") as f:
        for chunk in _csv_chunks(counted()):
            f.write(chunk)
    return written
