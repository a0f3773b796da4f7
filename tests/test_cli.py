"""The ``geocrm`` command: the same domain functions, errors as messages and exit codes."""

from geocrm.cli import main


def test_db_url_and_migrate_use_the_configured_database(use_database, capsys):
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
