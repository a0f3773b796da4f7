"""The loaded city's address pool, which the demo generator draws from."""

import pandas as pd
import pytest
from sqlalchemy import text

from geocrm.db import query


@pytest.fixture(scope="package")
def pool(engine, city):
    with engine.connect() as conn:
        dataset_id = conn.execute(text("SELECT dataset_id FROM ref.datasets")).scalar_one()
        return pd.read_sql(query("demo/address_pool"), conn, params={"dataset_id": dataset_id})
