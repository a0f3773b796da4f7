"""The demo generator: the same seed gives the same CRM, at real addresses of the city."""

import pandas as pd

from geocrm.demo import build_demo_frames


def test_same_seed_same_crm_other_seed_other_crm(pool):
    a = build_demo_frames(pool, 500, seed=1, region="helsinki")
    b = build_demo_frames(pool, 500, seed=1, region="helsinki")
    c = build_demo_frames(pool, 500, seed=2, region="helsinki")
    for key in ("reps", "stores", "customers", "interactions"):
        pd.testing.assert_frame_equal(a[key], b[key])
    assert not a["customers"]["name"].equals(c["customers"]["name"])


def test_generated_customers_live_at_real_addresses_in_the_right_buildings(pool):
    frames = build_demo_frames(pool, 1000, seed=5, region="helsinki")
    customers = frames["customers"]
    classes = pool["building_class"].to_numpy()[customers["site"].to_numpy()]
    persons = customers["kind"] == "person"
    assert (classes[persons.to_numpy()] == "residential").all()
    assert set(classes[~persons.to_numpy()]) <= {"office", "retail", "commercial", "public"}
    real = set(zip(pool["street"], pool["housenumber"], strict=True))
    assert set(zip(customers["street"], customers["housenumber"], strict=True)) <= real
    assert 0.1 < (~persons).mean() < 0.3
