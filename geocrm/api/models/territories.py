"""Answers of ``/api/territory-plans``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from geocrm.api.models.customers import Timestamp
from geocrm.api.models.geojson import AreaGeometry, Feature, FeatureCollection


class LeftOut(BaseModel):
    """The customers a design left out, by why."""

    outside_city: int = Field(
        description="placed outside the loaded cities and their margin (flagged outside_city)"
    )
    not_placed: int
    not_enriched: int = Field(description="placed since the last enrichment")
    outside_area: int = Field(description="outside the zone or boundary designed within")
    total: int


class PlanStats(BaseModel):
    """A plan's figures as last computed; a design also records how its search went."""

    balance: float | None = None
    contiguous: bool | None = None
    strong_bonds: int | None = Field(default=None, description="strong rep-customer bonds")
    bonds_kept: int | None = None
    bonds_broken: int | None = None
    compactness: float | None = None
    workload_total: float | None = None
    cells: int | None = None
    gap_cells: int | None = None
    target_balance: float | None = None
    travel_time: str | None = Field(default=None, description="how travel times were estimated")
    moves: int | None = Field(default=None, description="design only")
    seconds: float | None = Field(default=None, description="design only")
    restarts: int | None = Field(default=None, description="design only")
    customers_left_out: int | None = Field(
        default=None, description="design only: customers not in the design (`left_out` says why)"
    )
    left_out: LeftOut | None = Field(default=None, description="design only")


class PlanSummary(BaseModel):
    """A territory plan's figures (no territories)."""

    plan_id: int
    name: str | None
    status: Literal["draft", "published", "archived"]
    active: bool
    res: int
    measure: str
    k: int
    version: int
    based_on: int | None
    created_at: Timestamp
    published_at: Timestamp | None
    area_label: str = Field(description="`city`, a zone's name or `boundary`")
    area: dict[str, Any] | None = Field(
        description="the GeoJSON (Multi)Polygon the plan was designed within; null: the city"
    )
    balance: float | None = Field(description="heaviest workload / mean workload")
    contiguous: bool | None
    compactness: float | None
    stats: PlanStats


class Territory(BaseModel):
    """One territory of a plan: its rep, figures and H3 cells."""

    territory_id: int
    name: str
    index: int
    rep_id: int | None
    rep_name: str | None
    workload: float
    customers: int
    revenue: float
    visits_per_month: float
    cells: int
    gap_cells: int
    area_km2: float
    centroid: list[float] | None = Field(description="lon, lat")
    compactness: float
    rep_mean_distance_km: float | None
    rep_mean_travel_minutes_est: float | None = Field(description="straight line, estimated")
    rep_mean_travel_minutes: float | None = Field(description="on the street network")
    locked: bool
    locked_cells: list[str] = Field(description="H3 cells locked to this territory")
    h3_cells: list[str]


class TerritoryFeature(Feature[AreaGeometry, Territory]):
    """A territory as the union of its cells; ``id`` is its territory id."""


class TerritoryCollection(FeatureCollection):
    features: list[TerritoryFeature]


class Plan(PlanSummary):
    """A plan with its territories, and their polygons as GeoJSON."""

    territories: list[Territory]
    geojson: TerritoryCollection


class PlanChange(BaseModel):
    """What an edit of a draft did, and its effect on balance and bonds."""

    # the action's own details differ by action (a territory edit has ``territory_id`` and
    # ``changes``, a cell edit ``moves``...): they pass through as recorded
    model_config = ConfigDict(extra="allow")

    action: str
    who: str
    balance_before: float | None = None
    balance_after: float | None = None
    bonds_kept_before: int | None = None
    bonds_kept_after: int | None = None
    contiguous: bool | None = None


class DesignedPlan(Plan):
    """A plan just designed, with how many customers it left out."""

    customers_left_out: int = Field(
        description="customers not in the design: outside the loaded cities, not placed, "
        "not enriched yet or outside the area (stats.left_out says how many of each)"
    )


class EditedPlan(Plan):
    """A draft after an edit, with what the edit did."""

    edit: PlanChange


class PublishedPlan(Plan):
    """A plan just published, with what that changed."""

    customers_updated: int = Field(description="customers given the plan's territory and rep")
    archived_plans: list[int] = Field(description="the plans no longer active")
    cube: str = Field(description="what the hex cube refresh did")


class PlanComparisonTerritory(BaseModel):
    territory_id: int
    name: str
    rep_id: int | None
    customers: int
    gained: int = Field(description="customers who get this territory's rep")
    changing_territory: int
    bonds_broken: int


class PlanComparisonRep(BaseModel):
    rep_id: int | None
    customers_before: int
    customers_after: int


class PlanComparison(BaseModel):
    """What publishing a plan would change for the customers."""

    plan_id: int
    with_: int | Literal["current"] = Field(
        alias="with", description="the plan compared with, or `current` (the assignment now)"
    )
    customers: int
    customers_changing_rep: int
    customers_changing_territory: int
    strong_bonds: int
    bonds_broken: int
    territories: list[PlanComparisonTerritory]
    reps: list[PlanComparisonRep]


class PlanEdit(BaseModel):
    """One step of a plan's history."""

    edit_id: int
    who: str
    at: Timestamp
    what: dict[str, Any] = Field(
        description="the action (design, copy, cells, territory, publish) and its figures, "
        "as recorded; which figures depends on the action"
    )
