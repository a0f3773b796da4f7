"""Answers of the period comparison and the time series (``/api/cube/compare``,
``.../series``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

_VALUE = int | float | None


class ChangeCell(BaseModel):
    """A cell's measure in period a and period b."""

    h3: str = Field(description="H3 index, hex text")
    res: int = Field(description="H3 resolution 5..11")
    a: _VALUE = Field(description="the measure in period a (0: nothing that period)")
    b: _VALUE = Field(description="the measure in period b")
    change: _VALUE = Field(description="b - a (null when a mean is undefined)")
    change_pct: float | None = Field(description="change in percent of a; null when a is 0")


class Comparison(BaseModel):
    """Period a against period b, per cell."""

    measure: str
    a: str = Field(description="period a as asked: YYYY-MM or YYYY-MM..YYYY-MM")
    b: str = Field(description="period b")
    res: int
    cells: list[ChangeCell]


class SeriesPoint(BaseModel):
    """One month of a series."""

    month: str = Field(description="YYYY-MM")
    value: _VALUE = Field(description="the measure for the customers active that month")
    suppressed_cells: int | None = Field(
        None, description="under the k-rule only: res-11 cells held back from this figure"
    )


class Series(BaseModel):
    """A measure month by month (each month its own question, never added up)."""

    measure: str
    points: list[SeriesPoint]
    h3: str | None = Field(None, description="the cell (a cell's series)")
    res: int | None = None
    zone_id: int | None = Field(None, description="the zone (a zone's series)")
    plan_id: int | None = Field(None, description="the plan (a territory's series)")
    territory_id: int | None = None
    name: str | None = Field(None, description="the zone's or the territory's name")
    filters: dict[str, list[str | int]] | None = Field(
        None, description="a zone's filters applied (saved, or as overridden)"
    )
