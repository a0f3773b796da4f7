"""Answers of ``/api/whitespace``: expected against actual customers and revenue per cell."""

from __future__ import annotations

from pydantic import BaseModel, Field


class WhitespaceCell(BaseModel):
    """A cell's whitespace: what its context predicts against what the company has there."""

    h3: str = Field(description="H3 index, hex text", examples=["8a1126d33c47fff"])
    expected_customers: float = Field(
        description="customers (past the prospect stage) the cell's context predicts, from "
        "a model fitted across the city that never saw the cell's own customers"
    )
    actual_customers: int = Field(description="customers there (past the prospect stage)")
    gap: float = Field(description="expected_customers - actual_customers (positive: untapped)")
    expected_revenue: float = Field(description="annual revenue (EUR) the context predicts")
    actual_revenue: float = Field(description="annual revenue (EUR) of the customers there")
    revenue_gap: float = Field(description="expected_revenue - actual_revenue")
    households: float = Field(description="estimated households (residential floor area / 70 m²)")
    workplaces: float = Field(
        description="estimated workplaces (office, commercial, retail, public floor area / 25 m²)"
    )
    market_penetration: float | None = Field(
        description="actual_customers / (households + workplaces); null where there are neither"
    )
    suppressed_cells: int | None = Field(
        None,
        description="under the k-rule only: the res-11 cells whose customers outside your "
        "rows are held back from the actual figures (and so from the gap)",
    )


class WhitespaceModel(BaseModel):
    """The card of the model behind the expectations (the last whitespace build)."""

    fitted: bool
    cells: int = Field(description="res-11 cells the model was fitted across")
    customers: int = Field(description="actual customers of those cells at the build")
    expected_customers: float = Field(description="the cross-fitted expectations' total")
    revenue: float
    expected_revenue: float
    calibration: float | None = Field(description="expected over actual customers (1: calibrated)")
    folds: int = Field(description="groups of the cross-fitting (whole res-10 blocks)")
    features: list[str]
    d2_customers: float | None = Field(description="cross-fitted share of deviance explained")
    d2_revenue: float | None
    reason: str | None = None


class Whitespace(BaseModel):
    """The whitespace of every cell at a resolution, as you may see it."""

    res: int = Field(description="H3 resolution 5..11")
    built_at: str = Field(description="when the expectations were last fitted (ISO 8601)")
    model: WhitespaceModel
    cells: list[WhitespaceCell]
