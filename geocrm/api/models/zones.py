"""Answers of ``/api/zones`` and ``/api/isochrone``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from geocrm.api.models.customers import Timestamp
from geocrm.api.models.geojson import AreaGeometry, Feature, FeatureCollection

#: Saved audience filters: dimension -> the values kept
ZoneFilters = dict[str, list[str | int]]

_SUPPRESSED_DOC = (
    "under the k-rule only (analysts; managers and reps outside their rows): the res-11 "
    "cells whose customers outside your rows were held back. Your own customers in the area "
    "are counted exactly, the others as whole cells of at least GEOCRM_MIN_CELL_COUNT."
)


class Counts(BaseModel):
    """An audience: how many customers and prospects, and their revenue."""

    customers: int = Field(description="customers past the prospect stage")
    prospects: int
    total: int
    revenue: float = Field(description="sum of their annual revenue")
    suppressed_cells: int | None = Field(None, description=_SUPPRESSED_DOC)


class ZoneProperties(BaseModel):
    """A saved target zone, with its audience under its saved filters."""

    zone_id: int
    name: str
    kind: str = Field(description="how it was drawn: polygon, rectangle, circle, isochrone")
    filters: ZoneFilters
    source: dict[str, Any] = Field(
        description="how it was drawn (circle: center and radius_m; isochrone: center, mode, "
        "minutes); {} for a polygon"
    )
    created_at: Timestamp
    updated_at: Timestamp
    customers: int
    prospects: int
    total: int
    revenue: float
    suppressed_cells: int | None = Field(None, description=_SUPPRESSED_DOC)
    area_km2: float


class ZoneFeature(Feature[AreaGeometry, ZoneProperties]):
    """A saved target zone; ``id`` is its zone id."""


class ZoneCollection(FeatureCollection):
    """The saved target zones."""

    features: list[ZoneFeature]


class ZoneCount(BaseModel):
    """A saved zone's audience under its filters (the saved ones, overridden)."""

    zone_id: int
    name: str
    filters: ZoneFilters = Field(description="the filters applied")
    customers: int
    prospects: int
    total: int
    revenue: float
    suppressed_cells: int | None = Field(None, description=_SUPPRESSED_DOC)


class IsochroneProperties(BaseModel):
    mode: str
    minutes: float
    center: list[float] = Field(description="lon, lat asked for")
    snap_distance_m: float = Field(description="distance from the point to the street network")
    area_km2: float
    source: dict[str, Any] = Field(description="as a zone's `source`, to save it as a zone")
    counts: Counts = Field(description="the audience inside, unfiltered")


class IsochroneFeature(Feature[AreaGeometry, IsochroneProperties]):
    """The area reachable from a point, and the audience inside."""
