"""``/api/customers``: customers as GeoJSON."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from geocrm.api.deps import BBoxDep, EngineDep, LimitDep
from geocrm.customers import customer_feature, customer_page

router = APIRouter(prefix="/api", tags=["customers"])


@router.get(
    "/customers",
    summary="Customers as a GeoJSON FeatureCollection, paged, optionally inside a bbox",
    response_description="RFC 7946 FeatureCollection with numberMatched/numberReturned and a "
    "`next` link while more pages remain",
)
def list_customers(
    request: Request,
    engine: EngineDep,
    bbox: BBoxDep,
    limit: LimitDep,
    after: Annotated[int, Query(ge=0, description="return customers with id > after")] = 0,
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


@router.get(
    "/customers/{customer_id}",
    summary="One customer with its enrichment (building, stores, trade areas, footfall)",
)
def get_customer(engine: EngineDep, customer_id: int) -> dict[str, Any]:
    return customer_feature(engine, customer_id)
