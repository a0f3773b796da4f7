"""``/api/zones``: marketers' target zones and their audience; ``/api/isochrone``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from geocrm import zones
from geocrm.api.access import ANY_ROLE, allow
from geocrm.api.audit_trail import AuditNote, audited
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.filters import filter_query
from geocrm.api.models.explore import AudiencePage
from geocrm.api.models.zones import (
    Counts,
    IsochroneFeature,
    ZoneCollection,
    ZoneCount,
    ZoneFeature,
)
from geocrm.api.params import DECIMAL, BodyId64, ZoneId
from geocrm.vocabulary import FILTERS

router = APIRouter(
    prefix="/api", tags=["zones"], responses=ERROR_RESPONSES, dependencies=[allow(*ANY_ROLE)]
)

#: One value of an audience filter: a name (a stage, a segment...) or an id (a rep...).
FilterItem = Annotated[str, Field(max_length=1000)] | BodyId64
FilterValue = FilterItem | Annotated[list[FilterItem], Field(max_length=10_000)] | None
_FILTERS_DOC = (
    f"audience filters, the cube's dimensions: {', '.join(FILTERS)}; each one value or a "
    'list, e.g. {"stage": ["client"], "rep_id": [3]}'
)
_GEOMETRY_DOC = (
    "GeoJSON Polygon or MultiPolygon in WGS84 (lon, lat); at most "
    f"{zones.MAX_VERTICES} vertices; a self-intersecting one is repaired"
)


class ZoneCreate(BaseModel):
    """A new target zone."""

    name: str = Field(
        max_length=zones.MAX_NAME_CHARS,
        description=f"unique name, 1..{zones.MAX_NAME_CHARS} characters",
    )
    kind: Literal["polygon", "rectangle", "circle", "isochrone"] = Field(
        description="how it was drawn"
    )
    geometry: dict[str, Any] = Field(description=_GEOMETRY_DOC)
    filters: dict[str, FilterValue] = Field(default_factory=dict, description=_FILTERS_DOC)
    source: dict[str, Any] = Field(
        default_factory=dict,
        description='circle: {"center": [lon, lat], "radius_m": r}; isochrone: '
        '{"center": [lon, lat], "mode": "walk", "minutes": 10}',
    )


class ZoneUpdate(BaseModel):
    """Changes to a saved zone: the parts given replace the saved ones."""

    name: str | None = Field(default=None, max_length=zones.MAX_NAME_CHARS)
    kind: Literal["polygon", "rectangle", "circle", "isochrone"] | None = None
    geometry: dict[str, Any] | None = Field(default=None, description=_GEOMETRY_DOC)
    filters: dict[str, FilterValue] | None = Field(
        default=None, description=_FILTERS_DOC + " (replaces all saved filters)"
    )
    source: dict[str, Any] | None = None


class CountRequest(BaseModel):
    """An area being drawn, and the audience filters."""

    geometry: dict[str, Any] = Field(description=_GEOMETRY_DOC)
    filters: dict[str, FilterValue] = Field(default_factory=dict, description=_FILTERS_DOC)


class AudienceRowsRequest(CountRequest):
    """An area being drawn, the audience filters, and the page of its audience wanted."""

    sort: Literal[zones.SORTABLE] = Field(  # type: ignore[valid-type]
        default="revenue", description="the column to sort by"
    )
    order: Literal["asc", "desc"] = "desc"
    page: int = Field(default=1, ge=1, le=1_000_000, description="1-based")
    page_size: int = Field(default=50, ge=1, le=500)


#: Sorting and paging of an audience table, from the query string.
SortQuery = Annotated[
    Literal[zones.SORTABLE],  # type: ignore[valid-type]
    Query(description="the column to sort by"),
]
OrderQuery = Annotated[Literal["asc", "desc"], Query(description="asc or desc")]
PageQuery = Annotated[int, Query(ge=1, le=1_000_000, description="page, 1-based"), DECIMAL]
PageSizeQuery = Annotated[int, Query(ge=1, le=500, description="rows per page"), DECIMAL]

#: Query-string filters that override a saved zone's filters, one dimension each.
filter_overrides = filter_query(month=False, suffix="; replaces the zone's saved filter")
OverridesDep = Annotated[dict[str, str], Depends(filter_overrides)]


@router.get(
    "/zones",
    summary="Saved target zones with their audience counts (GeoJSON)",
    response_model=ZoneCollection,
    response_model_exclude_unset=True,
)
def list_zones(engine: EngineDep) -> dict[str, Any]:
    return zones.list_zones(engine)


@router.post(
    "/zones/count",
    summary="Live audience count of an area being drawn (one indexed query)",
    response_model=Counts,
    response_model_exclude_unset=True,
)
def count(engine: EngineDep, body: CountRequest) -> dict[str, Any]:
    return zones.count_audience(engine, body.geometry, body.filters)


@router.post(
    "/zones/audience/rows",
    summary="A page of the audience of an area being drawn, sorted (the customers you may see)",
    response_model=AudiencePage,
)
def area_audience_rows(engine: EngineDep, body: AudienceRowsRequest) -> dict[str, Any]:
    return zones.area_audience_page(
        engine,
        body.geometry,
        body.filters,
        sort=body.sort,
        order=body.order,
        page=body.page,
        page_size=body.page_size,
    )


@router.post(
    "/zones",
    dependencies=[allow("admin", "marketer")],
    status_code=201,
    summary="Save a target zone; 409 if the name is taken",
    response_model=ZoneFeature,
    response_model_exclude_unset=True,
)
def create_zone(
    engine: EngineDep, body: ZoneCreate, note: Annotated[AuditNote, audited("zones.create")]
) -> dict[str, Any]:
    zone = zones.create_zone(
        engine,
        name=body.name,
        kind=body.kind,
        geometry=body.geometry,
        filters=body.filters,
        source=body.source,
    )
    note.target, note.detail = str(zone["properties"]["zone_id"]), {"kind": body.kind}
    return zone


@router.get(
    "/zones/{zone_id}",
    summary="One saved zone with its audience counts",
    response_model=ZoneFeature,
    response_model_exclude_unset=True,
)
def get_zone(engine: EngineDep, zone_id: ZoneId) -> dict[str, Any]:
    return zones.get_zone(engine, zone_id)


@router.put(
    "/zones/{zone_id}",
    dependencies=[allow("admin", "marketer"), audited("zones.update")],
    summary="Change a zone's name, geometry, filters or source",
    response_model=ZoneFeature,
    response_model_exclude_unset=True,
)
def update_zone(engine: EngineDep, zone_id: ZoneId, body: ZoneUpdate) -> dict[str, Any]:
    return zones.update_zone(
        engine,
        zone_id,
        name=body.name,
        kind=body.kind,
        geometry=body.geometry,
        filters=body.filters,
        source=body.source,
    )


@router.delete(
    "/zones/{zone_id}",
    status_code=204,
    summary="Delete a saved zone",
    dependencies=[allow("admin", "marketer"), audited("zones.delete")],
)
def delete_zone(engine: EngineDep, zone_id: ZoneId) -> Response:
    zones.delete_zone(engine, zone_id)
    return Response(status_code=204)


@router.get(
    "/zones/{zone_id}/count",
    summary="A saved zone's audience under its saved filters (query-string filters override)",
    response_model=ZoneCount,
    response_model_exclude_unset=True,
)
def zone_count(engine: EngineDep, zone_id: ZoneId, overrides: OverridesDep) -> dict[str, Any]:
    return zones.zone_count(engine, zone_id, overrides)


@router.get(
    "/zones/{zone_id}/audience.csv",
    summary="A saved zone's audience as CSV, by revenue (query-string filters override)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def zone_audience(
    engine: EngineDep,
    zone_id: ZoneId,
    overrides: OverridesDep,
    note: Annotated[AuditNote, audited("zones.export")],
) -> StreamingResponse:
    audience = zones.zone_audience(engine, zone_id, overrides)
    note.detail.update(format="csv", filters=overrides, file=audience.filename)
    return StreamingResponse(
        audience.chunks,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{audience.filename}"'},
    )


@router.get(
    "/zones/{zone_id}/audience/rows",
    summary="A page of a saved zone's audience, sorted (the customers you may see; "
    "query-string filters override the zone's)",
    response_model=AudiencePage,
)
def zone_audience_rows(
    engine: EngineDep,
    zone_id: ZoneId,
    overrides: OverridesDep,
    sort: SortQuery = "revenue",
    order: OrderQuery = "desc",
    page: PageQuery = 1,
    page_size: PageSizeQuery = 50,
) -> dict[str, Any]:
    return zones.zone_audience_page(
        engine, zone_id, overrides, sort=sort, order=order, page=page, page_size=page_size
    )


@router.get(
    "/isochrone",
    summary="The area reachable from a point on the street network, as a GeoJSON Feature",
    tags=["zones"],
    response_model=IsochroneFeature,
    response_model_exclude_unset=True,
)
def isochrone(
    engine: EngineDep,
    lon: Annotated[float, Query(ge=-180, le=180, description="longitude (WGS84)")],
    lat: Annotated[float, Query(ge=-90, le=90, description="latitude (WGS84)")],
    minutes: Annotated[float, Query(ge=1, le=60, description="travel time, 1..60")],
    mode: Annotated[Literal["walk", "drive"], Query(description="walk or drive")] = "walk",
) -> dict[str, Any]:
    return zones.isochrone_feature(engine, lon, lat, mode=mode, minutes=minutes)
