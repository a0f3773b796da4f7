"""The glossary: every measure and every map layer has a plain one-line description that
the API serves (GET /api/cube/dimensions) for the app's tooltips and Glossary dialog, and
a hexagon's size is said in metres, not as an H3 resolution."""

from __future__ import annotations

import re

from geocrm import hexgrid, vocabulary
from geocrm.tiles import catalog

JARGON = re.compile(r"\bH3 res|\bres \d|\bltv\b|\bk-rule\b|\bisochrone|\bid\b", re.IGNORECASE)


def test_every_measure_has_a_plain_description():
    assert set(vocabulary.MEASURE_DESCRIPTIONS) == set(vocabulary.MEASURES)
    for name, text in vocabulary.MEASURE_DESCRIPTIONS.items():
        assert 20 <= len(text) <= 200, name
        assert "\n" not in text and not JARGON.search(text), (name, text)


def test_every_map_layer_has_a_plain_description():
    assert set(vocabulary.LAYER_DESCRIPTIONS) == set(catalog().layers)
    for name, text in vocabulary.LAYER_DESCRIPTIONS.items():
        assert 20 <= len(text) <= 200 and not JARGON.search(text), (name, text)


def test_the_words_the_issue_found_unexplained_are_in_the_glossary():
    terms = {k.lower() for k in vocabulary.TERMS}
    assert {"huff probability", "strong bond", "penetration", "foot traffic"} <= terms
    assert "lifetime value" in vocabulary.MEASURE_DESCRIPTIONS["ltv"].lower()
    assert "foot traffic" in vocabulary.MEASURE_DESCRIPTIONS["footfall"].lower()
    # the measure of every stage past prospect does not read like the stage "customer"
    label = vocabulary.MEASURE_LIST[0].label
    assert vocabulary.MEASURE_LIST[0].name == "customers" and label.lower() != "customers"
    assert "customer" in vocabulary.STAGES


def test_a_hexagon_size_in_plain_words():
    assert vocabulary.hexagon_size(10) == "hexagons ~150 m across"
    assert vocabulary.hexagon_size(11) == "hexagons ~60 m across"
    assert vocabulary.hexagon_size(8) == "hexagons ~1.1 km across"
    assert vocabulary.hexagon_size(5) == "hexagons ~20 km across"
    sizes = [hexgrid.across_words(r) for r in vocabulary.RESOLUTIONS]
    assert len(set(sizes)) == len(sizes)  # each resolution reads differently


def test_the_api_serves_the_glossary(client):
    dims = client.get("/api/cube/dimensions").json()
    described = {m["name"]: m["description"] for m in dims["measure_details"]}
    assert described == vocabulary.MEASURE_DESCRIPTIONS
    assert dims["layer_descriptions"] == vocabulary.LAYER_DESCRIPTIONS
    assert dims["terms"] == vocabulary.TERMS
    assert dims["hexagon_sizes"]["10"] == "hexagons ~150 m across"
    assert set(dims["hexagon_sizes"]) == {str(r) for r in vocabulary.RESOLUTIONS}
