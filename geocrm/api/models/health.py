"""Answers of ``/health``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from geocrm.api.models.errors import ErrorBody


class LoadedData(BaseModel):
    """How much is loaded."""

    cities: list[str]
    buildings: int
    addresses: int
    street_edges: int
    customers: int
    customers_outside_city: int = Field(
        description="of `customers`, those placed outside the loaded cities and their margin: "
        "kept, but not in the hex cube (whose totals are the other customers)"
    )
    interactions: int


class CubeFreshness(BaseModel):
    """Is the hex cube up to date with the customers (after a crash it catches up at the
    next `geocrm cube refresh` or server start)."""

    built: bool = Field(description="the cube has been built (`geocrm cube build`)")
    stale: bool = Field(description="built, and changes are not counted in it yet")
    pending_cells: int = Field(ge=0, description="res-11 cells queued for a refresh")
    pending_customers: int = Field(
        ge=0, description="placed customers not enriched yet (new, or moved since)"
    )


class Health(BaseModel):
    """The service is usable: database reachable and current, data loaded."""

    status: Literal["ok"]
    database: Literal["reachable"]
    postgis_version: str
    data_loaded: bool
    data: LoadedData
    cube: CubeFreshness


class HealthProblem(ErrorBody):
    """The service is not usable (503): the error body, and the probe's status."""

    status: Literal["degraded", "unavailable"]
    database: Literal["reachable", "unreachable"] = Field(description="can it be reached")
