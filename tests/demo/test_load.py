"""The demo CRM in the database: deterministic, imported like a user's file, shaped like a
real customer base."""

import hashlib

import numpy as np
import pandas as pd
from sqlalchemy import text

from geocrm.demo import NOISE_KINDS, generate_demo_data, top_share
from tests.conftest import DEMO_CUSTOMERS, DEMO_SEED


def _customers_digest(engine) -> str:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.external_id, c.name, c.kind, c.address, c.segment, c.stage, "
                "c.annual_revenue, c.lifetime_value, c.satisfaction, c.churn_risk, r.external_id, "
                "c.relationship_start, ST_AsText(c.geom), "
                "(SELECT count(*) FROM crm.interactions i WHERE i.customer_id = c.customer_id) "
                "FROM crm.customers c LEFT JOIN crm.reps r ON r.rep_id = c.assigned_rep_id "
                "WHERE c.source = 'demo' ORDER BY c.external_id"
            )
        ).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_regenerating_in_the_database_is_deterministic(engine, demo, tmp_path):
    # twice, so that what earlier tests did to the demo customers (pins, published
    # territories) does not count: each regeneration replaces every demo row
    digests = []
    for run in ("again", "and again"):
        regenerated = generate_demo_data(
            engine,
            customers=DEMO_CUSTOMERS,
            seed=DEMO_SEED,
            force=True,
            out=tmp_path / f"{run}.csv",
            progress=False,
        )
        assert regenerated.customers == DEMO_CUSTOMERS
        assert (tmp_path / f"{run}.csv").read_bytes() == demo.import_file.read_bytes()
        digests.append(_customers_digest(engine))
    assert digests[0] == digests[1]


def test_demo_customers_came_through_import_and_geocoding(engine, demo):
    truth = pd.read_csv(demo.truth_file).set_index("external_id")
    with engine.connect() as conn:
        placed = (
            pd.read_sql(
                text(
                    "SELECT external_id, geocode_match_level AS level, ST_X(geom) AS lon, "
                    "ST_Y(geom) AS lat, last_import_id FROM crm.customers WHERE source = 'demo'"
                ),
                conn,
            )
            .set_index("external_id")
            .join(
                truth[["noise", "lon", "lat"]].add_suffix("_t").rename(columns={"noise_t": "noise"})
            )
        )
    assert placed["last_import_id"].notna().all()
    fake = placed[placed["noise"] == "nonexistent"]
    assert len(fake) > 0 and (fake["level"] == "none").all() and fake["lon"].isna().all()
    real = placed[placed["noise"] != "nonexistent"]
    metres = np.hypot(
        (real["lon"] - real["lon_t"]) * 111_320 * np.cos(np.radians(60.17)),
        (real["lat"] - real["lat_t"]) * 111_320,
    )
    assert (metres < 50).mean() >= 0.97
    assert demo.geocoded == len(real[real["level"] != "none"])


def test_the_base_has_an_80_20_shape_and_coherent_signals(engine, demo):
    with engine.connect() as conn:
        df = pd.read_sql(
            text(
                "SELECT c.stage, c.annual_revenue::float8 AS revenue, c.satisfaction, "
                "c.churn_risk, "
                "c.lifetime_value::float8 AS ltv, c.relationship_start, "
                "count(i.*) FILTER (WHERE i.type = 'complaint') AS complaints, "
                "count(i.*) FILTER (WHERE i.type = 'order') AS orders, "
                "max(i.occurred_at) AS last_seen "
                "FROM crm.customers c LEFT JOIN crm.interactions i USING (customer_id) "
                "WHERE c.source = 'demo' GROUP BY c.customer_id"
            ),
            conn,
        )
        span = conn.execute(
            text("SELECT max(occurred_at) - min(occurred_at) FROM crm.interactions")
        ).scalar()
    assert 0.7 <= top_share(df["revenue"].to_numpy()) <= 0.9
    assert set(df["stage"]) == {
        "prospect",
        "customer",
        "client",
        "supporter",
        "advocate",
        "partner",
    }
    prospects = df[df["stage"] == "prospect"]
    assert (prospects["revenue"] == 0).all() and prospects["relationship_start"].isna().all()
    assert (prospects["orders"] == 0).all()
    # complaints lower satisfaction and raise churn risk
    assert np.corrcoef(df["complaints"], df["satisfaction"])[0, 1] < -0.3
    assert (
        df[df["complaints"] >= 2]["churn_risk"].mean()
        > df[df["complaints"] == 0]["churn_risk"].mean()
    )
    # some customers destroy value
    assert (df["ltv"] < 0).any()
    assert 300 <= span.days <= 366


def test_import_file_is_typed_like_people_type(engine, demo):
    typed = pd.read_csv(demo.import_file)
    truth = pd.read_csv(demo.truth_file)
    assert len(typed) == len(truth) == DEMO_CUSTOMERS
    assert list(typed.columns[:4]) == ["external_id", "name", "kind", "address"]
    assert set(truth["noise"]) == set(NOISE_KINDS)
    lower = truth[truth["noise"] == "lower_case"]
    assert (lower["typed_address"] == lower["typed_address"].str.lower()).all()
    swedish = truth[truth["noise"] == "swedish_name"]
    assert swedish["typed_address"].str.contains("gatan|vägen|Helsingfors").mean() > 0.8
    with engine.connect() as conn:
        streets = set(conn.execute(text("SELECT DISTINCT street FROM ref.addresses")).scalars())
    fake = truth[truth["noise"] == "nonexistent"]["typed_address"].str.rsplit(" ", n=1).str[0]
    assert fake.size > 0 and not set(fake) & streets


def test_rerun_with_same_settings_is_skipped_and_other_rows_survive(engine, demo, tmp_path):
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO crm.customers (external_id, name, kind, region, source, "
                "assigned_rep_id) SELECT 'USER-1', 'Kept Customer Oy', 'business', "
                "'helsinki', 'import', rep_id FROM crm.reps WHERE external_id = 'DEMO-REP-01'"
            )
        )
    try:
        skipped = generate_demo_data(
            engine, customers=DEMO_CUSTOMERS, seed=DEMO_SEED, out=demo.import_file, progress=False
        )
        assert skipped.unchanged
        generate_demo_data(engine, customers=50, seed=3, out=tmp_path / "small.csv", progress=False)
        with engine.connect() as conn:
            counts = dict(
                conn.execute(text("SELECT source, count(*) FROM crm.customers GROUP BY 1")).all()
            )
        assert counts == {"demo": 50, "import": 1}
        with engine.connect() as conn:  # regenerating the demo keeps your customer's rep
            rep = conn.execute(
                text(
                    "SELECT r.external_id FROM crm.customers c JOIN crm.reps r "
                    "ON r.rep_id = c.assigned_rep_id WHERE c.external_id = 'USER-1'"
                )
            ).scalar()
        assert rep == "DEMO-REP-01"
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM crm.customers WHERE external_id = 'USER-1'"))
        generate_demo_data(
            engine,
            customers=DEMO_CUSTOMERS,
            seed=DEMO_SEED,
            out=demo.import_file,
            force=True,
            progress=False,
        )
