"""Fixtures of the import tests."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from geocrm.db import bulk_transaction


@pytest.fixture
def clean(engine):
    """Remove what a test imported (customers with a test prefix)."""
    yield
    with bulk_transaction(engine) as conn:  # the kill test leaves 300,000: no statement timeout
        conn.execute(text("DELETE FROM crm.customers WHERE external_id LIKE 'T-%'"))
