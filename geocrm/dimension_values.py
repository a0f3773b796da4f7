"""The values the cube's dimensions take in the data, and filters validated against them
(for the cube, the map tiles and target zones alike).

What a dimension is (name, label, fixed values, integer or text) is declared in
:mod:`geocrm.vocabulary`; this module looks up what the data holds (stores, reps,
territories, the segments and months of the last build) for pickers and validation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.sql.elements import TextClause

from geocrm import vocabulary
from geocrm.db import sql_file
from geocrm.errors import NotFound
from geocrm.settings import format_settings
from geocrm.vocabulary import MONTH


@cache
def cube_sql(name: str) -> TextClause:
    """The statement of ``spatial_sql/cube/<name>.sql``."""
    return text(sql_file(f"cube/{name}.sql"))


def built_summary(conn: Connection) -> dict[str, Any]:
    """The summary of the cube's last build or refresh; ``NotFound`` when never built."""
    row = conn.execute(cube_sql("last_build")).mappings().first()
    if row is None:
        raise NotFound("the hex cube has not been built yet: run `geocrm cube build`")
    return row["summary"]


#: Dimensions whose values are rows of a table, named (id, name) by ``dimension_names.sql``.
_NAMED = ("store_id", "rep_id", "territory_id")


def validate_filters(conn: Connection, filters: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validated filters as parameters: a sorted list per dimension of ``FILTERS`` and
    ``month`` as the first day of the month (None: no filter on that dimension).

    Values are checked (:func:`geocrm.vocabulary.parse_filters`) against what the data
    holds (stores, reps, the segments and months of the cube); ``InvalidInput`` says which
    values are allowed; ``NotFound`` when a segment or month is asked of a cube never built.
    """
    filters = dict(filters or {})
    summary = built_summary(conn) if {"segment", MONTH} & set(filters) else {}

    def known(name: str) -> Sequence[Any] | None:
        if name == "segment":
            return tuple(summary.get("segments", ()))
        if name == MONTH:
            return list(summary.get("months", []))
        return allowed_ids(conn, name)

    return vocabulary.parse_filters(filters, known)


def allowed_ids(conn: Connection, name: str) -> tuple[int, ...] | None:
    """The ids a store or rep filter may name; None (any id) for the other dimensions."""
    if name == "store_id":
        return tuple(conn.execute(cube_sql("store_ids")).scalars())
    if name == "rep_id":
        return tuple(conn.execute(cube_sql("rep_ids")).scalars())
    return None  # a territory id of an archived plan is still a (possibly empty) territory


def dimensions(engine: Engine) -> dict[str, Any]:
    """What a client offers in its pickers: the measures, and the values each filter can
    take (stores, reps and the active plan's territories with their names; segments and
    months of activity as of the last build or refresh).

    The keys ``measures`` (names) and one per filter (its values; ``{id, name}`` for the
    named ones) are kept for older clients; ``filters`` and ``measure_details`` describe
    every filter control and measure (labels, units, integer or text, the values) as
    :func:`geocrm.vocabulary.describe` does.
    """
    with engine.connect() as conn:
        row = conn.execute(cube_sql("last_build")).mappings().first()
        named: dict[str, list[dict[str, Any]]] = {name: [] for name in _NAMED}
        for dimension, id_, name in conn.execute(cube_sql("dimension_names")):
            named[dimension].append({"id": id_, "name": name})
    segments = sorted(row["summary"].get("segments", [])) if row else []
    months = list(row["summary"].get("months", [])) if row else []
    values = {
        "segment": [{"value": s, "label": s} for s in segments],
        **{
            name: [{"value": v["id"], "label": v["name"]} for v in items]
            for name, items in named.items()
        },
    }
    formats = format_settings()
    described = vocabulary.describe(values, months)
    for detail in [*described["measure_details"], *described["whitespace_measure_details"]]:
        # money is shown in the configured currency (the vocabulary marks it "EUR")
        if detail["unit"] == "EUR":
            detail["unit"] = formats.currency
    return {
        "locale": formats.locale,
        "currency": formats.currency,
        "measures": list(vocabulary.MEASURES),
        **{d.name: list(d.values) if d.values is not None else [] for d in vocabulary.DIMENSIONS},
        "segment": segments,
        **named,
        MONTH: months,
        **described,
    }
