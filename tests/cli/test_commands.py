"""The ``geocrm`` command: the same domain functions, errors as messages and exit codes."""

import csv

from sqlalchemy import text

from geocrm.cli import main


def test_db_url_and_migrate_use_the_configured_database(engine, use_database, capsys):
    assert main(["db", "url"]) == 0
    assert capsys.readouterr().out.strip() == use_database
    assert main(["db", "migrate"]) == 0
    assert "migrations applied: none" in capsys.readouterr().out


def test_db_start_with_database_url_manages_nothing(use_database, capsys):
    assert main(["db", "start"]) == 0
    assert "DATABASE_URL is set" in capsys.readouterr().out


def test_load_osm_prints_the_census_table(use_database, city, capsys):
    assert main(["load-osm"]) == 0
    out = capsys.readouterr().out
    assert "already loaded" in out and "buildings         500" in out


def test_errors_become_messages_and_exit_codes(use_database, capsys, tmp_path):
    assert main(["load-osm", str(tmp_path / "nowhere.osm.pbf")]) == 3
    assert "No such OSM file" in capsys.readouterr().err
    assert main(["demo-data", "--dataset", "atlantis"]) == 3
    assert "No loaded city named 'atlantis'" in capsys.readouterr().err


def test_geocode_a_csv_file_keeps_the_script_contract(use_database, city, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text("id,address\nA1,Aleksanterink. 5\nA2,Olematonkatu 3\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["geocode", str(source), "--out", str(out)]) == 0
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    contract = ["id", "lat", "lon", "match_level", "confidence", "matched_address"]
    assert next(iter(rows[0])) == "id" and set(contract) <= set(rows[0])
    assert [(r["id"], r["match_level"]) for r in rows] == [("A1", "address"), ("A2", "none")]
    assert rows[0]["matched_address"].startswith("Aleksanterinkatu 5")
    assert main(["geocode", str(source), "--out", str(out), "--address-column", "osoite"]) == 2
    assert "osoite" in capsys.readouterr().err


def test_import_from_the_command_line(engine, use_database, city, tmp_path, capsys):
    source = tmp_path / "c.csv"
    source.write_text("external_id,name,lat,lon\nT-cli,Oy Cli Ab,60.171,24.9415\n")
    try:
        assert main(["import", "customers", str(source)]) == 0
        out = capsys.readouterr().out
        assert "1 imported, 0 updated, 0 unchanged, 0 rejected" in out
        import_id = out.split("#", 1)[1].split()[0]
        assert main(["import", "status", import_id]) == 0
        assert '"status": "succeeded"' in capsys.readouterr().out
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM crm.customers WHERE external_id = 'T-cli'"))
