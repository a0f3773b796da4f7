"""The ``geocrm`` command: a thin front door onto the domain functions.

Each sub-command parses its arguments, calls one domain function and prints a summary: the
domain returns data, the command renders it. One module per command group adds its
sub-parsers (``add_parsers``) and handlers. ``GeoCrmError`` subclasses, and the driver and
settings failures ``as_geocrm_error`` translates, become a one-line message on stderr and
their exit code, here in ``main`` and nowhere else.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from geocrm import __version__
from geocrm.cli import (
    audit,
    city,
    cube,
    customers,
    db,
    fonts,
    hotspots,
    leads,
    lookalike,
    report,
    serve,
    territories,
    tokens,
    users,
    visits,
    zones,
)
from geocrm.cli.report import parse_filters
from geocrm.cli.shared import print_json
from geocrm.db.errors import as_geocrm_error
from geocrm.errors import GeoCrmError

__all__ = ["build_parser", "main", "parse_filters", "print_json"]

#: The command groups, in the order ``geocrm --help`` lists their commands.
_GROUPS = (
    db,
    city,
    customers,
    cube,
    zones,
    territories,
    visits,
    leads,
    lookalike,
    hotspots,
    report,
    users,
    tokens,
    audit,
    fonts,
    serve,
)


def build_parser() -> argparse.ArgumentParser:
    """The ``geocrm`` argument parser with every command."""
    parser = argparse.ArgumentParser(prog="geocrm", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"geocrm {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in _GROUPS:
        group.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``geocrm`` console script."""
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except GeoCrmError as exc:
        return _fail(exc)
    except Exception as exc:
        known = as_geocrm_error(exc)
        if known is None:
            raise
        return _fail(known)
    except KeyboardInterrupt:
        print("geocrm: interrupted", file=sys.stderr)
        return 130


def _fail(error: GeoCrmError) -> int:
    """The one place an error becomes a message on stderr and an exit code."""
    print(f"geocrm: error: {error}", file=sys.stderr)
    if error.internal:  # the driver's own words, for the operator at the terminal
        print(f"geocrm: cause: {error.internal}", file=sys.stderr)
    return error.exit_code
