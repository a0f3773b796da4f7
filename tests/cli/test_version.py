"""``geocrm --version`` says which GeoCRM is installed, and needs no database."""

import subprocess
import sys

import pytest

import geocrm
from geocrm.cli import main


def test_version_prints_the_package_version_and_exits_0(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"geocrm {geocrm.__version__}\n"


def test_python_m_geocrm_cli_is_the_same_command():
    done = subprocess.run(
        [sys.executable, "-m", "geocrm.cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"geocrm {geocrm.__version__}\n"
