"""Answers of the explore routes: concentration (cells or territories ranked by a measure,
with shares) and a zone's audience as a paged table."""

from __future__ import annotations

from pydantic import BaseModel, Field

_SHARE = "share of the total, 0..1"
_CUMULATIVE = "share of the total held by this row and every larger one, 0..1"


class TopShare(BaseModel):
    """The top N% of the ranked rows and what they hold."""

    percent: int = Field(description="N of 'the top N%'")
    items: int = Field(description="how many rows the top N% is (rounded up, at least 1)")
    value: float = Field(description="their sum of the measure")
    share: float | None = Field(None, description="their share of the total; absent when none")


class ConcentrationCell(BaseModel):
    """One hexagon in the ranking."""

    rank: int
    h3: str = Field(description="H3 index, hex text")
    value: float = Field(description="the measure in the cell")
    share: float = Field(description=_SHARE)
    cumulative_share: float = Field(description=_CUMULATIVE)
    suppressed_cells: int | None = Field(
        None, description="under the k-rule only: res-11 cells held back from this cell"
    )


class ConcentrationBase(BaseModel):
    """What every concentration answer has."""

    measure: str
    res: int = Field(description="H3 resolution of the cells")
    total: float = Field(description="the measure summed over everything shown")
    items: int = Field(description="the rows ranked (those with a positive value)")
    offset: int = Field(description="the first row of this page (0-based)")
    summary: list[TopShare] = Field(description="the top N% and what they hold")
    suppressed_cells: int | None = Field(
        None,
        description="under the k-rule only: res-11 cells held back in all; their customers "
        "are in no row nor in the total",
    )


class CellConcentration(ConcentrationBase):
    """Hexagons ranked by a measure, largest first (a page of them), with shares."""

    unit: str = Field(description="the measure's unit")
    rows: list[ConcentrationCell]


class ConcentrationTerritory(BaseModel):
    """One territory in the ranking."""

    rank: int
    territory_id: int
    name: str
    rep_name: str | None = Field(None, description="the territory's rep; absent when none")
    value: float
    share: float = Field(description=_SHARE)
    cumulative_share: float = Field(description=_CUMULATIVE)


class TerritoryConcentration(ConcentrationBase):
    """A plan's territories ranked by a measure, with shares of the cube's total."""

    plan_id: int
    plan_name: str
    outside: float = Field(description="the measure in the cells of no territory of the plan")
    rows: list[ConcentrationTerritory]


class AudienceRow(BaseModel):
    """One customer of a zone's audience."""

    customer_id: int
    name: str
    address: str | None
    stage: str
    segment: str | None
    kind: str | None
    revenue: float | None
    rep: str | None = Field(description="the owner rep's name")
    lon: float
    lat: float


class AudiencePage(BaseModel):
    """A page of a zone's audience, sorted."""

    rows: list[AudienceRow]
    total_rows: int = Field(
        description="the customers you may see in the zone under the filters (all pages)"
    )
    page: int
    page_size: int
    pages: int
    sort: str
    order: str
