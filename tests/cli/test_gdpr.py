"""GDPR from the command line: everything held about a person out as JSON, then erased,
with every figure derived from them (the hex cube) brought down by exactly their share."""

from __future__ import annotations

import getpass
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from geocrm.auth.audit import customer_ref, entries
from geocrm.cli import main
from geocrm.cube import build_cube, query_cube, refresh_cube
from geocrm.pipeline import enrich_city

GONE = "T-gdpr-anna"
KEPT = "T-gdpr-bertil"
MEASURES = ("customers", "prospects", "revenue", "ltv", "orders", "complaints", "visits")


@pytest.fixture(scope="module")
def built(engine, demo):
    enrich_city(engine, progress=False)
    return build_cube(engine)


@pytest.fixture
def people(engine, built, use_database, tmp_path, capsys):
    """Two people imported (one with interactions and a refused row in a later import);
    whatever is left of them is removed afterwards."""
    first = tmp_path / "people.csv"
    first.write_text(
        "external_id,name,kind,stage,segment,annual_revenue,lifetime_value,address,lat,lon\n"
        f"{GONE},Anna Esimerkki,person,client,family,1234.50,5000,Bulevardi 5,60.1650,24.9390\n"
        f"{KEPT},Bertil Esimerkki,person,client,family,99,100,Bulevardi 7,60.1651,24.9391\n"
    )
    refused = tmp_path / "refused.csv"
    refused.write_text(
        "external_id,name,stage,lat,lon\n"
        f"{GONE},Anna E.,champion,60.1650,24.9390\n"
        "T-gdpr-other,Someone Else,champion,60.1650,24.9390\n"
    )
    assert main(["import", "customers", str(first)]) == 0
    assert main(["import", "customers", str(refused)]) == 2  # every row refused
    capsys.readouterr()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO crm.interactions (customer_id, type, channel, occurred_at, amount) "
                "SELECT customer_id, t, 'web', CAST(:month AS date) + interval '3 days 12 hours', "
                "10 FROM crm.customers, unnest(ARRAY['order', 'order', 'complaint', 'visit']) t "
                "WHERE external_id = :id"
            ),
            {"id": GONE, "month": _month(engine) + "-01"},
        )
    refresh_cube(engine)
    yield
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM crm.customers WHERE external_id IN (:a, :b)"), {"a": GONE, "b": KEPT}
        )
        conn.execute(text("DELETE FROM crm.import_rejects WHERE external_id LIKE 'T-gdpr-%'"))
    refresh_cube(engine)


def _month(engine) -> str:
    """The last month of activity of the demo data (YYYY-MM)."""
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT to_char(max(month), 'YYYY-MM') FROM cube.activity_facts")
        ).scalar_one()


def _totals(engine, month: str | None = None) -> dict[str, float]:
    filters = {"month": month} if month else {}
    cells = query_cube(engine, res=5, filters=filters)
    return {m: round(sum(c[m] for c in cells), 2) for m in MEASURES}


