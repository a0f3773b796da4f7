"""The cube's filters as query parameters, one per dimension of :mod:`geocrm.vocabulary`
(and ``month``): the routes of the cube, the zones and the tiles take them from here, so a
dimension added there is a query parameter everywhere, documented in ``/docs``."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from fastapi import Query
from pydantic import BaseModel, Field, create_model

from geocrm import vocabulary
from geocrm.vocabulary import DIMENSIONS, MONTH, MONTH_DESCRIPTION

_MANY = "one value or several, comma-separated"
_EXAMPLES = {"stage": ["client,partner"], MONTH: ["2026-03"]}


def filter_query(*, month: bool, suffix: str = "") -> Callable[..., dict[str, str]]:
    """A dependency taking one optional query parameter per dimension (and ``month`` when
    asked), returning the ones given as ``{name: raw value}``.

    Parameters
    ----------
    month
        Whether the month of activity is a parameter too.
    suffix
        Said after each dimension's description (e.g. what a value replaces).
    """
    described = [(d.name, f"{d.description}: {_MANY}{suffix}") for d in DIMENSIONS]
    if month:
        described.append((MONTH, MONTH_DESCRIPTION))
    parameters = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=Query(None, description=description, examples=_EXAMPLES.get(name)),
            annotation=str | None,
        )
        for name, description in described
    ]

    def given(**values: str | None) -> dict[str, str]:
        return {k: v for k, v in values.items() if v is not None}

    # FastAPI reads the parameters from the signature
    given.__signature__ = inspect.Signature(parameters, return_annotation=dict[str, str])  # type: ignore[attr-defined]
    return given


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


def _dimension_field(dimension: vocabulary.Dimension) -> tuple[Any, Any]:
    kind = list[NamedId] if dimension.integer else list[str]
    return kind, Field(description=f"the values of {dimension.name} ({dimension.description})")


#: The body of ``GET /api/cube/dimensions``: one key per dimension, from the vocabulary.
CubeDimensions = create_model(
    "CubeDimensions",
    __doc__="The measures, the values each filter can take (keyed by dimension name), and "
    "every filter control and measure described for a client to build its pickers.",
    measures=(list[str], ...),
    **{d.name: _dimension_field(d) for d in DIMENSIONS},
    month=(list[str], Field(description="months of activity, YYYY-MM")),
    filters=(list[FilterControl], ...),
    measure_details=(list[MeasureDetail], ...),
)
