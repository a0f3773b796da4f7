"""The demo CRM plants a modest, documented relation between place and value (settings
[place_value]) for the lookalike scores to find, and moves nothing else."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from geocrm.db import query
from geocrm.demo import build_demo_frames
from geocrm.demo.generator import _settings


@pytest.fixture(scope="module")
def pool(engine, city):
    """The loaded city's address pool, which the demo generator draws from."""
    with engine.connect() as conn:
        dataset_id = conn.execute(text("SELECT min(dataset_id) FROM ref.datasets")).scalar_one()
        return pd.read_sql(query("demo/address_pool"), conn, params={"dataset_id": dataset_id})


def test_business_revenue_follows_building_class_and_busy_streets_and_nothing_else_moves(pool):
    planted = _settings()
    assert planted["place_value"]["busy"] > 0
    effects = planted["place_value"]["building_class"]
    assert effects["retail"] > effects["office"] > effects["public"]
    flat = copy.deepcopy(planted)
    del flat["place_value"]

    with_place = build_demo_frames(pool, 3000, seed=42, region="helsinki", settings=planted)
    without = build_demo_frames(pool, 3000, seed=42, region="helsinki", settings=flat)
    a, b = with_place["customers"], without["customers"]
    # the same accounts, stages, addresses and contact history: no random draw moved
    for column in ("external_id", "kind", "stage", "site", "typed_address", "noise"):
        assert (a[column] == b[column]).all(), column
    assert len(with_place["interactions"]) == len(without["interactions"])
    person = (a["kind"] == "person").to_numpy()
    assert (a["annual_revenue"][person] == b["annual_revenue"][person]).all()

    # a business's revenue over what it would have been is its place's factor
    business = (a["kind"] == "business").to_numpy() & (b["annual_revenue"] > 0).to_numpy()
    factor = np.log(a["annual_revenue"][business] / b["annual_revenue"][business]).to_numpy()
    sites = pool.iloc[a["site"][business]]
    cls = sites["building_class"].to_numpy()
    by_class = pd.Series(factor).groupby(cls).mean()
    assert by_class["retail"] > by_class["office"] > by_class["public"]
    busy = np.log1p(sites["pois_150m"].to_numpy(dtype=float))
    same_class = cls == "office"
    assert np.corrcoef(busy[same_class], factor[same_class])[0, 1] > 0.95
    # modest: the place explains a minor share of the spread of a business's log revenue
    log_revenue = np.log(a["annual_revenue"][business].to_numpy())
    assert 0.05 < np.var(factor) / np.var(log_revenue) < 0.35
