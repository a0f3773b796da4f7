"""Answers of ``/api/leads``: leads as GeoJSON, pages of them, an assignment."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from geocrm.api.models.geojson import Feature, Point


class LeadProperties(BaseModel):
    """A lead: a business of the city that is not a customer, and what was decided of it."""

    lead_id: str = Field(description="n<id>, w<id> or r<id>: its OSM object (stable)")
    dataset_id: int
    osm_type: str
    osm_id: int
    origin: str = Field(description="poi or building")
    name: str | None
    category: str
    subcategory: str | None
    address: str | None
    building_id: int | None
    building_class: str | None
    floor_area_m2: float | None
    footfall_index: float | None
    trade_area_ids: list[int]
    nearest_store_id: int | None
    nearest_store_minutes: float | None
    nearest_store_mode: str | None
    h3: str = Field(description="its H3 cell at res 11, as the hex index")
    phone: str | None
    email: str | None
    website: str | None
    score: float | None = Field(description="lookalike score 0..1; null when no model beats random")
    reasons: list[str] = Field(description="the three reasons of the score, or none")
    status: Literal["new", "contacted", "disqualified", "do_not_contact", "assigned"]
    assigned_rep_id: int | None
    customer_id: int | None = Field(description="the prospect customer it became (assigned)")
    status_updated_at: str | None
    built_at: str


class LeadFeature(Feature[Point, LeadProperties]):
    """A lead on the map (id = lead_id)."""


class LeadLink(BaseModel):
    rel: Literal["self", "next"]
    href: str


class LeadPage(BaseModel):
    """A page of leads, by score (highest first, unscored last), then lead id."""

    type: Literal["FeatureCollection"]
    numberMatched: int = Field(description="leads matching the filters (all pages)")
    numberReturned: int = Field(description="leads on this page")
    next: str | None = Field(description="the cursor of the next page; null on the last")
    features: list[LeadFeature]
    links: list[LeadLink] = Field(description="`self`, and `next` while more pages remain")


class LeadAssignment(BaseModel):
    """A lead given to a rep: the prospect customer it became."""

    lead_id: str
    status: Literal["assigned"]
    rep_id: int
    customer_id: int = Field(description="the new customer; a stop for POST /api/routes")
