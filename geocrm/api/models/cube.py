"""Answers of ``/api/cube``: measures per H3 cell, a cell's detail, the dimensions."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, create_model

from geocrm import vocabulary
from geocrm.api.models.geojson import Feature, FeatureCollection, Polygon
from geocrm.vocabulary import DIMENSIONS, MEASURES

#: A measure's value: a count, a sum or a mean; None where it is undefined (a mean of none)
MeasureValue = int | float | None

# One optional field per measure of the cube's vocabulary, so the models follow it: a
# measure added there is described here with no edit. Optional because ``?measure=``
# returns just one of them (the routes leave out the measures not computed).
_MEASURE_FIELDS: dict[str, Any] = {name: (MeasureValue, None) for name in MEASURES}
#: The whitespace measures a cell of ``GET /api/cube?measure=`` may carry (issue 16).
_WHITESPACE_FIELDS: dict[str, Any] = {
    name: (MeasureValue, None) for name in vocabulary.WHITESPACE_MEASURES
}

_H3 = (str, Field(description="H3 index, hex text", examples=["891126d06dbffff"]))
#: Only in the answers to a user under the k-rule (analysts; managers and reps outside
#: their rows): how many res-11 cells were held back from the figures.
_SUPPRESSED = (
    int | None,
    Field(
        None,
        description="under the k-rule only: the res-11 cells whose customers outside your "
        "rows (fewer than GEOCRM_MIN_CELL_COUNT, pooled up the resolutions) are held back "
        "from these figures",
    ),
)
_RES = (int, Field(description="H3 resolution 5..11"))

CubeCellProperties = create_model(
    "CubeCellProperties",
    __doc__="A cell's H3 index (hex text), resolution and measures (those asked for).",
    h3=_H3,
    res=_RES,
    **_MEASURE_FIELDS,
    **_WHITESPACE_FIELDS,
    suppressed_cells=_SUPPRESSED,
)

CubeCell = create_model(
    "CubeCell",
    __doc__="A cell of the cube: its ids, resolution and measures (those asked for).",
    cell=(int, Field(description="H3 index as a 64-bit integer")),
    h3=_H3,
    res=_RES,
    **_MEASURE_FIELDS,
    **_WHITESPACE_FIELDS,
    suppressed_cells=_SUPPRESSED,
)


class CubeCellFeature(Feature[Polygon, CubeCellProperties]):
    """A cell as a hexagon; ``id`` is its H3 index."""


class CubeCells(FeatureCollection):
    """The cells as a GeoJSON FeatureCollection of hexagons."""

    features: list[CubeCellFeature]


BreakdownRow = create_model(
    "BreakdownRow",
    __doc__="The cell's measures for one value of a dimension.",
    value=(str | int | None, Field(description="the dimension's value (None: not known)")),
    **_MEASURE_FIELDS,
    suppressed_cells=_SUPPRESSED,
)


class TopCustomer(BaseModel):
    customer_id: int
    external_id: str
    name: str
    kind: str | None
    stage: str
    segment: str | None
    annual_revenue: float
    lifetime_value: float
    satisfaction: float | None
    churn_risk: float | None
    rep_id: int | None
    store_id: int | None
    h3_11: str = Field(description="the customer's res-11 cell")


class CubeCellDetail(CubeCell):
    """One cell in depth, under the request's filters: top customers, a breakdown per
    dimension, its centre."""

    parent: str | None = Field(description="the cell one resolution coarser (None at res 5)")
    top_customers: list[TopCustomer] = Field(
        description="the customers matching the filters, by annual revenue, highest first"
    )
    breakdown: dict[str, list[BreakdownRow]] = Field(
        description="dimension name (and `month`) -> the filtered cell's measures per value "
        "(by `month`: every month of activity under the dimension filters)"
    )
    center: list[float] = Field(description="lon, lat of the cell's centre")


class NamedId(BaseModel):
    """A store, rep or territory a filter can name."""

    id: int
    name: str


class FilterValue(BaseModel):
    """One value a filter control offers."""

    value: str | int
    label: str


class FilterControl(BaseModel):
    """What a client needs to build one filter control."""

    name: str
    label: str
    description: str
    integer: bool = Field(description="whether the values are integer ids")
    multiple: bool = Field(description="whether several values may be chosen")
    zones: bool = Field(description="whether a target zone's audience takes it")
    values: list[FilterValue]


class MeasureDetail(BaseModel):
    """A measure with its label and unit."""

    name: str
    label: str
    unit: str
    additive: bool = Field(description="whether it adds up over cells (else a ratio of sums)")
    integer: bool
    by_month: bool = Field(
        description="a measure of the customers, so it changes by month of activity and can "
        "be compared between periods (else the cells' context: buildings, foot traffic)"
    )
    description: str = Field("", description="what it means, in plain words (for tooltips)")


def _dimension_field(dimension: vocabulary.Dimension) -> tuple[Any, Any]:
    kind = list[NamedId] if dimension.integer else list[str]
    return kind, Field(description=f"the values of {dimension.name} ({dimension.description})")


#: The body of ``GET /api/cube/dimensions``: one key per dimension, from the vocabulary.
CubeDimensions = create_model(
    "CubeDimensions",
    __doc__="The measures, the values each filter can take (keyed by dimension name), and "
    "every filter control and measure described for a client to build its pickers.",
    locale=(
        str,
        Field(
            description="GEOCRM_LOCALE: the BCP 47 locale numbers and money are shown in "
            "(Intl.NumberFormat), e.g. fi-FI"
        ),
    ),
    currency=(
        str,
        Field(
            description="GEOCRM_CURRENCY: the ISO 4217 currency of the money measures (their "
            "unit in measure_details), e.g. EUR"
        ),
    ),
    measures=(list[str], ...),
    **{d.name: _dimension_field(d) for d in DIMENSIONS},
    month=(list[str], Field(description="months of activity, YYYY-MM")),
    filters=(list[FilterControl], ...),
    measure_details=(list[MeasureDetail], ...),
    whitespace_measure_details=(
        list[MeasureDetail],
        Field(
            description="the whitespace measures of a place (issue 16), asked of GET /api/cube "
            "without filters; not drawn by the hexes layer (see the whitespace layer)"
        ),
    ),
    layer_descriptions=(
        dict[str, str],
        Field(description="per map layer (catalogue name), what it shows in plain words"),
    ),
    terms=(dict[str, str], Field(description="the glossary: a term to its plain meaning")),
    hexagon_sizes=(
        dict[str, str],
        Field(description="per resolution, a hexagon's size in words (hexagons ~150 m across)"),
    ),
)
