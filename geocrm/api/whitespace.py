"""``/api/whitespace``: expected against actual customers and revenue per H3 cell."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from geocrm.api.access import ANY_ROLE, allow
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.models.whitespace import Whitespace
from geocrm.api.params import Resolution
from geocrm.prospecting.whitespace import whitespace_cells

router = APIRouter(
    prefix="/api/whitespace",
    tags=["prospecting"],
    responses=ERROR_RESPONSES,
    dependencies=[allow(*ANY_ROLE)],
)


@router.get(
    "",
    summary="Whitespace per H3 cell: the customers and revenue a cell's context predicts "
    "(a model fitted across the city), against the actual ones, the gap and the penetration",
    description="Expected values come from the last `geocrm cube build`; the actual customers "
    "and revenue are the cube's now, unfiltered, under your k-rule (then `suppressed_cells` "
    "says how many res-11 cells were held back). 404 before a build.",
    response_model=Whitespace,
    response_model_exclude_unset=True,
)
def get_whitespace(engine: EngineDep, res: Resolution = 10) -> dict[str, Any]:
    return whitespace_cells(engine, res)