def test_export_data_holds_the_row_interactions_enrichment_rejects_and_geocoding(
    engine, people, tmp_path, capsys
):
    assert main(["customers", "export-data", GONE]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["external_id"] == GONE
    assert data["customer"]["name"] == "Anna Esimerkki"
    assert data["customer"]["annual_revenue"] == 1234.5
    assert sorted(i["type"] for i in data["interactions"]) == [
        "complaint",
        "order",
        "order",
        "visit",
    ]
    assert data["enrichment"]["customer_id"] == data["customer"]["customer_id"]
    assert data["enrichment"]["h3_11"]
    assert [(r["external_id"], r["raw"]["name"]) for r in data["import_rejects"]] == [
        (GONE, "Anna E.")
    ]
    assert "stage" in data["import_rejects"][0]["reason"]
    geo = data["geocoding"]
    assert geo["geocode_match_level"] == "provided"
    assert (round(geo["lon"], 4), round(geo["lat"], 4)) == (24.939, 60.165)
    assert KEPT not in json.dumps(data)

    out = tmp_path / "anna.json"
    assert main(["customers", "export-data", GONE, "--out", str(out)]) == 0
    assert capsys.readouterr().out == ""
    assert json.loads(out.read_text())["customer"]["external_id"] == GONE
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    exported = entries(engine, action="customers.export_data", limit=2)
    assert exported[0]["target"] == customer_ref(GONE) and exported[0]["detail"]["file"] == (
        "anna.json"
    )
    assert main(["customers", "export-data", "T-gdpr-nobody"]) == 3
    assert "No customer" in capsys.readouterr().err


def test_forget_erases_every_trace_and_the_cube_drops_by_exactly_their_share(
    engine, people, monkeypatch, capsys
):
    with engine.connect() as conn:
        cid = conn.execute(
            text("SELECT customer_id FROM crm.customers WHERE external_id = :id"), {"id": GONE}
        ).scalar_one()
        rejects_file = conn.execute(
            text(
                "SELECT j.rejects_file FROM crm.import_rejects r JOIN crm.import_jobs j "
                "USING (import_id) WHERE r.external_id = :id"
            ),
            {"id": GONE},
        ).scalar_one()
    assert GONE in Path(rejects_file).read_text()
    month = _month(engine)
    before, before_month = _totals(engine), _totals(engine, month)

    # asked, and declined: nothing happens
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert main(["customers", "forget", GONE]) == 1
    assert "Erase customer" in capsys.readouterr().err
    assert _totals(engine) == before

    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    assert main(["customers", "forget", GONE]) == 0
    out = capsys.readouterr().out
    assert "1 row, 4 interaction(s), 1 enrichment row, 1 refused import row(s)" in out
    assert "1 rejects report(s) rewritten" in out and "cells refreshed" in out

    after, after_month = _totals(engine), _totals(engine, month)
    share = {"customers": 1, "revenue": 1234.5, "ltv": 5000, "orders": 2, "complaints": 1}
    share["visits"] = 1
    assert {m: round(before[m] - after[m], 2) for m in MEASURES} == {
        m: share.get(m, 0) for m in MEASURES
    }
    assert {m: round(before_month[m] - after_month[m], 2) for m in MEASURES} == {
        m: share.get(m, 0) for m in MEASURES
    }
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cube.dirty_cells")).scalar() == 0

    # nothing of the row remains in any crm table: not the external id, not the customer id
    with engine.connect() as conn:
        tables = conn.execute(
            text(
                "SELECT t.table_name, EXISTS (SELECT 1 FROM information_schema.columns c "
                "WHERE c.table_schema = 'crm' AND c.table_name = t.table_name "
                "AND c.column_name = 'customer_id') AS has_id "
                "FROM information_schema.tables t "
                "WHERE t.table_schema = 'crm' AND t.table_type = 'BASE TABLE'"
            )
        ).all()
        assert len(tables) > 10
        for table, has_id in tables:
            found = conn.execute(
                text(f"SELECT count(*) FROM crm.{table} x WHERE to_jsonb(x)::text LIKE :pattern"),
                {"pattern": f"%{GONE}%"},
            ).scalar()
            assert found == 0, table
            if has_id:
                rows = conn.execute(
                    text(f"SELECT count(*) FROM crm.{table} WHERE customer_id = :cid"),
                    {"cid": cid},
                ).scalar()
                assert rows == 0, table
        kept = conn.execute(
            text("SELECT count(*) FROM crm.customers WHERE external_id = :id"), {"id": KEPT}
        ).scalar()
        other_reject = conn.execute(
            text("SELECT count(*) FROM crm.import_rejects WHERE external_id = 'T-gdpr-other'")
        ).scalar()
        audit_text = conn.execute(
            text("SELECT string_agg(to_jsonb(a)::text, ' ') FROM auth.audit_log a")
        ).scalar()
    assert (kept, other_reject) == (1, 1)
    report = Path(rejects_file).read_text()
    assert GONE not in report and "T-gdpr-other" in report

    # the audit log keeps that it happened, under a digest, and nothing of the person
    assert GONE not in audit_text and "Anna" not in audit_text
    forgot = entries(engine, action="customers.forget", limit=1)[0]
    assert forgot["actor"] == f"cli:{getpass.getuser()}"
    assert forgot["target"] == customer_ref(GONE) and forgot["target"].startswith("sha256:")
    assert forgot["detail"]["interactions"] == 4

    # forgotten is forgotten
    assert main(["customers", "forget", GONE, "--yes"]) == 3
    assert "No customer" in capsys.readouterr().err
    assert main(["customers", "export-data", GONE]) == 3
    capsys.readouterr()


def test_someone_known_only_from_a_refused_import_row_is_exported_and_forgotten(
    engine, people, capsys
):
    other = "T-gdpr-other"
    assert main(["customers", "export-data", other]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["customer"] is None and data["interactions"] == []
    assert [r["raw"]["name"] for r in data["import_rejects"]] == ["Someone Else"]
    assert main(["customers", "forget", other, "--yes"]) == 0
    assert "0 row, 0 interaction(s), 0 enrichment row, 1 refused import row(s)" in (
        capsys.readouterr().out
    )
    with engine.connect() as conn:
        left = conn.execute(
            text(
                "SELECT count(*) FROM crm.import_rejects r "
                "WHERE to_jsonb(r)::text LIKE '%T-gdpr-other%'"
            )
        ).scalar()
    assert left == 0
    assert main(["customers", "export-data", other]) == 3
    capsys.readouterr()
