"""``/api/territory-plans``: design, list, read, version, edit, compare and publish sales
territory plans."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from geocrm import pipeline, territories
from geocrm.api.access import ANY_ROLE, CurrentUser, allow
from geocrm.api.audit_trail import AuditNote, audited
from geocrm.api.cube import (
    ConcentrationMeasure,
    FiltersDep,
    LimitQuery,
    OffsetQuery,
    TopQuery,
    page_of,
)
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.models.explore import TerritoryConcentration
from geocrm.api.models.territories import (
    DesignedPlan,
    EditedPlan,
    Plan,
    PlanComparison,
    PlanEdit,
    PlanSummary,
    PublishedPlan,
)
from geocrm.api.params import (
    CELL_PATTERN,
    CELL_TEXT,
    DECIMAL,
    BodyCell,
    BodyId32,
    BodyId64,
    PlanId,
    TerritoryId,
)
from geocrm.db.scope import system_scope
from geocrm.hexgrid import RESOLUTIONS
from geocrm.identifiers import INT32_MAX, INT64_MAX
from geocrm.zones import MAX_NAME_CHARS

router = APIRouter(
    prefix="/api", tags=["territories"], responses=ERROR_RESPONSES, dependencies=[allow(*ANY_ROLE)]
)

# The routes that change a plan are authorised by their rule (admin, manager); the plan is
# then GeoCRM's own work over every customer (workloads, the assignment a publish writes),
# so it runs with every row (system_scope), and the plan's history names the user.


#: A locked cell's key: an H3 cell's hex index or decimal id.
CellKey = Annotated[str, Field(max_length=20, pattern=CELL_PATTERN), CELL_TEXT]
#: A territory's index in a plan, 0..k-1.
TerritoryIndex = Annotated[int, Field(ge=0, le=INT32_MAX), DECIMAL]
#: A saved zone's name.
ZoneName = Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS)]


class PlanCreate(BaseModel):
    """What to design: K territories balanced on a workload measure."""

    k: int = Field(
        ge=2,
        le=INT32_MAX,
        description="number of territories, 2 .. the number of cells of the area",
    )
    measure: str = Field(
        max_length=100,
        description="workload: " + ", ".join(territories.MEASURES) + " (see the docs)",
    )
    res: int | None = Field(
        default=None,
        ge=RESOLUTIONS[0],
        le=RESOLUTIONS[-1],
        description="H3 resolution, 5..11 (default 9, or the base plan's)",
    )
    name: str | None = Field(default=None, max_length=200, description="the plan's name")
    locked_cells: dict[CellKey, TerritoryIndex] = Field(
        default_factory=dict,
        description="H3 cell (hex or decimal id) -> territory index 0..k-1: stays there",
    )
    based_on: BodyId64 | None = Field(
        default=None,
        description="redesign from this plan: its next version keeps its locked cells and "
        "locked territories",
    )
    boundary: dict[str, Any] | None = Field(
        default=None,
        description="design within this GeoJSON Polygon/MultiPolygon (WGS84), not the city",
    )
    zone: BodyId32 | ZoneName | None = Field(
        default=None, description="design within this saved target zone (id or name)"
    )


class CellEdit(BaseModel):
    """An edit of a draft plan: move cells to a territory and/or (un)lock them."""

    cells: list[BodyCell] = Field(
        min_length=1, max_length=100_000, description="H3 cells (hex or decimal)"
    )
    territory_id: BodyId64 | None = Field(default=None, description="the territory to move them to")
    locked: bool | None = Field(default=None, description="lock (true) or unlock (false)")


class TerritoryChange(BaseModel):
    """An edit of one territory of a draft; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    rep_id: BodyId32 | None = Field(
        default=None, description="the territory's new rep; null: no rep (absent: unchanged)"
    )
    locked: bool | None = Field(
        default=None, description="lock (a locked territory keeps exactly its cells) or unlock"
    )
    name: str | None = Field(default=None, max_length=200, description="a new name")


@router.post(
    "/territory-plans",
    dependencies=[allow("admin", "manager")],
    status_code=201,
    summary="Design a draft plan of K balanced, contiguous territories",
    response_model=DesignedPlan,
    response_model_exclude_unset=True,
)
def create_plan(
    engine: EngineDep,
    body: PlanCreate,
    principal: CurrentUser,
    note: Annotated[AuditNote, audited("territories.design")],
) -> dict[str, Any]:
    with system_scope():
        plan = territories.design_plan(
            engine,
            k=body.k,
            measure=body.measure,
            res=body.res,
            name=body.name,
            locked_cells=body.locked_cells,
            based_on=body.based_on,
            boundary=body.boundary,
            zone=body.zone,
            who=principal.email,
        )
    note.target = str(plan["plan_id"])
    note.detail = {"k": body.k, "measure": body.measure, "res": plan["res"]}
    note.detail.update(based_on=body.based_on, zone=body.zone, boundary=body.boundary is not None)
    return plan


@router.get(
    "/territory-plans",
    summary="Territory plans, newest first (summaries)",
    response_model=list[PlanSummary],
    response_model_exclude_unset=True,
)
def list_plans(engine: EngineDep) -> list[dict[str, Any]]:
    return territories.list_plans(engine)


