"""The house stays one-way: small modules, imports at the top, layers written down.

The layers themselves are an import-linter contract in ``pyproject.toml`` (``make test``
runs ``lint-imports``); these tests keep the rest of the rules of the house.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "geocrm"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 600
#: Optional or heavy third-party packages a function may import late, to keep ``import
#: geocrm...`` (and so every CLI command) fast or to work without an optional extra.
DEFERRED = frozenset(
    {"freetype", "geopy", "ortools", "osmium", "pyarrow", "pyogrio", "pyproj", "pyrosm", "uvicorn"}
)
#: issue 16, hotspots: PySAL (esda, libpysal) loads in seconds and only Gi* needs it
DEFERRED |= {"esda", "libpysal"}


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_a_module_reads_in_one_sitting(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{_name(path)} has {lines} lines: split it along its seams"


def _late_imports(tree: ast.Module):
    """Import statements inside functions (module-level and class-level ones are fine)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    yield inner


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_imports_sit_at_the_top_unless_they_defer_a_heavy_dependency(path):
    source = path.read_text()
    lines = source.splitlines()
    for node in _late_imports(ast.parse(source)):
        modules = (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [a.name for a in node.names]
        )
        where = f"{_name(path)}:{node.lineno}"
        for module in modules:
            assert module.split(".")[0] in DEFERRED, (
                f"{where} imports {module} inside a function: import it at the top"
            )
        said = lines[node.lineno - 1] + (lines[node.lineno - 2] if node.lineno > 1 else "")
        assert "#" in said, f"{where} defers an import: say why in a comment on or above it"
