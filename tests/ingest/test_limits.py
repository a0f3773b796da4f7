"""What one field of an import may hold, with no database: each rule, and the fast path
never letting through what the field-by-field look would refuse."""

from __future__ import annotations

import random

import pytest

from geocrm.ingest import FIELD_MAX_CHARS, FIELDS, screen_row
from geocrm.ingest.limits import _screen_fields


def _row(**values: str) -> list[str | None]:
    return [values.get(f) for f in FIELDS]


@pytest.mark.parametrize(
    ("values", "problem", "stored"),
    [
        ({"external_id": "C-1", "name": "Järvinen 🙂"}, None, "Järvinen 🙂"),
        ({"external_id": "C-1", "name": "a\x00b"}, "name contains a NUL character", "a\ufffdb"),
        (
            {"external_id": "C-1", "name": "M\udce4kel\udce4"},
            "name is not valid UTF-8 text",
            "M\ufffdkel\ufffd",
        ),
        (
            {"external_id": "C-1", "name": "n" * 501},
            "name is 501 characters long; the limit is 500",
            "n" * 500,
        ),
        ({"external_id": "C-1", "name": "\u202eevil"}, None, "\u202eevil"),
    ],
)
def test_each_rule_names_the_field_and_keeps_a_value_the_database_can_hold(values, problem, stored):
    found, out = screen_row(_row(**values), None)
    assert found == problem
    assert out[FIELDS.index("name")] == stored


def test_an_external_id_must_read_the_same_everywhere():
    for bad in ("C-\u202e1", "C-\x071", "C-\u20661"):
        problem, _ = screen_row(_row(external_id=bad, name="x"), None)
        assert problem == "external_id contains control or bidirectional-override characters"
    assert screen_row(_row(external_id=" C 1 ", name="x"), None)[0] is None


def test_the_readers_problem_is_kept_first():
    problem, _ = screen_row(_row(external_id="C-1", name="a\x00"), "expected 5 fields, found 2")
    assert problem == "expected 5 fields, found 2; name contains a NUL character"


def test_the_fast_path_agrees_with_the_field_by_field_look():
    rng = random.Random(3)
    alphabet = ["a", "ä", "🙂", " ", "\x00", "\t", "\u202e", "\udce4", "=", "1"]
    for _ in range(5000):
        row = [
            None
            if rng.random() < 0.3
            else "".join(rng.choices(alphabet, k=rng.choice([0, 3, 40, FIELD_MAX_CHARS[f] + 1])))
            for f in FIELDS
        ]
        assert screen_row(list(row), None) == _screen_fields(list(row), None), row
