"""Hotspots (issue 16): a sales manager asks where revenue clusters. Getis-Ord Gi* on the
H3 cover of the demo city finds a planted cluster hot after false-discovery-rate control,
finds nothing in a field with no pattern, gives the same answer for the same seed, refuses
a resolution with too few cells, and computes a rep's hotspots from what the rep sees."""

from __future__ import annotations

import json
from typing import get_args

import h3
import mapbox_vector_tile
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from geocrm.api.app import create_app
from geocrm.api.hotspots import HotspotClass
from geocrm.cli import main
from geocrm.cube import build_cube
from geocrm.db.scope import Scope, acting_as
from geocrm.errors import InvalidInput
from geocrm.pipeline import enrich_city
from geocrm.prospecting.hotspot_stats import (
    CLASSES,
    MIN_CELLS,
    fdr_adjust,
    gi_star,
    permutation_p,
    ring_neighbours,
)
from geocrm.prospecting.hotspots import SOURCES, city_cover, hotspots
from geocrm.tiles import catalog, tile_xy

RES = 10
PLANTED_REVENUE = 5_000_000


@pytest.fixture(scope="module")
def built(engine, demo):
    enrich_city(engine, progress=False)
    return build_cube(engine)


@pytest.fixture(scope="module")
def cover(engine, built) -> list[int]:
    with engine.connect() as conn:
        return city_cover(conn, RES)


@pytest.fixture(scope="module")
def busiest_rep(engine, built) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT assigned_rep_id FROM crm.customers WHERE assigned_rep_id IS NOT NULL "
                "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar_one()


def _centre(cover: list[int]) -> int:
    """The cover cell nearest the middle of the cover whose ring 2 is all in the cover."""
    inside = set(cover)
    lats, lons = zip(*(h3.cell_to_latlng(h3.int_to_str(c)) for c in cover), strict=True)
    mid = (float(np.mean(lats)), float(np.mean(lons)))
    full = [
        c
        for c in cover
        if all(h3.str_to_int(n) in inside for n in h3.grid_disk(h3.int_to_str(c), 2))
    ]
    return min(
        full,
        key=lambda c: sum(
            (a - b) ** 2 for a, b in zip(h3.cell_to_latlng(h3.int_to_str(c)), mid, strict=True)
        ),
    )


def _ring(cell: int, k: int) -> set[int]:
    return {h3.str_to_int(n) for n in h3.grid_disk(h3.int_to_str(cell), k)}


# --------------------------------------------------------------------------- statistics


def test_benjamini_hochberg_matches_scipy():
    from scipy.stats import false_discovery_control

    p = np.random.default_rng(3).random(200) ** 3
    assert np.allclose(fdr_adjust(p), false_discovery_control(p, method="bh"))
    assert (fdr_adjust(p) >= p - 1e-12).all()


def test_a_field_with_no_pattern_has_no_hotspot(cover):
    """Revenue drawn at random for every cell of the city (no spatial pattern): after FDR
    control no cell is hot or cold; and a field equal everywhere has nothing to test."""
    for seed in (1, 2, 3):
        values = np.random.default_rng(seed).uniform(0, 1000, len(cover))
        stat = gi_star(cover, values)
        assert set(stat.classes) == {"not_significant"}, seed
        assert (stat.p_fdr >= stat.p - 1e-12).all() and (stat.p_fdr <= 1).all()
    flat = gi_star(cover, np.full(len(cover), 42.0))
    assert set(flat.classes) == {"not_significant"} and (flat.z == 0).all()


