"""Reading customer files, with no database: rows streamed with their line and problem."""

from __future__ import annotations

import pytest

from geocrm.errors import InvalidInput, NotFound
from geocrm.ingest import open_customer_file


def test_a_semicolon_csv_streams_rows_with_their_line_and_keeps_decimal_commas(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text(
        "Asiakasnumero;name;lat;lon\nT-1;Oy Testi Ab;60,1710;24,9415\nT-2;Second;60,1675;24,9480\n",
        encoding="utf-8-sig",
    )
    fmt, columns, rows = open_customer_file(path, {"Asiakasnumero": "external_id"})
    assert fmt == "csv"
    assert columns == {"external_id": 0, "name": 1, "lat": 2, "lon": 3}
    assert list(rows) == [
        (2, None, ["T-1", "Oy Testi Ab", "60,1710", "24,9415"]),  # the SQL pass reads them
        (3, None, ["T-2", "Second", "60,1675", "24,9480"]),
    ]


def test_a_ragged_row_is_flagged_and_padded_and_a_blank_line_skipped(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("id,name,lat,lon\nT-1,First,60.171,24.9415\n\nT-2,Short\n")
    _, columns, rows = open_customer_file(path)
    assert columns == {"external_id": 0, "name": 1, "lat": 2, "lon": 3}
    assert list(rows) == [
        (2, None, ["T-1", "First", "60.171", "24.9415"]),
        (4, "expected 4 fields, found 2", ["T-2", "Short", None, None]),
    ]


def test_files_that_cannot_be_read_are_clear_errors(tmp_path):
    with pytest.raises(NotFound):
        open_customer_file(tmp_path / "missing.csv")
    (tmp_path / "customers.xlsx").write_text("x")
    with pytest.raises(InvalidInput, match="unsupported file type"):
        open_customer_file(tmp_path / "customers.xlsx")
    (tmp_path / "latin1.csv").write_bytes("external_id,name\nT-l,J\xe4rvinen\n".encode("latin-1"))
    with pytest.raises(InvalidInput, match="not UTF-8"):
        open_customer_file(tmp_path / "latin1.csv")
    (tmp_path / "table.parquet").write_text("not parquet")
    with pytest.raises(InvalidInput, match="not a readable Parquet file"):
        open_customer_file(tmp_path / "table.parquet")
