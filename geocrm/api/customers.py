"""``/api/customers``: customers as GeoJSON."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from geocrm.api.access import ANY_ROLE, allow
from geocrm.api.deps import BBoxDep, EngineDep, LimitDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.models.customers import CustomerDetail, CustomerPage, Interaction, SearchHit
from geocrm.api.params import DECIMAL, AfterId, CustomerId
from geocrm.customers import (
    SEARCH_MAX_LIMIT,
    customer_feature,
    customer_interactions,
    customer_page,
    search_customers,
)

router = APIRouter(
    prefix="/api", tags=["customers"], responses=ERROR_RESPONSES, dependencies=[allow(*ANY_ROLE)]
)


@router.get(
    "/customers",
    summary="Customers as a GeoJSON FeatureCollection, paged, optionally inside a bbox",
    response_description="RFC 7946 FeatureCollection with numberMatched/numberReturned and a "
    "`next` link while more pages remain",
    response_model=CustomerPage,
    response_model_exclude_unset=True,
)
def list_customers(
    request: Request,
    engine: EngineDep,
    bbox: BBoxDep,
    limit: LimitDep,
    after: AfterId = 0,
) -> dict[str, Any]:
    page = customer_page(engine, bbox=bbox, limit=limit, after_id=after)
    body = page.feature_collection()
    links = [{"rel": "self", "href": str(request.url)}]
    if page.next_after is not None:
        links.append(
            {
                "rel": "next",
                "href": str(request.url.include_query_params(after=page.next_after, limit=limit)),
            }
        )
    body["links"] = links
    return body


# Declared before /customers/{customer_id}: the first matching route answers, and
# "search" is not a customer id.
@router.get(
    "/customers/search",
    summary="Find accounts by a part of their name or address (accent- and typo-tolerant)",
    response_description="Customers, best match first: customer_id, name, address, stage, "
    "segment, lon, lat, and how they matched (match, similarity)",
    response_model=list[SearchHit],
    response_model_exclude_unset=True,
)
def search(
    engine: EngineDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="a part of the name or address, e.g. `lonnrot` or `Bulevardi 5`",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=SEARCH_MAX_LIMIT), DECIMAL] = 10,
) -> list[dict[str, Any]]:
    return search_customers(engine, q, limit=limit)


@router.get(
    "/customers/{customer_id}",
    summary="One customer with its enrichment (building, stores, trade areas, footfall)",
    response_model=CustomerDetail,
    response_model_exclude_unset=True,
)
def get_customer(engine: EngineDep, customer_id: CustomerId) -> dict[str, Any]:
    return customer_feature(engine, customer_id)


@router.get(
    "/customers/{customer_id}/interactions",
    summary="A customer's interaction history (orders, requests, visits...), newest first",
    response_model=list[Interaction],
    response_model_exclude_unset=True,
)
def get_interactions(
    engine: EngineDep,
    customer_id: CustomerId,
    limit: Annotated[int, Query(ge=1, le=10_000), DECIMAL] = 50,
) -> list[dict[str, Any]]:
    return customer_interactions(engine, customer_id, limit=limit)