@pytest.mark.filterwarnings("ignore:The alternative hypothesis:DeprecationWarning")
def test_permutation_p_agrees_with_pysal_where_values_do_not_tie(cover):
    """On continuous values the test here and PySAL's (2 x p_sim) give the same p-values
    up to the randomness of the permutations."""
    from esda.getisord import G_Local
    from libpysal.weights import W

    values = np.random.default_rng(5).lognormal(8, 1, len(cover))
    values[: len(cover) // 10] *= 20  # some structure: a few small p-values
    neighbours = ring_neighbours(cover)
    ours = permutation_p(values, neighbours, permutations=9999, seed=1)
    theirs = G_Local(
        values, W(neighbours), transform="B", star=True, permutations=9999, seed=1, n_jobs=1
    )
    assert np.abs(ours - np.minimum(2 * theirs.p_sim, 1)).max() < 0.05


def test_ties_are_no_evidence(cover):
    """Most cells of a city have no revenue: a cell of zeros among zeros ties with a large
    share of the permutations and is no cold spot (PySAL's folded p_sim gives it the
    smallest p there is)."""
    rng = np.random.default_rng(8)
    values = np.where(rng.random(len(cover)) < 0.85, 0.0, rng.lognormal(8, 1, len(cover)))
    stat = gi_star(cover, values)
    neighbours = ring_neighbours(cover)
    quiet = [i for i in range(len(cover)) if values[i] == 0 == values[neighbours[i]].sum()]
    assert len(quiet) > 10
    assert (stat.p[quiet] > 0.1).all()
    assert not any(str(c).startswith("cold") for c in stat.classes[quiet])


def test_too_few_cells_is_a_clear_error(cover):
    with pytest.raises(InvalidInput, match="too few"):
        gi_star(cover[: MIN_CELLS - 1], np.arange(MIN_CELLS - 1, dtype=float))


# --------------------------------------------------------------------------- on the cube


def test_a_planted_cluster_is_found_hot_after_fdr_control(engine, cover):
    """Revenue planted in a compact group of res-10 cells of the cube (a cell and two rings
    around it) over a background of no revenue: the group's core is hot at 95 % or more
    after FDR control, and no cell farther than one ring from the group is hot."""
    centre = _centre(cover)
    planted = _ring(centre, 2)
    with engine.connect() as conn:
        conn.execute(text("UPDATE cube.rollup SET revenue = 0 WHERE res = :res"), {"res": RES})
        conn.execute(
            text(
                "INSERT INTO cube.rollup (res, h3, customers, prospects, revenue, ltv, "
                "satisfaction_sum, satisfaction_n, churn_sum, churn_n, orders, "
                "support_requests, complaints, visits, survey_responses, campaign_responses, "
                "footfall_sum, footfall_n, addressable_buildings, households) "
                "SELECT :res, c, 1, 0, :revenue, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 "
                "FROM unnest(CAST(:cells AS bigint[])) c "
                "ON CONFLICT (res, h3) DO UPDATE SET revenue = EXCLUDED.revenue"
            ),
            {"res": RES, "revenue": PLANTED_REVENUE, "cells": sorted(planted)},
        )
        result = hotspots(conn, "revenue", RES, permutations=9999)
        coarse = hotspots(conn, "revenue", RES)  # 999 permutations: p no finer than 0.002
        conn.rollback()
    assert len(result.cells) >= len(cover) >= 100
    by_cell = {h3.str_to_int(c["h3"]): c for c in result.cells}
    assert {c for c, v in by_cell.items() if v["value"] > 0} == planted
    assert all(v["value"] == 0 for c, v in by_cell.items() if c not in planted)  # gap-filled
    for cell in _ring(centre, 1):
        assert by_cell[cell]["class"] in ("hot_99", "hot_95"), by_cell[cell]
        assert by_cell[cell]["p"] < by_cell[cell]["p_fdr"] < 0.05  # adjusted, still small
    hot = {c for c, v in by_cell.items() if v["class"].startswith("hot")}
    assert hot <= _ring(centre, 3)
    coarse_hot = {h3.str_to_int(c["h3"]) for c in coarse.cells if c["class"].startswith("hot")}
    assert _ring(centre, 1) <= coarse_hot <= _ring(centre, 3)


def test_the_same_seed_gives_the_same_answer(engine, built):
    with engine.connect() as conn:
        first = hotspots(conn, "customers", RES, use_cache=False)
        again = hotspots(conn, "customers", RES, use_cache=False)
        other = hotspots(conn, "customers", RES, seed=7, use_cache=False)
    assert first.cells == again.cells
    assert [c["z"] for c in other.cells] == [c["z"] for c in first.cells]  # z: no randomness
    assert [c["p"] for c in other.cells] != [c["p"] for c in first.cells]


def test_measures_combine_and_are_kept(engine, built):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM cube.hotspot_runs"))
    combined = hotspots(engine, "revenue,customers", RES)
    assert combined.measures == ("revenue", "customers") and not combined.cached
    assert min(c["value"] for c in combined.cells) == 0  # standardised, shifted to 0
    kept = hotspots(engine, "revenue,customers", RES)
    assert kept.cached and kept.cells == combined.cells
    assert set(kept.counts()) == set(CLASSES)
    with engine.begin() as conn:  # the cube changes (a statement trigger bumps its version)
        conn.execute(text("UPDATE cube.rollup SET revenue = revenue WHERE false"))
    fresh = hotspots(engine, "revenue,customers", RES)
    assert not fresh.cached and fresh.cells == combined.cells
    with engine.connect() as conn:  # the stale result is gone
        assert conn.execute(text("SELECT count(*) FROM cube.hotspot_runs")).scalar_one() == 1


# --------------------------------------------------------------------------- API, tiles


def test_the_api_answers_per_cell(client, built):
    body = client.get("/api/hotspots", params={"measure": "revenue", "res": RES}).json()
    assert body["measure"] == "revenue" and body["res"] == RES
    assert body["permutations"] == 999 and body["seed"] == 12345 and body["alpha"] == 0.1
    cell = body["cells"][0]
    assert set(cell) == {"h3", "value", "z", "p", "p_fdr", "class"}
    assert {c["class"] for c in body["cells"]} <= set(CLASSES)
    assert sum(body["counts"].values()) == len(body["cells"])


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"measure": "happiness"}, "unknown measure"),
        ({"res": 7}, "8..11"),
        ({"res": 9}, "too few"),  # the demo city: 27 cells at res 9, a few more at its edge
        ({"res": "ten"}, "res"),
        ({"stage": "nonsense"}, "stage"),
    ],
)
def test_bad_input_is_a_422_that_says_why(client, built, params, words):
    answer = client.get("/api/hotspots", params=params)
    assert answer.status_code == 422, answer.text
    assert words in answer.text


