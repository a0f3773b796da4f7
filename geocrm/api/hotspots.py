"""``/api/hotspots``: Getis-Ord Gi* hotspots of a cube measure on the H3 grid (issue 16),
over the cube as the caller sees it; and the preparation the ``hotspots`` tile layer needs
(its tiles read a kept result, computed on the first tile asked for)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from geocrm.api.access import ANY_ROLE, allow
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.filters import filter_query
from geocrm.api.params import DECIMAL
from geocrm.prospecting.hotspots import (
    DEFAULT_MEASURE,
    DEFAULT_RES,
    PERMUTATION_RANGE,
    PERMUTATIONS,
    RESOLUTIONS,
    SEED,
    ensure_hotspots,
    hotspots,
)
from geocrm.vocabulary import FILTER_NAMES, MEASURES

#: Everyone who sees the hex layer (every role: under the k-rule outside their rows).
router = APIRouter(
    prefix="/api/hotspots",
    tags=["prospecting"],
    responses=ERROR_RESPONSES,
    dependencies=[allow(*ANY_ROLE)],
)

HotspotClass = Literal[
    "hot_99", "hot_95", "hot_90", "cold_99", "cold_95", "cold_90", "not_significant"
]


class HotspotCell(BaseModel):
    """One cell of the city's cover: the value tested, Gi* z-score, p-values and class."""

    h3: str = Field(description="H3 index, hex text", examples=["8a1126d06db7fff"])
    value: float = Field(description="the measure (or the combined measures) in the cell")
    z: float = Field(description="Gi* z-score: positive where high values cluster")
    p: float = Field(description="two-sided pseudo p-value of the permutation test")
    p_fdr: float = Field(description="p adjusted for the false discovery rate (Benjamini-Hochberg)")
    class_: HotspotClass = Field(
        alias="class",
        description="hot_99/95/90 or cold_99/95/90: z positive/negative and p_fdr below "
        "0.01/0.05/0.10; else not_significant",
    )


class Hotspots(BaseModel):
    """Gi* hotspots of a measure at a resolution, for the caller's view of the cube."""

    measure: str = Field(description="the measure, or the measures combined (comma-separated)")
    measures: list[str]
    res: int
    filters: dict[str, Any] = Field(description="the cube filters applied")
    permutations: int
    seed: int
    alpha: float = Field(description="the largest p_fdr called significant (the 90 % classes)")
    fdr: str = Field(description="the false-discovery-rate control: benjamini-hochberg")
    neighbours: str = Field(description="each cell's neighbours: its H3 ring 1")
    computed_at: str
    seconds: float = Field(description="how long the computation took")
    cached: bool = Field(description="read from the results kept for the same data")
    counts: dict[str, int] = Field(description="cells per class")
    cells: list[HotspotCell]


MeasureQuery = Annotated[
    str,
    Query(
        max_length=200,
        description="a measure of the cube, or up to 4 comma-separated (their standardised "
        f"mean): {', '.join(MEASURES)}",
    ),
]
HotspotResolution = Annotated[
    int,
    Query(ge=1, le=15, description=f"H3 resolution {RESOLUTIONS[0]}..{RESOLUTIONS[-1]}"),
    DECIMAL,
]
PermutationsQuery = Annotated[
    int,
    Query(
        ge=PERMUTATION_RANGE[0],
        le=PERMUTATION_RANGE[1],
        description="permutations of the pseudo p-values",
    ),
    DECIMAL,
]
SeedQuery = Annotated[
    int, Query(ge=0, le=2**31 - 1, description="seed of the permutations"), DECIMAL
]
FiltersDep = Annotated[dict[str, str], Depends(filter_query(month=True))]


@router.get(
    "",
    summary="Hotspots: Getis-Ord Gi* per H3 cell of the loaded city for a measure, with "
    "permutation p-values and false-discovery-rate control, over what you may see",
    description="Every cell of the city's cover at `res` (8..11) is tested, 0 where the cube "
    "has nothing; neighbours are the H3 ring 1; the same seed gives the same answer. The "
    "values are those of `GET /api/cube` with the same filters for you (row-level security, "
    "the k-rule). Too few cells at a resolution (fewer than 30) is a 422.",
    response_model=Hotspots,
    response_model_by_alias=True,
)
def get_hotspots(
    engine: EngineDep,
    filters: FiltersDep,
    measure: MeasureQuery = DEFAULT_MEASURE,
    res: HotspotResolution = DEFAULT_RES,
    permutations: PermutationsQuery = PERMUTATIONS,
    seed: SeedQuery = SEED,
) -> dict[str, Any]:
    result = hotspots(engine, measure, res, filters, permutations=permutations, seed=seed)
    return result.as_dict()


def prepare_tiles(engine: Engine, params: Mapping[str, str]) -> None:
    """Before a ``hotspots`` tile is drawn: the result it reads is there for the caller's
    view (computed now when missing). The tile request's other checks come after."""
    filters = {k: v for k, v in params.items() if k in FILTER_NAMES}
    ensure_hotspots(
        engine, params.get("measure", DEFAULT_MEASURE), params.get("res", str(DEFAULT_RES)), filters
    )
