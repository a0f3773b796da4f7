"""The schema comes from the migrations alone, on an empty database, and stays current."""

import pytest
from sqlalchemy import inspect, text

from geocrm.db import make_engine
from geocrm.db.migrate import pending
from geocrm.db.models import Base
from geocrm.errors import SetupError
from geocrm.pipeline import migrate


@pytest.fixture(scope="module")
def empty_engine(make_database):
    engine = make_engine(make_database("geocrm_test_empty"))
    yield engine
    engine.dispose()


def test_migrations_build_the_schema_from_an_empty_database(empty_engine):
    assert pending(empty_engine)  # nothing applied yet
    report = migrate(empty_engine)
    assert report.applied[0].startswith("0001")
    assert pending(empty_engine) == []
    tables = {(s, t) for s in ("ref", "crm") for t in inspect(empty_engine).get_table_names(s)}
    for expected in [
        ("ref", "buildings"),
        ("ref", "pois"),
        ("ref", "addresses"),
        ("ref", "streets"),
        ("ref", "street_nodes"),
        ("crm", "reps"),
        ("crm", "stores"),
        ("crm", "customers"),
        ("crm", "interactions"),
    ]:
        assert expected in tables
    # applying again is a no-op
    assert migrate(empty_engine).applied == []


def test_every_geometry_column_is_4326_with_a_gist_index(engine):
    with engine.connect() as conn:
        columns = conn.execute(
            text(
                "SELECT f_table_schema, f_table_name, f_geometry_column, srid "
                "FROM geometry_columns "
                "WHERE f_table_schema IN ('ref', 'crm')"
            )
        ).all()
        assert len(columns) >= 8
        for schema, table, column, srid in columns:
            assert srid == 4326, (schema, table, column)
            indexed = conn.execute(
                text(
                    "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "JOIN pg_am am ON am.oid = c.relam JOIN pg_attribute a "
                    "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                    "WHERE i.indrelid = CAST(:t AS regclass) AND a.attname = :c "
                    "AND am.amname = 'gist'"
                ),
                {"t": f"{schema}.{table}", "c": column},
            ).scalar()
            assert indexed >= 1, f"{schema}.{table}.{column} has no GiST index"


def test_customer_rows_carry_access_scoping_keys(engine):
    cols = {c["name"] for c in inspect(engine).get_columns("customers", schema="crm")}
    assert {"region", "territory_id", "assigned_rep_id"} <= cols


def test_orm_models_match_the_migrated_tables(engine):
    insp = inspect(engine)
    for table in Base.metadata.sorted_tables:
        db_cols = {c["name"] for c in insp.get_columns(table.name, schema=table.schema)}
        assert {c.name for c in table.columns} == db_cols, table.fullname


def test_an_edited_migration_is_refused(engine):
    with engine.begin() as conn:
        original = conn.execute(
            text("SELECT checksum FROM public.geocrm_migrations WHERE version LIKE '0001%'")
        ).scalar()
        conn.execute(
            text(
                "UPDATE public.geocrm_migrations SET checksum = 'tampered' "
                "WHERE version LIKE '0001%'"
            )
        )
    try:
        with pytest.raises(SetupError, match="changed after it was applied"):
            migrate(engine)
    finally:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE public.geocrm_migrations SET checksum = :c WHERE version LIKE '0001%'"
                ),
                {"c": original},
            )


def test_building_class_normalises_osm_tags(engine):
    with engine.connect() as conn:
        classes = dict(
            conn.execute(
                text("SELECT t, ref.building_class(t) FROM unnest(CAST(:tags AS text[])) t"),
                {"tags": ["apartments", "retail", "office", "church", "warehouse", "hotel", "yes"]},
            ).all()
        )
    assert classes == {
        "apartments": "residential",
        "retail": "retail",
        "office": "office",
        "church": "public",
        "warehouse": "industrial",
        "hotel": "commercial",
        "yes": "other",
    }
