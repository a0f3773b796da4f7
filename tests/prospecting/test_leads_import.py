"""A customer file may bring phone, e-mail and web site (issue 16): stored on the customer,
matched against the leads, checked like every other column."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import text

from geocrm.ingest import import_customers, rejects

PREFIX = "T-contact-"


@pytest.fixture
def own(engine, demo):
    yield
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM crm.customers WHERE external_id LIKE :p"), {"p": PREFIX + "%"}
        )


def _write(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _contacts(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT external_id, phone, email, website FROM crm.customers "
                "WHERE external_id LIKE :p"
            ),
            {"p": PREFIX + "%"},
        ).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def test_contact_columns_are_imported_checked_and_kept(engine, own, tmp_path):
    header = ["id", "name", "kind", "lat", "lon", "Telephone", "E-mail", "URL"]
    first = _write(
        tmp_path / "contacts.csv",
        header,
        [
            [
                PREFIX + "1",
                "Kahvila Oy",
                "business",
                60.17,
                24.94,
                "+358 9 123 4567",
                " Info@Kahvila.FI ",
                "https://www.kahvila.fi/",
            ],
            [PREFIX + "2", "Ei Yhteyksiä", "person", 60.17, 24.94, "", "", ""],
            [PREFIX + "3", "Väärä Posti", "business", 60.17, 24.94, "", "posti.kahvila.fi", ""],
            [PREFIX + "4", "Väärä Numero", "business", 60.17, 24.94, "call me", "", ""],
        ],
    )
    report = import_customers(engine, first, progress=False)
    assert (report.inserted, report.rejected) == (2, 2)
    assert _contacts(engine) == {
        PREFIX + "1": ("+358 9 123 4567", "info@kahvila.fi", "https://www.kahvila.fi/"),
        PREFIX + "2": (None, None, None),
    }
    reasons = {r["external_id"]: r["reason"] for r in rejects(engine, report.import_id)}
    assert reasons[PREFIX + "3"] == "email 'posti.kahvila.fi' is not an e-mail address"
    assert reasons[PREFIX + "4"].startswith("phone 'call me' is not a phone number")

    # a file without the columns keeps them; a file with a new number changes it
    import_customers(
        engine,
        _write(
            tmp_path / "again.csv",
            ["id", "name", "kind", "lat", "lon"],
            [[PREFIX + "1", "Kahvila Oy", "business", 60.17, 24.94]],
        ),
        progress=False,
    )
    assert _contacts(engine)[PREFIX + "1"][0] == "+358 9 123 4567"
    changed = import_customers(
        engine,
        _write(
            tmp_path / "phone.csv",
            ["id", "name", "kind", "lat", "lon", "phone"],
            [[PREFIX + "1", "Kahvila Oy", "business", 60.17, 24.94, "09 765 4321"]],
        ),
        progress=False,
    )
    assert changed.updated == 1
    assert _contacts(engine)[PREFIX + "1"] == (
        "09 765 4321",
        "info@kahvila.fi",
        "https://www.kahvila.fi/",
    )
