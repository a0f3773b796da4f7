"""The cube's filters as query parameters, one per dimension of :mod:`geocrm.vocabulary`
(and ``month``): the routes of the cube, the zones and the tiles take them from here, so a
dimension added there is a query parameter everywhere, documented in ``/docs``."""

from __future__ import annotations

import inspect
from collections.abc import Callable

from fastapi import Query

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
