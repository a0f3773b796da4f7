"""One filter vocabulary: the dimensions are declared once in Python (geocrm.vocabulary) and
once in SQL (cube.in_audience), the API serves them to the web app, and the app keeps no
list of its own. These tests prove that the three agree, and pin the one filter parser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from geocrm import vocabulary
from geocrm.errors import InvalidInput
from geocrm.vocabulary import FILTERS, MEASURES, MONTH, parse_filters, split_values

FRONTEND_SRC = Path(__file__).parent.parent / "frontend" / "src"


def _nothing_known(name: str) -> None:
    return None


# --------------------------------------------------------------------------- no database


def test_the_filters_are_the_dimensions_in_order_territory_included():
    assert list(FILTERS) == [d.name for d in vocabulary.DIMENSIONS]
    assert list(FILTERS) == [
        "stage",
        "segment",
        "kind",
        "building_class",
        "store_id",
        "rep_id",
        "territory_id",
    ]
    assert {name for name, integer in FILTERS.items() if integer} == {
        "store_id",
        "rep_id",
        "territory_id",
    }


def test_every_measure_is_additive_or_a_ratio_of_sums_the_cube_holds():
    for m in vocabulary.MEASURE_LIST:
        if not m.additive:
            assert set(m.ratio) <= set(vocabulary.SUMS), m.name
    assert tuple(m.name for m in vocabulary.MEASURE_LIST if m.additive) == vocabulary.ADDITIVE
    assert set(vocabulary.FACT_MEASURES) | set(vocabulary.CONTEXT_MEASURES) == set(MEASURES)


def test_a_filter_value_is_one_value_a_list_or_a_comma_separated_text():
    assert split_values("client, partner,") == ["client", "partner"]
    assert split_values(["a,b", 3]) == ["a,b", "3"]
    assert split_values(7) == ["7"]
    assert split_values(None) == []


def test_the_parser_checks_names_values_ids_and_the_one_month_rule():
    months = ["2026-01", "2026-02", "2026-03"]

    def known(name: str):
        return {"segment": ("retail",), "store_id": (1, 2), MONTH: months}.get(name)

    params = parse_filters(
        {"stage": "partner,client", "store_id": [2, "1"], "territory_id": "9", "month": "2026-02"},
        known,
    )
    assert params == {
        **vocabulary.no_filters(),
        "stage": ["client", "partner"],
        "store_id": [1, 2],
        "territory_id": [9],
        "month": "2026-02-01",
    }
    assert json.loads(vocabulary.filter_document(params)) == {
        "stage": ["client", "partner"],
        "store_id": ["1", "2"],
        "territory_id": ["9"],
        "month": "2026-02-01",
    }
    with pytest.raises(InvalidInput, match="unknown filter 'colour'"):
        parse_filters({"colour": "red"}, known)
    with pytest.raises(InvalidInput, match="unknown stage 'gold'; stage may be: prospect"):
        parse_filters({"stage": "gold"}, known)
    with pytest.raises(InvalidInput, match="store_id takes integer ids"):
        parse_filters({"store_id": "one"}, known)
    with pytest.raises(InvalidInput, match="unknown store_id 3"):
        parse_filters({"store_id": "3"}, known)
    with pytest.raises(InvalidInput, match="positive 64-bit"):
        parse_filters({"territory_id": "0"}, known)
    with pytest.raises(InvalidInput, match="month takes one month"):
        parse_filters({"month": "2026-01,2026-02"}, known)
    with pytest.raises(InvalidInput, match="outside the data"):
        parse_filters({"month": "2025-12"}, known)
    with pytest.raises(InvalidInput, match="unknown filter 'month'"):
        parse_filters({"month": "2026-01"}, known, names=FILTERS)


def _literals(source: str) -> list[str]:
    """The innermost array and object literals of JavaScript source, comments removed."""
    source = re.sub(r"//[^\n]*|/\*.*?\*/", "", source, flags=re.S)
    return re.findall(r"\[[^\[\]{}]*\]|\{[^{}\[\]]*\}", source)


def test_the_web_app_hard_codes_no_dimension_or_measure_list():
    """Every filter control and measure list of the app comes from /api/cube/dimensions: no
    array or object literal of its sources names two dimensions (or two cube measures)."""
    sources = sorted(FRONTEND_SRC.glob("*.js"))
    assert sources
    for vocabulary_names, what in (((*FILTERS, MONTH), "dimensions"), (MEASURES, "measures")):
        for path in sources:
            for literal in _literals(path.read_text()):
                named = {
                    name
                    for name in vocabulary_names
                    if re.search(rf"[\"'`]{name}[\"'`]|\b{name}\s*:", literal)
                }
                assert len(named) < 2, f"{path.name} lists {what} {sorted(named)}: {literal}"


# --------------------------------------------------------------------------- with the database


def test_the_api_serves_the_vocabulary_for_every_filter_control_and_measure(client):
    dims = client.get("/api/cube/dimensions").json()
    assert [f["name"] for f in dims["filters"]] == [*FILTERS, MONTH]
    assert [m["name"] for m in dims["measure_details"]] == list(MEASURES)
    assert dims["measures"] == list(MEASURES)
    by_name = {f["name"]: f for f in dims["filters"]}
    for d in vocabulary.DIMENSIONS:
        assert by_name[d.name]["label"] == d.label
        assert by_name[d.name]["integer"] is d.integer
        assert by_name[d.name]["zones"] is True
        if d.values is not None:
            assert [v["value"] for v in by_name[d.name]["values"]] == list(d.values)
    assert by_name[MONTH]["zones"] is False and by_name[MONTH]["multiple"] is False
    assert {m["name"]: m["unit"] for m in dims["measure_details"]}["revenue"] == "EUR"
    # the older keys stay: one per filter with its values
    assert set(dims) >= {*FILTERS, MONTH}


def test_the_sql_predicate_takes_the_dimensions_of_the_vocabulary_in_order(engine):
    with engine.connect() as conn:
        names = (
            conn.execute(
                text(
                    "SELECT proargnames FROM pg_proc "
                    "WHERE proname = 'in_audience' AND pronamespace = 'cube'::regnamespace"
                )
            )
            .scalars()
            .all()
        )
    assert len(names) == 1, "one cube.in_audience, no stale overload"
    assert names[0] == ["filter", *FILTERS]


def test_the_sql_predicate_reads_the_documents_python_writes(engine):
    params = {**vocabulary.no_filters(), "stage": ["client"], "rep_id": [3]}
    document = vocabulary.filter_document(params)
    values = ["client", "retail", "person", "office", 1, 3, 5]
    with engine.connect() as conn:

        def matches(doc: str | None, row: list) -> bool:
            placeholders = ", ".join(f":v{i}" for i in range(len(row)))
            return conn.execute(
                text(f"SELECT cube.in_audience(CAST(:doc AS jsonb), {placeholders})"),
                {"doc": doc, **{f"v{i}": v for i, v in enumerate(row)}},
            ).scalar()

        assert matches(document, values)
        assert not matches(document, [*values[:5], 4, values[6]])
        assert matches("{}", values) and matches(None, values)
        assert not matches(document, [None, *values[1:]])
        # a looser document (a tile query, a saved zone) reads the same once normalised
        loose = {"stage": "client", "rep_id": [3], "limit": 50000, "month": "2026-03"}
        normal = conn.execute(
            text("SELECT cube.audience_filter(CAST(:q AS jsonb))"), {"q": json.dumps(loose)}
        ).scalar()
        assert normal["stage"] == ["client"] and normal["rep_id"] == ["3"]
        assert normal["month"] == "2026-03-01"
        assert matches(json.dumps(normal), values)
        unfiltered = conn.execute(text('SELECT cube.is_filtered(\'{"limit": ["9"]}\')')).scalar()
        assert unfiltered is False
