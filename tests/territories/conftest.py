"""Fixtures of the territory tests: the demo city enriched once for the package."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geocrm.api.app import create_app
from geocrm.pipeline import after_customer_change, enrich_city


@pytest.fixture(scope="package")
def enriched(engine, demo):
    """The demo customers enriched, for every test of the package; their territories and
    reps restored afterwards."""
    enrich_city(engine, progress=False)
    with engine.connect() as conn:
        saved = conn.execute(
            text("SELECT customer_id, territory_id, assigned_rep_id FROM crm.customers")
        ).all()
    yield
    # leave the customers as the other test modules expect them
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE crm.customers c SET territory_id = s.t, assigned_rep_id = s.r "
                "FROM unnest(CAST(:ids AS bigint[]), CAST(:ts AS bigint[]), "
                "CAST(:rs AS integer[])) s (id, t, r) WHERE c.customer_id = s.id"
            ),
            {
                "ids": [r[0] for r in saved],
                "ts": [r[1] for r in saved],
                "rs": [r[2] for r in saved],
            },
        )
        conn.execute(
            text("UPDATE crm.territory_plans SET active = false, status = 'archived' WHERE active")
        )
    after_customer_change(engine, enrich_customers=False)


@pytest.fixture(scope="package")
def api(app_engine, enriched, admin_token) -> TestClient:
    return TestClient(create_app(app_engine), headers={"Authorization": f"Bearer {admin_token}"})
