"""``/api/leads``: prospecting leads (issue 16): list, lasso, export, assign, status."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from geocrm import pipeline
from geocrm.api.access import ANY_ROLE, CurrentUser, allow
from geocrm.api.audit_trail import AuditNote, audited
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.models.leads import LeadAssignment, LeadFeature, LeadPage
from geocrm.api.params import DECIMAL, BodyId32
from geocrm.errors import InvalidInput
from geocrm.prospecting import lead_actions, lead_query
from geocrm.prospecting.lead_query import MAX_LIMIT, LeadFilter

router = APIRouter(
    prefix="/api", tags=["leads"], responses=ERROR_RESPONSES, dependencies=[allow(*ANY_ROLE)]
)

_LIST = "comma-separated; any of them matches"
LeadId = Annotated[
    str,
    Path(
        max_length=21,
        pattern=lead_actions.LEAD_ID_PATTERN,
        description="the lead: n<id>, w<id> or r<id> of its OSM object",
        examples=["n123456"],
    ),
]
LimitQuery = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"leads per page, 1..{MAX_LIMIT}"), DECIMAL
]
CursorQuery = Annotated[
    str | None,
    Query(max_length=400, description="the `next` cursor of the previous page"),
]
FilterText = Annotated[str, Field(max_length=10_000)]
FilterList = (
    FilterText | Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=100)]
)


def lead_filters(
    engine: EngineDep,
    bbox: Annotated[
        str | None,
        Query(max_length=200, description="min_lon,min_lat,max_lon,max_lat in WGS84 degrees"),
    ] = None,
    zone: Annotated[
        str | None, Query(max_length=200, description="a saved target zone: its id or name")
    ] = None,
    polygon: Annotated[
        str | None,
        Query(
            max_length=20_000,
            description="a lasso: a GeoJSON Polygon as JSON text, in WGS84 (lon, lat); "
            "a long one goes in the body of POST /api/leads/query",
        ),
    ] = None,
    category: Annotated[str | None, Query(max_length=10_000, description=_LIST)] = None,
    building_class: Annotated[str | None, Query(max_length=10_000, description=_LIST)] = None,
    status: Annotated[
        str | None,
        Query(
            max_length=1000,
            description=f"{', '.join(lead_query.STATUSES)}; {_LIST} (no status row: new)",
        ),
    ] = None,
    min_score: Annotated[
        float | None, Query(ge=0, le=1, description="only leads scoring at least this")
    ] = None,
) -> LeadFilter:
    return lead_query.lead_filter(
        engine,
        bbox=bbox,
        zone=zone,
        polygon=_json_polygon(polygon),
        category=category,
        building_class=building_class,
        status=status,
        min_score=min_score,
    )


def _json_polygon(polygon: str | None) -> dict[str, Any] | None:
    """The ``polygon`` query parameter: JSON text of a GeoJSON geometry (checked by the
    lead filter); ``InvalidInput`` when it is not a JSON object."""
    if polygon is None:
        return None
    try:
        parsed = json.loads(polygon)
    except ValueError as exc:
        raise InvalidInput(f"polygon must be a GeoJSON Polygon as JSON text: {exc}") from None
    if not isinstance(parsed, dict):
        raise InvalidInput("polygon must be a GeoJSON Polygon object as JSON text")
    return parsed


FiltersDep = Annotated[LeadFilter, Depends(lead_filters)]


class LeadQuery(BaseModel):
    """The filters of GET /api/leads in a body, and a lasso."""

    polygon: dict[str, Any] | None = Field(
        default=None, description="a lasso: GeoJSON Polygon in WGS84 (lon, lat)"
    )
    bbox: (
        Annotated[str, Field(max_length=200)] | Annotated[list[float], Field(max_length=4)] | None
    ) = Field(
        default=None,
        description='"min_lon,min_lat,max_lon,max_lat" or [min_lon, min_lat, max_lon, max_lat]',
    )
    zone: str | BodyId32 | None = Field(default=None, description="a saved zone: id or name")
    category: FilterList | None = None
    building_class: FilterList | None = None
    status: FilterList | None = None
    min_score: float | None = Field(default=None, ge=0, le=1)
    limit: int = Field(default=lead_query.DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=400)


class AssignRequest(BaseModel):
    rep_id: BodyId32 = Field(description="the rep the lead goes to")


class StatusRequest(BaseModel):
    status: Literal[lead_actions.SETTABLE_STATUSES] = Field(  # type: ignore[valid-type]
        description="new, contacted, disqualified or do_not_contact (assigned: POST .../assign)"
    )


def _page_body(request: Request, page: lead_query.LeadPage, limit: int) -> dict[str, Any]:
    """The page with its links; a POST's next page is the same request with ``cursor``
    in the body, so its ``next`` link is the same URL."""
    body = page.feature_collection()
    links = [{"rel": "self", "href": str(request.url)}]
    if page.next_cursor is not None:
        href = request.url
        if request.method == "GET":
            href = href.include_query_params(cursor=page.next_cursor, limit=limit)
        links.append({"rel": "next", "href": str(href)})
    body["links"] = links
    return body


@router.get(
    "/leads",
    summary="Leads as GeoJSON, by score, paged with a cursor; in a bbox or a saved zone, "
    "filtered by category, building class, status and score",
    response_model=LeadPage,
)
def list_leads(
    request: Request,
    engine: EngineDep,
    filters: FiltersDep,
    limit: LimitQuery = lead_query.DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> dict[str, Any]:
    page = lead_query.lead_page(engine, filters, limit=limit, cursor=cursor)
    return _page_body(request, page, limit)


@router.post(
    "/leads/query",
    summary="Leads inside a lasso (a GeoJSON Polygon) with the filters of GET /api/leads; "
    "the next page: the same body with `cursor`",
    response_model=LeadPage,
)
def query_leads(request: Request, engine: EngineDep, body: LeadQuery) -> dict[str, Any]:
    filters = lead_query.lead_filter(
        engine,
        bbox=body.bbox,
        zone=body.zone,
        polygon=body.polygon,
        category=body.category,
        building_class=body.building_class,
        status=body.status,
        min_score=body.min_score,
    )
    page = lead_query.lead_page(engine, filters, limit=body.limit, cursor=body.cursor)
    return _page_body(request, page, body.limit)


@router.get(
    "/leads/export",
    summary="The leads matching the filters of GET /api/leads, every page, as a CSV or "
    "GeoJSON file",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/geo+json": {"schema": {"type": "object"}},  # a FeatureCollection
            }
        }
    },
)
def export_leads(
    engine: EngineDep,
    filters: FiltersDep,
    note: Annotated[AuditNote, audited("leads.export")],
    format: Annotated[Literal["csv", "geojson"], Query(description="csv or geojson")] = "csv",
) -> StreamingResponse:
    export = lead_query.export_leads(engine, filters, fmt=format)
    note.detail.update(
        format=format, filters=filters.summary(), file=export.filename, leads=export.number_matched
    )
    return StreamingResponse(
        export.chunks,
        media_type=export.media_type,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )


@router.post(
    "/leads/{lead_id}/assign",
    dependencies=[allow(*lead_actions.ASSIGNERS)],
    summary="Give a lead to a rep: it becomes a prospect customer (source lead) of the rep; "
    "409 if it is assigned already or marked do not contact",
    response_model=LeadAssignment,
)
def assign_lead(
    engine: EngineDep,
    lead_id: LeadId,
    body: AssignRequest,
    principal: CurrentUser,
    note: Annotated[AuditNote, audited("leads.assign")],
) -> dict[str, Any]:
    assigned = pipeline.assign_lead(engine, lead_id, body.rep_id, actor=principal)
    note.detail.update(rep_id=body.rep_id, customer_id=assigned["customer_id"])
    return assigned


@router.patch(
    "/leads/{lead_id}",
    dependencies=[allow("admin", "marketer", "manager", "rep")],
    summary="Set a lead's status: new, contacted, disqualified or do_not_contact",
    response_model=LeadFeature,
)
def set_status(
    engine: EngineDep,
    lead_id: LeadId,
    body: StatusRequest,
    principal: CurrentUser,
    note: Annotated[AuditNote, audited("leads.status")],
) -> dict[str, Any]:
    feature = lead_actions.set_lead_status(engine, lead_id, body.status, actor=principal)
    note.detail.update(status=body.status)
    return feature
