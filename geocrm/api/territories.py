"""``/api/territory-plans``: design, list, read, version, edit, compare and publish sales
territory plans."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from geocrm import territories
from geocrm.api.deps import EngineDep

router = APIRouter(prefix="/api", tags=["territories"])

PlanId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the plan's id")]
TerritoryId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the territory's id")]


class PlanCreate(BaseModel):
    """What to design: K territories balanced on a workload measure."""

    k: int = Field(description="number of territories, 2 .. the number of cells of the area")
    measure: str = Field(
        description="workload: " + ", ".join(territories.MEASURES) + " (see the docs)"
    )
    res: int = Field(default=territories.DEFAULT_RES, description="H3 resolution, 5..11")
    name: str | None = Field(default=None, description="the plan's name")
    locked_cells: dict[str, int] = Field(
        default_factory=dict,
        description="H3 cell (hex or decimal id) -> territory index 0..k-1: stays there",
    )


class CellEdit(BaseModel):
    """An edit of a draft plan: move cells to a territory and/or (un)lock them."""

    cells: list[str | int] = Field(min_length=1, description="H3 cells (hex or decimal)")
    territory_id: int | None = Field(default=None, description="the territory to move them to")
    locked: bool | None = Field(default=None, description="lock (true) or unlock (false)")


class TerritoryChange(BaseModel):
    """An edit of one territory of a draft; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    rep_id: int | None = Field(
        default=None, description="the territory's new rep; null: no rep (absent: unchanged)"
    )
    locked: bool | None = Field(
        default=None, description="lock (a locked territory keeps exactly its cells) or unlock"
    )
    name: str | None = Field(default=None, description="a new name")


@router.post(
    "/territory-plans",
    status_code=201,
    summary="Design a draft plan of K balanced, contiguous territories",
)
def create_plan(engine: EngineDep, body: PlanCreate) -> dict[str, Any]:
    return territories.design_plan(
        engine,
        k=body.k,
        measure=body.measure,
        res=body.res,
        name=body.name,
        locked_cells=body.locked_cells,
    )


@router.get("/territory-plans", summary="Territory plans, newest first (summaries)")
def list_plans(engine: EngineDep) -> list[dict[str, Any]]:
    return territories.list_plans(engine)


@router.get("/territory-plans/{plan_id}", summary="A plan with its territories and polygons")
def get_plan(engine: EngineDep, plan_id: PlanId) -> dict[str, Any]:
    return territories.get_plan(engine, plan_id)


@router.post(
    "/territory-plans/{plan_id}/publish",
    summary="Publish a draft onto the customers; it becomes the active plan (409 if not a draft)",
)
def publish_plan(engine: EngineDep, plan_id: PlanId) -> dict[str, Any]:
    return territories.publish_plan(engine, plan_id)


@router.post(
    "/territory-plans/{plan_id}/edits",
    summary="Move cells between territories or (un)lock them in a draft (409 if published)",
)
def edit_plan(engine: EngineDep, plan_id: PlanId, body: CellEdit) -> dict[str, Any]:
    return territories.move_cells(
        engine, plan_id, body.cells, territory_id=body.territory_id, locked=body.locked
    )


@router.post(
    "/territory-plans/{plan_id}/versions",
    status_code=201,
    summary="A new version of a plan: a draft copy (version + 1, based_on the plan) to edit",
)
def copy_plan(engine: EngineDep, plan_id: PlanId) -> dict[str, Any]:
    return territories.copy_plan(engine, plan_id, who="api")


@router.patch(
    "/territory-plans/{plan_id}/territories/{territory_id}",
    summary="Give a territory of a draft another rep (or none), lock or rename it "
    "(409 if not a draft)",
)
def edit_territory(
    engine: EngineDep, plan_id: PlanId, territory_id: TerritoryId, body: TerritoryChange
) -> dict[str, Any]:
    # "rep_id": null (no rep) differs from no rep_id at all (leave the rep)
    rep_id = body.rep_id if "rep_id" in body.model_fields_set else territories.KEEP
    return territories.edit_territory(
        engine, plan_id, territory_id, rep_id=rep_id, locked=body.locked, name=body.name, who="api"
    )


@router.get(
    "/territory-plans/{plan_id}/compare",
    summary="What publishing the plan would change for the customers (territory, rep, bonds)",
)
def compare_plan(
    engine: EngineDep,
    plan_id: PlanId,
    with_plan: Annotated[
        int | None,
        Query(
            alias="with",
            ge=1,
            le=2**63 - 1,
            description="another plan's id to compare with (default: the current assignment)",
        ),
    ] = None,
) -> dict[str, Any]:
    return territories.compare_plan(engine, plan_id, with_plan)
