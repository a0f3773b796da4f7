"""``/api/routes``: a rep's visit route for a day, as GeoJSON (or CSV of the stops)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from geocrm import visits
from geocrm.api.access import ANY_ROLE, CurrentUser, allow
from geocrm.api.audit_trail import AuditNote, audited
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.models.visits import VisitRoute
from geocrm.api.params import BodyId64
from geocrm.errors import Forbidden
from geocrm.identifiers import INT32_MAX

router = APIRouter(
    prefix="/api", tags=["routes"], responses=ERROR_RESPONSES, dependencies=[allow(*ANY_ROLE)]
)


class RouteRequest(BaseModel):
    """Whose route, which day, and which customers (default: the rep's most due)."""

    rep_id: int = Field(ge=1, le=INT32_MAX, description="the rep; the route starts at its base")
    date: dt.date | None = Field(default=None, description="the day, YYYY-MM-DD (default today)")
    customer_ids: list[BodyId64] | None = Field(
        default=None,
        min_length=1,
        max_length=visits.MAX_STOPS_LIMIT,
        description="hand-picked customers (all visited if they fit); default: the most due",
    )
    mode: Literal["drive", "walk"] = Field(default="drive", description="the street network")
    max_stops: int = Field(
        default=visits.DEFAULT_MAX_STOPS,
        ge=1,
        le=visits.MAX_STOPS_LIMIT,
        description="at most this many due customers",
    )


@router.post(
    "/routes",
    dependencies=[allow("admin", "manager", "rep")],
    summary="Plan a rep's visit route for a day (OR-Tools; nearest-neighbour baseline)",
    response_model=VisitRoute,
    response_model_exclude_unset=True,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "the route as GeoJSON (format=geojson) or its stops as CSV",
        }
    },
)
def plan_route(
    engine: EngineDep,
    body: RouteRequest,
    principal: CurrentUser,
    note: Annotated[AuditNote, audited("routes.export")],
    format: Annotated[Literal["geojson", "csv"], Query(description="geojson or csv")] = "geojson",
) -> Any:
    # a rep's base and book are theirs: a rep plans their own routes, a manager their reps'
    if principal.role != "admin" and body.rep_id not in principal.reps:
        raise Forbidden(f"You may plan the routes of your own reps only, not of rep {body.rep_id}.")
    plan = visits.plan_route(
        engine,
        body.rep_id,
        day=body.date,
        customer_ids=body.customer_ids,
        mode=body.mode,
        max_stops=body.max_stops,
    )
    note.target, note.skip = str(body.rep_id), format != "csv"  # a CSV file is an export
    note.detail = {"format": format, "date": plan["date"], "stops": plan["totals"]["stops"]}
    if format == "csv":
        return PlainTextResponse(visits.plan_csv(plan), media_type="text/csv")
    return visits.plan_geojson(plan)
