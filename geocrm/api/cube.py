"""``/api/cube``: the OLAP hex cube — measures per H3 cell, filters, drill-down, roll-up."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse

from geocrm.api.access import ANY_ROLE, allow
from geocrm.api.audit_trail import AuditNote, audited
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.filters import filter_query
from geocrm.api.models.cube import CubeCell, CubeCellDetail, CubeCells, CubeDimensions
from geocrm.api.models.explore import CellConcentration
from geocrm.api.params import DECIMAL, Cell, Resolution
from geocrm.cube import (
    ADDITIVE,
    MEASURES,
    cell_children,
    cell_detail,
    cell_parent,
    cells_csv,
    cells_geojson,
    dimensions,
    query_cube,
)
from geocrm.cube.concentration import cell_concentration, concentration_csv
from geocrm.prospecting.whitespace import whitespace_measure
from geocrm.vocabulary import WHITESPACE_MEASURES

router = APIRouter(
    prefix="/api/cube", tags=["cube"], responses=ERROR_RESPONSES, dependencies=[allow(*ANY_ROLE)]
)

#: A concentration's measure: one that adds up over areas.
ConcentrationMeasure = Annotated[
    str, Query(max_length=100, description=f"an additive measure: {', '.join(ADDITIVE)}")
]
#: The "top N%" of a concentration's summary.
TopQuery = Annotated[
    str,
    Query(
        max_length=50,
        pattern=r"^[0-9]{1,3}(,[0-9]{1,3}){0,9}$",
        description="percentages of the ranked items for the summary, comma-separated, each 1..100",
    ),
]
OffsetQuery = Annotated[int, Query(ge=0, le=10_000_000, description="first row, 0-based"), DECIMAL]
LimitQuery = Annotated[int, Query(ge=1, le=1000, description="rows of the page"), DECIMAL]


def page_of(result: dict[str, Any], offset: int, limit: int) -> dict[str, Any]:
    """A concentration with only the rows offset..offset+limit (the summary is of all)."""
    return {**result, "offset": offset, "rows": result["rows"][offset : offset + limit]}


#: The dimension filters of a cube request and ``month``, as the query string gave them.
cube_filters = filter_query(month=True)
FiltersDep = Annotated[dict[str, str], Depends(cube_filters)]


@router.get(
    "",
    summary="Measures per H3 cell at a resolution, for the customers matching the filters",
    response_description="JSON list of cells, a GeoJSON FeatureCollection of hexagons, or CSV",
    response_model=list[CubeCell] | CubeCells,
    response_model_exclude_unset=True,  # only the measures asked for
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "cells as JSON (format=json), GeoJSON (format=geojson) or CSV",
        }
    },
)
def get_cube(
    engine: EngineDep,
    filters: FiltersDep,
    note: Annotated[AuditNote, audited("cube.export")],
    res: Resolution = 9,
    measure: Annotated[
        str | None,
        Query(
            description=f"only this measure, one of: {', '.join(MEASURES)}; or a whitespace "
            f"measure (a place's, asked without filters): {', '.join(WHITESPACE_MEASURES)}"
        ),
    ] = None,
    format: Annotated[Literal["json", "geojson", "csv"], Query()] = "json",
) -> Any:
    if measure in WHITESPACE_MEASURES:  # issue 16: the whitespace model's, per place
        cells = whitespace_measure(engine, res, measure, filters)
    else:
        cells = query_cube(engine, res=res, measure=measure, filters=filters)
    # the map's own reads are no export; a file of cells (CSV, GeoJSON) is
    note.skip = format == "json"
    note.detail = {"format": format, "res": res, "measure": measure, "filters": filters}
    note.detail["cells"] = len(cells)
    if format == "geojson":
        return cells_geojson(engine, cells)
    if format == "csv":
        return PlainTextResponse(cells_csv(cells), media_type="text/csv")
    return cells


@router.get(
    "/dimensions",
    summary="The measures and the values each filter can take, and every filter control "
    "and measure described (labels, units, values) for a client's pickers, with the locale "
    "and currency numbers and money are shown in (GEOCRM_LOCALE, GEOCRM_CURRENCY)",
    response_model=CubeDimensions,
    response_model_exclude_unset=True,
)
def get_dimensions(engine: EngineDep) -> dict[str, Any]:
    return dimensions(engine)


@router.get(
    "/concentration",
    summary="Where a measure is concentrated: the cells ranked by it, largest first, with "
    "share and cumulative share, and the top N% of cells' share (JSON, a page; or CSV, all)",
    response_model=CellConcentration,
    response_model_exclude_none=True,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "the ranking as JSON (one page, format=json) or CSV (every row)",
        }
    },
)
def get_concentration(
    engine: EngineDep,
    filters: FiltersDep,
    note: Annotated[AuditNote, audited("cube.export")],
    res: Resolution = 9,
    measure: ConcentrationMeasure = "revenue",
    top: TopQuery = "10,20",
    offset: OffsetQuery = 0,
    limit: LimitQuery = 50,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:
    result = cell_concentration(
        engine, res=res, measure=measure, filters=filters, top=[int(t) for t in top.split(",")]
    )
    note.skip = format == "json"  # reading the ranking is no export; a file is
    note.detail = {"format": format, "res": res, "measure": measure, "filters": filters}
    note.detail["cells"] = result["items"]
    if format == "csv":
        return PlainTextResponse(concentration_csv(result), media_type="text/csv")
    return page_of(result, offset, limit)


@router.get(
    "/{cell}",
    summary="One cell under the filters: measures, top customers by revenue, breakdown by "
    "each dimension and by month of activity, centre",
    description="The filters are those of `GET /api/cube` (the map's): the measures equal "
    "the cell's in `GET /api/cube?res=<the cell's resolution>` with the same filters (zero "
    "when nothing in the cell matches them), the top customers are the matching customers "
    "and each breakdown splits the filtered cell; the breakdown by month lists every month "
    "under the dimension filters. The k-rule and row-level security apply as on the map.",
    response_model=CubeCellDetail,
    response_model_exclude_unset=True,
)
def get_cell(engine: EngineDep, filters: FiltersDep, cell: Cell) -> dict[str, Any]:
    return cell_detail(engine, cell, filters=filters)


@router.get(
    "/{cell}/children",
    summary="Drill down: the cells one resolution finer",
    response_model=list[CubeCell],
    response_model_exclude_unset=True,
)
def get_children(engine: EngineDep, filters: FiltersDep, cell: Cell) -> list[dict[str, Any]]:
    return cell_children(engine, cell, filters=filters)


@router.get(
    "/{cell}/parent",
    summary="Roll up: the cell one resolution coarser",
    response_model=CubeCell,
    response_model_exclude_unset=True,
)
def get_parent(engine: EngineDep, filters: FiltersDep, cell: Cell) -> dict[str, Any]:
    return cell_parent(engine, cell, filters=filters)
