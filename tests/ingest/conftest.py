"""Fixtures of the import tests."""

from __future__ import annotations

import pytest
from sqlalchemy import text


@pytest.fixture
def clean(engine):
    """Remove what a test imported (customers with a test prefix)."""
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.customers WHERE external_id LIKE 'T-%'"))
