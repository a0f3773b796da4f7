"""What every command group uses: the database engine, option types, JSON output and the
audit log of what the command line changed or exported."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from geocrm.auth import audit, cli_principal
from geocrm.db import get_engine
from geocrm.errors import InvalidInput
from geocrm.identifiers import parse_id
from geocrm.pipeline import migrate
from geocrm.vocabulary import check_res


def migrated_engine() -> Engine:
    """The engine, with the schema brought up to date first (cheap when it already is)."""
    engine = get_engine()
    migrate(engine)
    return engine


def positive(value: str) -> int:
    """An argparse type: a positive 64-bit id (the API's validation, ``parse_id``)."""
    try:
        return parse_id(value, "the value")
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def positive32(value: str) -> int:
    """An argparse type: a positive id of an ``integer`` column (reps, tokens) or a count."""
    try:
        return parse_id(value, "the value", bits=32)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def resolution(value: str) -> int:
    """An argparse type: one of the cube's H3 resolutions (the API's ``check_res``)."""
    try:
        return check_res(value)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def print_json(payload: object) -> None:
    """Machine-readable output."""
    print(json.dumps(payload, indent=2, default=str, ensure_ascii=False))


def record(action: str, target: str | int | None = None, **detail: Any) -> None:
    """Append to the audit log what a command did, as the command line's administrator
    (``cli:<os user>``). ``detail``: counts, ids, file names; never a customer's data."""
    audit.record_now(
        get_engine(),
        cli_principal(),
        action,
        target=None if target is None else str(target),
        detail=detail,
    )


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Rows of text as left-aligned columns under ``header``."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in [header, *rows]]
    return "\n".join(line.rstrip() for line in lines)