@router.get(
    "/territory-plans/{plan_id}",
    summary="A plan with its territories and polygons",
    response_model=Plan,
    response_model_exclude_unset=True,
)
def get_plan(engine: EngineDep, plan_id: PlanId) -> dict[str, Any]:
    return territories.get_plan(engine, plan_id)


@router.post(
    "/territory-plans/{plan_id}/publish",
    dependencies=[allow("admin", "manager")],
    summary="Publish a draft onto the customers; it becomes the active plan (409 if not a draft)",
    response_model=PublishedPlan,
    response_model_exclude_unset=True,
)
def publish_plan(
    engine: EngineDep,
    plan_id: PlanId,
    principal: CurrentUser,
    note: Annotated[AuditNote, audited("territories.publish")],
) -> dict[str, Any]:
    with system_scope():
        plan = pipeline.publish_plan(engine, plan_id, who=principal.email)
    note.detail["customers_updated"] = plan.get("customers_updated")
    return plan


@router.post(
    "/territory-plans/{plan_id}/edits",
    dependencies=[allow("admin", "manager"), audited("territories.edit")],
    summary="Move cells between territories or (un)lock them in a draft (409 if published)",
    response_model=EditedPlan,
    response_model_exclude_unset=True,
)
def edit_plan(
    engine: EngineDep, plan_id: PlanId, body: CellEdit, principal: CurrentUser
) -> dict[str, Any]:
    with system_scope():
        return territories.move_cells(
            engine,
            plan_id,
            body.cells,
            territory_id=body.territory_id,
            locked=body.locked,
            who=principal.email,
        )


@router.post(
    "/territory-plans/{plan_id}/versions",
    dependencies=[allow("admin", "manager")],
    status_code=201,
    summary="A new version of a plan: a draft copy (version + 1, based_on the plan) to edit",
    response_model=Plan,
    response_model_exclude_unset=True,
)
def copy_plan(
    engine: EngineDep,
    plan_id: PlanId,
    principal: CurrentUser,
    note: Annotated[AuditNote, audited("territories.copy")],
) -> dict[str, Any]:
    with system_scope():
        plan = territories.copy_plan(engine, plan_id, who=principal.email)
    note.target, note.detail = str(plan["plan_id"]), {"based_on": plan_id}
    return plan


@router.patch(
    "/territory-plans/{plan_id}/territories/{territory_id}",
    dependencies=[allow("admin", "manager"), audited("territories.edit_territory")],
    summary="Give a territory of a draft another rep (or none), lock or rename it "
    "(409 if not a draft)",
    response_model=EditedPlan,
    response_model_exclude_unset=True,
)
def edit_territory(
    engine: EngineDep,
    plan_id: PlanId,
    territory_id: TerritoryId,
    body: TerritoryChange,
    principal: CurrentUser,
) -> dict[str, Any]:
    with system_scope():
        # "rep_id": null (no rep) differs from no rep_id at all (leave the rep)
        rep_id = body.rep_id if "rep_id" in body.model_fields_set else territories.KEEP
        return territories.edit_territory(
            engine,
            plan_id,
            territory_id,
            rep_id=rep_id,
            locked=body.locked,
            name=body.name,
            who=principal.email,
        )


@router.get(
    "/territory-plans/{plan_id}/history",
    summary="A plan's history, oldest first: who did what when (design, copy, edits, publish)",
    response_model=list[PlanEdit],
    response_model_exclude_unset=True,
)
def plan_history(engine: EngineDep, plan_id: PlanId) -> list[dict[str, Any]]:
    return territories.plan_history(engine, plan_id)


@router.get(
    "/territory-plans/{plan_id}/compare",
    summary="What publishing the plan would change for the customers (territory, rep, bonds)",
    response_model=PlanComparison,
    response_model_exclude_unset=True,
)
def compare_plan(
    engine: EngineDep,
    plan_id: PlanId,
    with_plan: Annotated[
        int | None,
        Query(
            alias="with",
            ge=1,
            le=INT64_MAX,
            description="another plan's id to compare with (default: the current assignment)",
        ),
        DECIMAL,
    ] = None,
) -> dict[str, Any]:
    return territories.compare_plan(engine, plan_id, with_plan)


@router.get(
    "/territory-plans/{plan_id}/concentration",
    summary="Where a measure is concentrated among a plan's territories: ranked, largest "
    "first, with share and cumulative share of the cube's total for the filters",
    response_model=TerritoryConcentration,
    response_model_exclude_none=True,
)
def plan_concentration(
    engine: EngineDep,
    plan_id: PlanId,
    filters: FiltersDep,
    measure: ConcentrationMeasure = "revenue",
    top: TopQuery = "10,20",
    offset: OffsetQuery = 0,
    limit: LimitQuery = 50,
) -> dict[str, Any]:
    result = territories.territory_concentration(
        engine, plan_id, measure=measure, filters=filters, top=[int(t) for t in top.split(",")]
    )
    return page_of(result, offset, limit)
