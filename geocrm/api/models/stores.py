"""Answers of ``/api/stores`` and ``/api/trade-areas``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from geocrm.api.models.customers import Timestamp
from geocrm.api.models.geojson import AreaGeometry, Feature, FeatureCollection, Point


class StoreProperties(BaseModel):
    store_id: int
    external_id: str | None
    name: str
    region: str | None
    size_m2: float | None
    attractiveness: float | None = Field(description="Huff model attractiveness")
    opened_on: str | None = Field(description="YYYY-MM-DD")
    address: str | None


class TradeAreaProperties(BaseModel):
    trade_area_id: int
    store_id: int
    store: str = Field(description="the store's name")
    kind: str = Field(description="isochrone, ring, huff_primary or huff_secondary")
    mode: str | None
    minutes: float | None
    radius_m: float | None
    area_km2: float | None
    computed_at: Timestamp


class StoreFeature(Feature[Point, StoreProperties]):
    """A store; ``id`` is its store id."""


class Stores(FeatureCollection):
    features: list[StoreFeature]


class TradeAreaFeature(Feature[AreaGeometry, TradeAreaProperties]):
    """A trade area; ``id`` is its trade area id."""


class TradeAreas(FeatureCollection):
    features: list[TradeAreaFeature]
