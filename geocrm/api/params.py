"""The API's identifiers and numbers, declared once with their limits: a route takes
``plan_id: PlanId`` and FastAPI refuses anything else with a 422 that says what is wrong,
while the OpenAPI document tells a client the same limits (``minimum``, ``maximum``,
``pattern``). The limits are those of :mod:`geocrm.identifiers` (the database columns' own
ranges), which the command line applies to the same identifiers."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BeforeValidator, Field

from geocrm.hexgrid import FINEST, RESOLUTIONS
from geocrm.identifiers import INT32_MAX, INT64_MAX, read_decimal


def _decimal(value: Any) -> Any:
    """Text of an integer as ``geocrm.identifiers`` reads it: ASCII digits (at most 20)
    with an optional sign; pydantic alone would also read ``1_000`` and ``1.0``."""
    if isinstance(value, str):
        number = read_decimal(value)
        if number is None:
            raise ValueError("must be an integer written with the digits 0-9 (at most 20)")
        return number
    return value


#: Put on every integer of a path or query string (and on ids in bodies).
DECIMAL = BeforeValidator(_decimal)


def _cell_text(value: Any) -> Any:
    """An H3 cell's text said wrong in words a person reads (before the pattern's check)."""
    if isinstance(value, str) and not re.fullmatch(CELL_PATTERN, value):
        raise ValueError(
            "not an H3 cell: give its hex index (e.g. 891126d9403ffff) or its 64-bit id"
        )
    return value


#: Put on every H3 cell given as text.
CELL_TEXT = BeforeValidator(_cell_text)

#: An H3 cell as text: its hex index (15 or 16 hex digits) or its decimal id (at most 20
#: digits); whether it is a valid cell is checked by ``hexgrid.parse_cell``.
CELL_PATTERN = r"^([0-9]{1,20}|[0-9a-fA-F]{15,16})$"
#: The deepest zoom any tile layer could have (the catalogue says each layer's own range).
MAX_ZOOM = 24

# ----------------------------------------------------------------- path identifiers
PlanId = Annotated[int, Path(ge=1, le=INT64_MAX, description="the plan's id"), DECIMAL]
TerritoryId = Annotated[int, Path(ge=1, le=INT64_MAX, description="the territory's id"), DECIMAL]
CustomerId = Annotated[int, Path(ge=1, le=INT64_MAX, description="the customer's id"), DECIMAL]
ImportId = Annotated[int, Path(ge=1, le=INT64_MAX, description="the import's id"), DECIMAL]
ZoneId = Annotated[int, Path(ge=1, le=INT32_MAX, description="the zone's id"), DECIMAL]
UserId = Annotated[int, Path(ge=1, le=INT32_MAX, description="the user's id"), DECIMAL]
TokenId = Annotated[int, Path(ge=1, le=INT32_MAX, description="the token's id"), DECIMAL]
Cell = Annotated[
    str,
    Path(
        max_length=20,
        pattern=CELL_PATTERN,
        description="an H3 cell: its hex index (e.g. 891126d9403ffff) or its 64-bit id",
        examples=["891126d9403ffff"],
    ),
    CELL_TEXT,
]
ExternalId = Annotated[
    str, Path(min_length=1, max_length=1000, description="the customer's id in the source CRM")
]
Layer = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z0-9_]+$",
        description="a layer of the catalogue (GET /tiles)",
    ),
]
Zoom = Annotated[
    int, Path(ge=0, le=MAX_ZOOM, description="zoom (within the layer's range)"), DECIMAL
]
TileX = Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1, description="column, 0..2^z-1"), DECIMAL]
TileY = Annotated[
    int, Path(ge=0, le=2**MAX_ZOOM - 1, description="row, 0..2^z-1 (from the north)"), DECIMAL
]
Fontstack = Annotated[
    str,
    Path(
        min_length=1,
        max_length=256,
        description="a fontstack, or several comma-separated (the first known one is served): "
        "Noto Sans Regular, Noto Sans Bold",
        examples=["Noto Sans Regular"],
    ),
]
GlyphRange = Annotated[
    str,
    Path(
        max_length=11,
        pattern=r"^[0-9]{1,5}-[0-9]{1,5}$",
        description="a range of 256 code points, N-(N+255) with N a multiple of 256",
        examples=["0-255"],
    ),
]

# ----------------------------------------------------------------- query numbers
Resolution = Annotated[
    int,
    Query(
        ge=RESOLUTIONS[0],
        le=RESOLUTIONS[-1],
        description=f"H3 resolution, {RESOLUTIONS[0]} (coarse) .. {FINEST} (fine)",
    ),
    DECIMAL,
]
StoreIdQuery = Annotated[
    int | None, Query(ge=1, le=INT32_MAX, description="only this store's"), DECIMAL
]
AfterId = Annotated[
    int, Query(ge=0, le=INT64_MAX, description="return customers with id > after"), DECIMAL
]

# ----------------------------------------------------------------- body fields
#: An id of a ``bigint`` column in a JSON body.
BodyId64 = Annotated[int, Field(ge=1, le=INT64_MAX), DECIMAL]
#: An id of an ``integer`` column (reps, zones, users) in a JSON body.
BodyId32 = Annotated[int, Field(ge=1, le=INT32_MAX), DECIMAL]
#: An H3 cell in a JSON body: its decimal id or its hex index, as text or a number.
BodyCell = Annotated[str, Field(max_length=20, pattern=CELL_PATTERN), CELL_TEXT] | BodyId64
