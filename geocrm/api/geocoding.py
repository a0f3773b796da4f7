"""``/api/geocode`` and the geocoding quality loop on customers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from geocrm import customers, pipeline
from geocrm.api.access import ANY_ROLE, allow
from geocrm.api.audit_trail import AuditNote, audited
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.models.customers import (
    GeocodeResults,
    GeocodingIssue,
    PinnedCustomer,
    RegeocodeSummary,
)
from geocrm.api.params import DECIMAL, ExternalId
from geocrm.db.scope import system_scope
from geocrm.errors import InvalidInput
from geocrm.geocode import cached_geocoder
from geocrm.geometry import Point
from geocrm.settings import api_settings

router = APIRouter(
    prefix="/api", tags=["geocoding"], responses=ERROR_RESPONSES, dependencies=[allow(*ANY_ROLE)]
)


class GeocodeRequest(BaseModel):
    addresses: list[str] = Field(description="addresses as people type them", min_length=1)
    postcodes: list[str | None] | None = Field(
        default=None, description="optional postcode per address (same order)"
    )


class PinRequest(BaseModel):
    lat: float
    lon: float


@router.post(
    "/geocode",
    summary="Geocode a batch of addresses (offline, up to 1,000)",
    response_model=GeocodeResults,
    response_model_exclude_unset=True,
)
def geocode_batch(engine: EngineDep, body: GeocodeRequest) -> dict[str, Any]:
    limit = api_settings().geocode_batch_max
    if len(body.addresses) > limit:
        raise InvalidInput(f"at most {limit} addresses per request, got {len(body.addresses)}")
    if body.postcodes is not None and len(body.postcodes) != len(body.addresses):
        raise InvalidInput("postcodes must have one entry per address")
    results = cached_geocoder(engine).geocode_many(body.addresses, postcodes=body.postcodes)
    return {
        "results": [
            {"address": a, **r.__dict__} for a, r in zip(body.addresses, results, strict=True)
        ]
    }


@router.get(
    "/customers/geocoding-issues",
    summary="Customers outside the loaded cities, not placed, placed roughly, or below a "
    "confidence threshold",
    response_model=list[GeocodingIssue],
    response_model_exclude_unset=True,
)
def geocoding_issues(
    engine: EngineDep,
    max_confidence: Annotated[float, Query(ge=0, le=1)] = 0.8,
    limit: Annotated[int, Query(ge=1, le=100_000), DECIMAL] = 1000,
) -> list[dict[str, Any]]:
    return customers.geocoding_issues(engine, max_confidence=max_confidence, limit=limit)


@router.put(
    "/customers/{external_id}/location",
    dependencies=[allow("admin", "manager"), audited("customers.pin", customer="external_id")],
    summary="Place a customer by hand (match_level=manual; never re-geocoded); a point "
    "outside the loaded cities and their margin is refused (422)",
    response_model=PinnedCustomer,
    response_model_exclude_unset=True,
)
def pin(engine: EngineDep, external_id: ExternalId, body: PinRequest) -> dict[str, Any]:
    Point(lon=body.lon, lat=body.lat)  # a bad coordinate is a 422 before anything else
    customers.require_may_change(engine, external_id)
    with system_scope():  # the re-enrichment and cube refresh that follow touch every row
        return pipeline.pin_customer(engine, external_id, lon=body.lon, lat=body.lat)


@router.post(
    "/customers/regeocode",
    dependencies=[allow("admin")],
    summary="Geocode again the customers not placed yet (or all with everything=true)",
    response_model=RegeocodeSummary,
    response_model_exclude_unset=True,
)
def regeocode(
    engine: EngineDep,
    note: Annotated[AuditNote, audited("customers.regeocode")],
    everything: bool = False,
) -> dict[str, int]:
    counts = pipeline.regeocode(engine, everything=everything)
    note.detail = {"everything": everything, **counts}
    return counts
