"""``/api/stores`` and ``/api/trade-areas``."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from geocrm.api.access import ANY_ROLE, allow
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.models.stores import Stores, TradeAreas
from geocrm.api.params import StoreIdQuery
from geocrm.stores import store_features, trade_area_features

router = APIRouter(
    prefix="/api", tags=["stores"], responses=ERROR_RESPONSES, dependencies=[allow(*ANY_ROLE)]
)


@router.get(
    "/stores",
    summary="Stores as a GeoJSON FeatureCollection",
    response_model=Stores,
    response_model_exclude_unset=True,
)
def list_stores(engine: EngineDep) -> dict[str, Any]:
    return store_features(engine)


@router.get(
    "/trade-areas",
    summary="Trade areas (isochrones, rings, Huff areas) as GeoJSON",
    response_model=TradeAreas,
    response_model_exclude_unset=True,
)
def list_trade_areas(
    engine: EngineDep,
    store_id: StoreIdQuery = None,
    mode: Annotated[Literal["walk", "drive"] | None, Query()] = None,
    kind: Annotated[
        Literal["isochrone", "ring", "huff_primary", "huff_secondary"] | None, Query()
    ] = None,
) -> dict[str, Any]:
    return trade_area_features(engine, store_id=store_id, mode=mode, kind=kind)
