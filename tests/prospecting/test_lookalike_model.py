"""The lookalike model without a database: a planted relation is found and explained, the
same customers with shuffled labels are not taken for a model, and the figures are right."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geocrm.prospecting import lookalike_model as model


def customers(n: int, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """Synthetic customers whose value follows their place: retail buildings and foot
    traffic in front make the best customers (a planted relation, plus noise)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "building_class": rng.choice(["retail", "office", "residential", "public"], n),
            "floor_area_m2": rng.lognormal(7, 1, n),
            "footfall_index": rng.uniform(0, 100, n),
            "nearest_store_minutes": rng.uniform(1, 30, n),
            "nearest_store_mode": rng.choice(["walk", "drive"], n),
            "trade_areas": rng.integers(0, 6, n).astype(float),
            "huff_probability": rng.uniform(0, 1, n),
            "footfall_around": rng.uniform(0, 100, n),
            "households_around": rng.lognormal(5, 1, n),
            "buildings_around": rng.integers(0, 40, n).astype(float),
            "shops": rng.poisson(5, n).astype(float),
            "amenities": rng.poisson(5, n).astype(float),
            "tourism": rng.poisson(1, n).astype(float),
            "transit": rng.poisson(2, n).astype(float),
        }
    )
    frame.loc[rng.random(n) < 0.1, "footfall_index"] = np.nan  # some have no street in front
    value = (
        1.0 * (frame["building_class"] == "retail")
        + 0.03 * frame["footfall_index"].fillna(50)
        + rng.normal(0, 1.0, n)
    )
    return frame, (value >= value.quantile(0.75)).to_numpy()


def test_a_planted_relation_beats_random_and_its_reasons_name_it():
    frame, labels = customers(600)
    validation = model.validate(frame, labels)
    assert validation.held_out == 180
    assert validation.auc > 0.7 and validation.auc_low > 0.5
    assert validation.lift_top_decile > 1.5
    assert validation.beats_random

    fitted = model.fit(frame, labels)
    weights = fitted.weights()
    assert weights["footfall_index"] > 0.3 and weights["building_class=retail"] > 0.2
    leads = frame.head(50).reset_index(drop=True)
    reasons = model.reasons(fitted, leads)
    assert all(len(r) == 3 and all(r) for r in reasons)
    retail = leads.index[leads["building_class"] == "retail"]
    busy = leads.index[leads["footfall_index"] > 80]
    assert all(
        "Retail building" in reasons[i] for i in retail if leads.at[i, "footfall_index"] < 60
    )
    assert all(any(t.startswith("High foot traffic in front (") for t in reasons[i]) for i in busy)
    scores = fitted.predict(leads)
    assert ((scores >= 0) & (scores <= 1)).all()


def test_the_same_customers_with_shuffled_labels_do_not_beat_random():
    frame, labels = customers(600)
    shuffled = np.random.default_rng(16).permutation(labels)
    validation = model.validate(frame, shuffled)
    assert validation.auc_low <= 0.5 < validation.auc_high
    assert not validation.beats_random


def test_the_figures_are_those_of_the_definitions():
    labels = np.array([True, False, True, False, False, False, False, False, False, False])
    perfect = np.linspace(1, 0, 10)[np.argsort(~labels, kind="stable").argsort()]
    assert model.lift_top_decile(perfect, labels) == pytest.approx(1 / 0.2)
    assert model.lift_top_decile(-perfect, labels) == 0.0
    low, high = model.bootstrap_auc(perfect, labels, rounds=50)
    assert low == high == 1.0
    low, high = model.bootstrap_auc(np.zeros(10), labels, rounds=50)
    assert low == high == 0.5  # every pair tied counts a half


def test_reasons_read_like_a_rep_would_say_them():
    frame, labels = customers(300)
    fitted = model.fit(frame, labels)
    row = frame.head(1).copy()
    row["building_class"] = "none"
    row["nearest_store_minutes"] = 4.6
    row["nearest_store_mode"] = "walk"
    texts = {
        name: model._reason_text(name, row.iloc[0].to_dict(), 1.0)
        for name in ("building_class", "nearest_store_minutes", "footfall_index")
    }
    assert texts["building_class"] == "No building matched"
    assert texts["nearest_store_minutes"] == "5 min walk from the nearest store"
    assert texts["footfall_index"].startswith("High foot traffic in front (")
    assert len(model.reasons(fitted, frame.iloc[:0])) == 0


def test_a_value_the_lead_does_not_have_is_never_a_reason():
    frame, labels = customers(600)
    fitted = model.fit(frame, labels)
    lead = frame.head(1).copy()
    lead[[f.name for f in model.FEATURES]] = np.nan  # nothing known but the building class
    assert (
        model.reasons(fitted, lead)[0][0]
        == f"{lead['building_class'].iat[0].capitalize()} building"
    )
    assert not any(t.startswith("Unknown") for r in model.reasons(fitted, frame) for t in r)
