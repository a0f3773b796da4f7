"""The command line reads ids and resolutions with the API's validation: a bad one is a
clear usage error (exit 2), never a traceback."""

from __future__ import annotations

import pytest

from geocrm.cli import main
from tests.api.bad_identifiers import BAD_IDENTIFIERS

#: argv with {} where the bad value goes, and whether it is a bigint id (2^31 is one)
COMMANDS = [
    (["territories", "publish", "{}"], True),
    (["territories", "copy", "{}"], True),
    (["territories", "design", "--k", "{}"], False),
    (["territories", "design", "--k", "3", "--measure", "customers", "--res", "{}"], False),
    (["territories", "design", "--k", "3", "--measure", "customers", "--based-on", "{}"], True),
    (["tokens", "revoke", "{}"], False),
    (["routes", "plan", "--rep", "{}"], False),
]
#: Bad values argv can carry (a NUL byte cannot be in a process's arguments).
VALUES = {k: v for k, v in BAD_IDENTIFIERS.items() if "\x00" not in v}
CASES = [
    pytest.param(argv, name, id=f"{' '.join(argv)}-{name}")
    for argv, bigint in COMMANDS
    for name in VALUES
    if not (bigint and name == "int32_overflow")
]


@pytest.mark.parametrize("argv,name", CASES)
def test_a_bad_id_on_the_command_line_is_a_usage_error(argv, name, capsys):
    with pytest.raises(SystemExit) as stopped:
        main([a.replace("{}", VALUES[name]) for a in argv])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "error: argument" in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["superscript_two", "digits_4400", "minus_one", "decimal"])
def test_import_status_and_lock_indexes_refuse_bad_numbers(name, use_database, capsys):
    value = BAD_IDENTIFIERS[name]
    assert main(["import", "status", value]) == 2
    assert "import status needs an import id" in capsys.readouterr().err
    lock = ["territories", "design", "--k", "3", "--measure", "customers"]
    assert main([*lock, "--lock", f"891126d9403ffff={value}"]) == 2
    assert "INDEX must be" in capsys.readouterr().err
