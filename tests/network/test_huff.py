"""The Huff model's maths on hand-made travel times: no street graph, no database.

A shopper weighs each store by ``A_j t_ij^-decay``; the probabilities below are worked out
by hand from that formula.
"""

from __future__ import annotations

import math

import h3
import numpy as np
import pandas as pd
import pytest

from geocrm import hexgrid
from geocrm.errors import InvalidInput
from geocrm.network import huff_probabilities, huff_trade_areas, trade_area_kinds

# two shoppers, two stores: the first shopper lives 1 and 2 minutes from them, the second
# 2 minutes from both
MINUTES = np.array([[1.0, 2.0], [2.0, 2.0]])


def test_each_shopper_shares_out_exactly_one_visit_and_the_nearer_store_wins():
    p = huff_probabilities(MINUTES, np.array([1.0, 1.0]), decay=2.0)
    # first shopper: 1/1² against 1/2² = 1 : 0.25, so 0.8 and 0.2
    assert p[0] == pytest.approx([0.8, 0.2])
    # second shopper: equally far, equally attractive stores split evenly
    assert p[1] == pytest.approx([0.5, 0.5])
    assert p.sum(axis=1) == pytest.approx([1.0, 1.0])


def test_at_equal_distance_the_more_attractive_store_wins_in_proportion():
    p = huff_probabilities(MINUTES, np.array([3.0, 1.0]), decay=2.0)
    # second shopper: 3/4 against 1/4
    assert p[1] == pytest.approx([0.75, 0.25])
    # first shopper: 3/1 against 1/4, so 12/13 and 1/13
    assert p[0] == pytest.approx([12 / 13, 1 / 13])


def test_a_stronger_decay_gives_the_nearer_store_more():
    attractiveness = np.array([1.0, 1.0])
    near_share = [
        huff_probabilities(MINUTES, attractiveness, decay=decay)[0, 0] for decay in (1, 2, 3)
    ]
    # 1 : 1/2, 1 : 1/4, 1 : 1/8
    assert near_share == pytest.approx([2 / 3, 4 / 5, 8 / 9])
    # a faint decay leaves only attractiveness: the shares tend to A_j / sum(A)
    faint = huff_probabilities(MINUTES, np.array([3.0, 1.0]), decay=1e-9)
    assert faint[0] == pytest.approx([0.75, 0.25], abs=1e-6)


def test_times_are_floored_so_a_doorstep_store_does_not_take_everything():
    # 6 seconds and 30 seconds are both counted as half a minute: an even split
    p = huff_probabilities(np.array([[0.1, 0.5]]), np.array([1.0, 1.0]), decay=2.0)
    assert p[0] == pytest.approx([0.5, 0.5])
    unfloored = huff_probabilities(
        np.array([[0.1, 0.5]]), np.array([1.0, 1.0]), decay=2.0, min_minutes=0.01
    )
    # 1/0.01 against 1/0.25: 25 to 1
    assert unfloored[0] == pytest.approx([25 / 26, 1 / 26])


def test_a_store_out_of_reach_gets_nothing_and_a_cut_off_shopper_gets_no_row():
    p = huff_probabilities(
        np.array([[1.0, math.inf], [math.inf, math.inf]]), np.array([1.0, 5.0]), decay=2.0
    )
    assert p[0] == pytest.approx([1.0, 0.0])
    assert np.isnan(p[1]).all()


def test_the_model_refuses_what_it_cannot_weigh():
    with pytest.raises(InvalidInput, match="attractiveness must be positive"):
        huff_probabilities(MINUTES, np.array([1.0, 0.0]))
    with pytest.raises(InvalidInput, match="decay must be positive"):
        huff_probabilities(MINUTES, np.array([1.0, 1.0]), decay=0.0)


def test_trade_areas_split_at_the_primary_and_secondary_thresholds():
    probability = np.array([0.8, 0.6, 0.59, 0.3, 0.29, 0.0, np.nan])
    assert trade_area_kinds(probability).tolist() == [
        "huff_primary",
        "huff_primary",
        "huff_secondary",
        "huff_secondary",
        "",
        "",
        "",
    ]
    looser = trade_area_kinds(probability, primary=0.5, secondary=0.25)
    assert looser.tolist() == ["huff_primary"] * 3 + ["huff_secondary"] * 2 + ["", ""]
    with pytest.raises(InvalidInput, match="secondary < primary"):
        trade_area_kinds(probability, primary=0.3, secondary=0.6)
    with pytest.raises(InvalidInput, match="secondary < primary"):
        trade_area_kinds(probability, primary=1.2, secondary=0.3)


def test_the_hand_example_gives_each_store_its_trade_areas():
    # the first shopper's 0.8 puts that cell in store 1's primary area; 0.2 is in neither;
    # three equal stores at 1/3 each put the cell in all three secondary areas
    two = huff_probabilities(MINUTES[:1], np.array([1.0, 1.0]), decay=2.0)
    three = huff_probabilities(np.full((1, 3), 4.0), np.ones(3), decay=2.0)
    assert trade_area_kinds(two).tolist() == [["huff_primary", ""]]
    assert trade_area_kinds(three).tolist() == [["huff_secondary"] * 3]


def test_the_cells_of_a_trade_area_merge_into_one_outline():
    centre = int(hexgrid.latlng_to_cells([60.17], [24.94], hexgrid.HUFF_RES)[0])
    ring = [h3.str_to_int(c) for c in h3.grid_disk(h3.int_to_str(centre), 1)]
    neighbours = [c for c in ring if c != centre]
    rows = pd.DataFrame(
        {
            "h3": [centre, neighbours[0], centre, neighbours[0], neighbours[3]],
            "store_id": [1, 1, 2, 2, 2],
            "mode": "walk",
            "probability": [0.7, 0.65, 0.3, 0.35, 0.1],
        }
    )
    areas = huff_trade_areas(rows).set_index(["store_id", "kind"])
    # store 1: two neighbouring cells, one primary area with no seam; store 2 is secondary
    # in the same two cells, and 0.1 puts the third cell in neither
    assert set(areas.index) == {(1, "huff_primary"), (2, "huff_secondary")}
    primary = areas.loc[(1, "huff_primary"), "geometry"]
    assert len(primary.geoms) == 1
    hexagon = hexgrid.cell_boundaries([centre])[0]
    assert primary.area == pytest.approx(2 * hexagon.area, rel=0.01)
    assert areas.loc[(2, "huff_secondary"), "geometry"].equals(primary)