def test_a_reps_hotspots_use_only_what_the_rep_sees(client, client_as, built, busiest_rep):
    rep = client_as("rep", (busiest_rep,))
    mine = rep.get("/api/hotspots", params={"measure": "customers", "res": RES}).json()
    seen = rep.get("/api/cube", params={"measure": "customers", "res": RES}).json()
    everything = client.get("/api/hotspots", params={"measure": "customers", "res": RES}).json()
    expected = {c["h3"]: c["customers"] for c in seen}
    values = {c["h3"]: c["value"] for c in mine["cells"]}
    assert values == {h: expected.get(h, 0) for h in values}
    assert sum(values.values()) < sum(c["value"] for c in everything["cells"])
    assert not mine["cached"]  # the admin's kept result is not the rep's


def test_the_tile_layer_draws_the_classes_for_the_caller(app_engine, make_user, built, cover):
    token = make_user("marketer")[1]
    app = TestClient(create_app(app_engine), headers={"Authorization": f"Bearer {token}"})
    centre = h3.cell_to_latlng(h3.int_to_str(_centre(cover)))
    z = 13
    x, y = tile_xy(centre[1], centre[0], z)
    url = f"/tiles/hotspots/{z}/{x}/{y}.mvt"
    first = app.get(url, params={"measure": "visits", "res": RES})  # computed on demand
    assert first.status_code == 200, first.text
    features = mapbox_vector_tile.decode(first.content)["hotspots"]["features"]
    api = app.get("/api/hotspots", params={"measure": "visits", "res": RES}).json()
    assert api["cached"]  # the tile computed and kept it
    classes = {c["h3"]: c["class"] for c in api["cells"]}
    assert features and all(
        f["properties"]["class"] == classes[f["properties"]["h3"]] for f in features
    )
    assert app.get(url, params={"res": 7}).status_code == 422


def test_the_layer_is_declared_with_the_sources_results_depend_on():
    assert set(get_args(HotspotClass)) == set(CLASSES)  # the API's model says the same
    layer = catalog().layer("hotspots")
    assert tuple(sorted(layer.sources)) == SOURCES and not layer.shared
    legend = layer.style[0]["metadata"]["legend"]
    assert set(legend["labels"]) == set(CLASSES) - {"not_significant"}


def test_the_command_prints_json(use_database, built, capsys):
    assert main(["hotspots", "--measure", "revenue", "--res", str(RES), "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["res"] == RES and len(body["cells"]) >= 100
    assert main(["hotspots", "--measure", "customers", "--filter", "kind=business"]) == 0
    text_out = capsys.readouterr().out
    assert text_out.startswith("Hotspots of customers at res 10 (hexagons ~150 m across)")
    assert "not_significant" in text_out and "kind=['business']" in text_out
    assert main(["hotspots", "--res", "8"]) != 0
    assert "too few" in capsys.readouterr().err


def test_kept_results_are_read_only_by_users_with_the_same_view(
    engine, app_engine, make_user, built, busiest_rep
):
    """Row-level security on the kept results: a rep's result is read by the rep, not by an
    analyst (another view of the cube), and nobody keeps a result under another's view."""

    def user_id(email: str) -> int:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT user_id FROM auth.users WHERE email = :e"), {"e": email}
            ).scalar_one()

    rep = user_id(make_user("rep", (busiest_rep,))[0])
    analyst = user_id(make_user("analyst")[0])
    with acting_as(Scope(user_id=rep)):
        computed = hotspots(app_engine, "support_requests", RES)
        again = hotspots(app_engine, "support_requests", RES)
    assert computed.scope == f"reps:{busiest_rep};k:5" and again.cached
    with acting_as(Scope(user_id=analyst)), app_engine.connect() as conn:
        seen = conn.execute(text("SELECT scope_key, run_id FROM cube.hotspot_runs")).all()
        assert computed.scope not in {s for s, _ in seen}
        cells = conn.execute(text("SELECT count(*) FROM cube.hotspot_cells")).scalar_one()
        assert cells == sum(
            conn.execute(text("SELECT cells FROM cube.hotspot_runs")).scalars().all()
        )
        with pytest.raises(DBAPIError, match="row-level security"):
            conn.execute(
                text(
                    "INSERT INTO cube.hotspot_runs (scope_key, measure, res, permutations, "
                    "seed, versions, cells, seconds) VALUES ('all', 'revenue', 10, 999, 1, "
                    "'x', 0, 0)"
                )
            )
