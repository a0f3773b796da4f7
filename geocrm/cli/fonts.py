"""``geocrm fonts build``: the map labels' SDF glyph ranges, rendered from the Noto fonts
(Debian fonts-noto-core) into the web app's ``fonts/`` folder (``make install`` runs it)."""

from __future__ import annotations

import argparse
from pathlib import Path

from geocrm import fonts


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``fonts`` command and its ``build`` sub-command."""
    cmd = sub.add_parser("fonts", help="map label glyphs: build them from the Noto fonts")
    actions = cmd.add_subparsers(dest="fonts_action", required=True, metavar="ACTION")
    build = actions.add_parser(
        "build",
        help="render the SDF glyph ranges of every fontstack (skipped when up to date)",
    )
    build.add_argument(
        "--out", type=Path, default=None, help=f"folder to write to (default {fonts.GLYPHS_ROOT})"
    )
    build.add_argument(
        "--font-dir", type=Path, default=fonts.FONT_DIR, help="where the .ttf files are"
    )
    build.add_argument("--force", action="store_true", help="render again even if up to date")
    build.set_defaults(func=cmd_build)


def cmd_build(args: argparse.Namespace) -> int:
    """Build the glyph ranges; one line per fontstack."""
    for name, ranges in fonts.build(args.out, font_dir=args.font_dir, force=args.force):
        print(f"{name}: {f'{ranges} glyph ranges written' if ranges else 'up to date'}")
    return 0
