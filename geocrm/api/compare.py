"""Period against period and time series: ``GET /api/cube/compare`` (a measure per cell in
two months or two ranges of months), and a measure month by month for a cell
(``/api/cube/{cell}/series``), a saved zone (``/api/zones/{zone_id}/series``) and a
territory of a plan (``/api/territory-plans/{plan_id}/territories/{territory_id}/series``).

Months are never added up: a customer active in two months would count twice. A range is
computed in the database as the customers active in any of its months, each once, with the
range's interactions (see :mod:`geocrm.cube.compare`). Every figure is scoped as
``GET /api/cube`` and a zone's count are (row-level security and the k-rule)."""

from __future__ import annotations

import inspect
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse

from geocrm import csvsafe
from geocrm.api.access import ANY_ROLE, allow
from geocrm.api.audit_trail import AuditNote, audited
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.filters import filter_query
from geocrm.api.models.compare import Comparison, Series
from geocrm.api.params import Cell, PlanId, Resolution, TerritoryId, ZoneId
from geocrm.cube.compare import (
    MAX_MONTHS,
    PERIOD_HELP,
    cell_series,
    compare_cells,
    territory_series,
)
from geocrm.errors import InvalidInput
from geocrm.vocabulary import FACT_MEASURES
from geocrm.zones.series import ZONE_MEASURES, zone_series

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES, dependencies=[allow(*ANY_ROLE)])

#: The dimension filters (no month: the periods say which months).
FiltersDep = Annotated[dict[str, str], Depends(filter_query(month=False))]


def _without_territory() -> Any:
    """The dimension filters but ``territory_id`` (a territory's series names its
    territory in the path)."""
    given = filter_query(month=False)
    signature = inspect.signature(given)
    kept = [p for name, p in signature.parameters.items() if name != "territory_id"]

    def filters(**values: str | None) -> dict[str, str]:
        return given(**values)

    filters.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
    return filters


TerritoryFiltersDep = Annotated[dict[str, str], Depends(_without_territory())]
OverridesDep = Annotated[
    dict[str, str],
    Depends(filter_query(month=False, suffix="; replaces the zone's saved filter")),
]

_RULE = (
    "Months are never added up (a customer active in two months would count twice): a "
    "range is the customers active in any of its months, each once, with the range's "
    "interactions, computed server-side."
)
_MONTH = r"^[0-9]{4}-[0-9]{2}$"
Period = Annotated[
    str, Query(max_length=16, description=PERIOD_HELP, examples=["2026-01..2026-03"])
]
FactMeasure = Annotated[
    str,
    Query(description=f"the measure, one of: {', '.join(FACT_MEASURES)} (default customers)"),
]
From = Annotated[
    str | None,
    Query(
        alias="from",
        max_length=7,
        pattern=_MONTH,
        description=f"first month YYYY-MM (default: the last {MAX_MONTHS} months of the data)",
    ),
]
To = Annotated[
    str | None,
    Query(max_length=7, pattern=_MONTH, description="last month YYYY-MM (default: the last)"),
]


@router.get(
    "/cube/compare",
    tags=["cube"],
    summary="Period a against period b: a measure per H3 cell in two months or two ranges "
    "of months, and the change",
    description=f"a and b are each {PERIOD_HELP}; a range is at most {MAX_MONTHS} months "
    f"inside the months the cube holds. {_RULE} change = b - a; change_pct is relative to a "
    "(null when a is 0). A cell with customers in one period only is 0 in the other. Scoped "
    "as GET /api/cube (the k-rule).",
    response_model=Comparison,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def get_compare(
    engine: EngineDep,
    filters: FiltersDep,
    note: Annotated[AuditNote, audited("cube.export")],
    a: Period,
    b: Period,
    res: Resolution = 9,
    measure: FactMeasure = "customers",
    format: Annotated[Literal["json", "csv"], Query()] = "json",
    month: Annotated[
        str | None, Query(max_length=16, description="not taken: a and b say which months")
    ] = None,
) -> Any:
    if month is not None:
        raise InvalidInput("month is not taken here: a and b say which months to compare")
    result = compare_cells(engine, res=res, a=a, b=b, measure=measure, filters=filters)
    note.skip = format == "json"  # the map's reads are no export; a file is
    note.detail = {"format": format, "res": res, "measure": measure, "a": a, "b": b}
    note.detail.update(filters=filters, cells=len(result["cells"]))
    if format == "csv":
        return PlainTextResponse(_csv(result["cells"]), media_type="text/csv")
    return result


def _csv(cells: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csvsafe.DictWriter(out, fieldnames=["h3", "res", "a", "b", "change", "change_pct"])
    writer.writeheader()
    writer.writerows(cells)
    return out.getvalue()


@router.get(
    "/cube/{cell}/series",
    tags=["cube"],
    summary="A cell's measure month by month (the customers active each month)",
    description=f"One value per month from..to (at most {MAX_MONTHS}). {_RULE}",
    response_model=Series,
    response_model_exclude_none=True,
)
def get_cell_series(
    engine: EngineDep,
    filters: FiltersDep,
    cell: Cell,
    measure: FactMeasure = "customers",
    first: From = None,
    to: To = None,
) -> dict[str, Any]:
    return cell_series(engine, cell, measure=measure, first=first, last=to, filters=filters)


@router.get(
    "/zones/{zone_id}/series",
    tags=["zones"],
    summary="A saved zone's audience month by month, under its saved filters "
    "(query-string filters override)",
    description=f"One value per month from..to (at most {MAX_MONTHS}): the zone's customers "
    "active that month. Measures: " + ", ".join(ZONE_MEASURES) + ".",
    response_model=Series,
    response_model_exclude_none=True,
)
def get_zone_series(
    engine: EngineDep,
    zone_id: ZoneId,
    overrides: OverridesDep,
    measure: Annotated[
        Literal["customers", "prospects", "total", "revenue"], Query(description="the count")
    ] = "customers",
    first: From = None,
    to: To = None,
) -> dict[str, Any]:
    return zone_series(engine, zone_id, measure=measure, first=first, last=to, overrides=overrides)


@router.get(
    "/territory-plans/{plan_id}/territories/{territory_id}/series",
    tags=["territories"],
    summary="A territory's measure month by month: the sums of its cells as you may see them",
    description=f"One value per month from..to (at most {MAX_MONTHS}). {_RULE}",
    response_model=Series,
    response_model_exclude_none=True,
)
def get_territory_series(
    engine: EngineDep,
    filters: TerritoryFiltersDep,
    plan_id: PlanId,
    territory_id: TerritoryId,
    measure: FactMeasure = "customers",
    first: From = None,
    to: To = None,
) -> dict[str, Any]:
    return territory_series(
        engine,
        plan_id,
        territory_id,
        measure=measure,
        first=first,
        last=to,
        filters=filters,
    )
