"""What every command group uses: the database engine, option types and JSON output."""

from __future__ import annotations

import argparse
import json

from sqlalchemy import Engine

from geocrm.db import get_engine
from geocrm.pipeline import migrate


def migrated_engine() -> Engine:
    """The engine, with the schema brought up to date first (cheap when it already is)."""
    engine = get_engine()
    migrate(engine)
    return engine


def positive(value: str) -> int:
    """An argparse type: a positive integer."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return number


def print_json(payload: object) -> None:
    """Machine-readable output."""
    print(json.dumps(payload, indent=2, default=str, ensure_ascii=False))
