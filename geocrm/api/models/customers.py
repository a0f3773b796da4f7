"""Answers of ``/api/customers`` and the geocoding routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from geocrm.api.models.geojson import Feature, Point

#: An ISO 8601 time, as the database wrote it (kept as text so its offset is not rewritten)
Timestamp = str


class CustomerSummary(BaseModel):
    """A customer on the map: what a list or a tooltip shows."""

    external_id: str
    name: str
    kind: str | None
    address: str | None
    segment: str | None
    stage: str
    annual_revenue: float | None
    lifetime_value: float | None
    satisfaction: float | None
    churn_risk: float | None
    assigned_rep_id: int | None
    rep_name: str | None
    relationship_start: str | None = Field(description="YYYY-MM-DD")
    region: str | None
    territory_id: int | None
    geocode_match_level: str | None
    geocode_confidence: float | None


class CustomerFeature(Feature[Point | None, CustomerSummary]):
    """A customer (geometry null when not placed)."""


class Link(BaseModel):
    rel: Literal["self", "next"]
    href: str


class CustomerPage(BaseModel):
    """One page of customers: an RFC 7946 FeatureCollection with OGC API paging fields."""

    type: Literal["FeatureCollection"]
    numberMatched: int = Field(description="customers matching the query (all pages)")
    numberReturned: int = Field(description="customers on this page")
    features: list[CustomerFeature]
    links: list[Link] = Field(description="`self`, and `next` while more pages remain")


class Enrichment(BaseModel):
    """Where the customer is: building, nearest store, trade areas, foot traffic."""

    h3_9: int | None
    h3_11: int | None
    building_id: int | None
    building_class: str | None
    building_distance_m: float | None
    nearest_store_id: int | None
    nearest_store: str | None
    nearest_store_mode: str | None
    nearest_store_minutes: float | None
    trade_area_ids: list[int] | None
    huff_probability: float | None
    footfall_street_id: int | None
    footfall_index: float | None
    enriched_at: Timestamp | None


class CustomerRecord(CustomerSummary):
    """Every field of a customer, its enrichment and the count of its interactions by type."""

    city: str | None
    postcode: str | None
    source: str | None
    geocoded_address: str | None
    geocoded_at: Timestamp | None
    last_import_id: int | None
    created_at: Timestamp | None
    updated_at: Timestamp | None
    enrichment: Enrichment | None
    interactions: dict[str, int] | None = Field(description="interaction type -> count")
    last_interaction_at: Timestamp | None


class CustomerDetail(Feature[Point | None, CustomerRecord]):
    """One customer in full (geometry null when not placed)."""


class SearchHit(BaseModel):
    customer_id: int
    external_id: str
    name: str
    address: str | None
    geocoded_address: str | None
    stage: str
    segment: str | None
    kind: str | None
    lon: float | None = Field(description="None when not placed")
    lat: float | None
    match: Literal["name_prefix", "word", "word_prefix", "substring", "similar"]
    similarity: float = Field(description="pg_trgm word similarity 0..1")


class Interaction(BaseModel):
    interaction_id: int
    occurred_at: Timestamp
    type: str
    channel: str | None
    amount: float | None
    score: float | None
    rep_id: int | None
    rep_name: str | None
    source: str | None


class GeocodeResult(BaseModel):
    address: str
    lat: float | None
    lon: float | None
    match_level: str
    confidence: float
    matched_address: str | None


class GeocodeResults(BaseModel):
    results: list[GeocodeResult] = Field(description="one per address, in order")


class GeocodingIssue(BaseModel):
    customer_id: int
    external_id: str
    name: str
    address: str | None
    postcode: str | None
    match_level: str | None
    confidence: float | None
    matched_address: str | None
    lat: float | None
    lon: float | None
    reason: Literal["outside_city", "not_placed", "rough_match", "low_confidence"] = Field(
        description="outside_city: placed outside the loaded cities and their margin "
        "(GEOCRM_EXTENT_MARGIN_KM; kept, but left out of enrichment, the hex cube and "
        "territories); not_placed; rough_match: street or postcode level; low_confidence"
    )
    detail: str | None = Field(default=None, description="more on an outside_city location")


class PinnedCustomer(BaseModel):
    customer_id: int
    external_id: str
    match_level: Literal["manual"]
    matched_address: str | None = Field(description="the nearest address to the pin")


class RegeocodeSummary(BaseModel):
    geocoded: int
    placed: int
    not_placed: int
