"""``/api/search``: the map's search box (addresses, streets, places, accounts)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from geocrm.api.access import ANY_ROLE, allow
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.params import DECIMAL
from geocrm.search import SEARCH_MAX_CHARS, SEARCH_MAX_LIMIT, search_map

router = APIRouter(
    prefix="/api", tags=["search"], responses=ERROR_RESPONSES, dependencies=[allow(*ANY_ROLE)]
)


class SearchResult(BaseModel):
    kind: Literal["address", "street", "place", "customer"]
    label: str = Field(description="what to show: the address, street, place or account name")
    detail: str = Field(description="what it is, and where (district, Swedish name, address)")
    center: list[float] = Field(description="[lon, lat] (WGS84) to fly to")
    bbox: list[float] | None = Field(
        default=None, description="[west, south, east, north] to fit the map to (streets, places)"
    )
    customer_id: int | None = Field(default=None, description="the account (kind customer)")


@router.get(
    "/search",
    summary="Find an address, street, place or account to go to on the map (offline; "
    "accent- and typo-tolerant; accounts only those the caller may see)",
    response_description="Results of every kind, best match first",
    response_model=list[SearchResult],
    response_model_exclude_none=True,
)
def search(
    engine: EngineDep,
    q: Annotated[
        str,
        Query(
            min_length=2,
            max_length=SEARCH_MAX_CHARS,
            description="what was typed, e.g. `Aleksanterinkatu 5`, `kamppi`, `Senaatintori`",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=SEARCH_MAX_LIMIT), DECIMAL] = 8,
) -> list[dict[str, Any]]:
    return search_map(engine, q, limit=limit)
