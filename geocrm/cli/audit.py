"""``geocrm audit``: who did what, newest first (sign-ins, changes, imports, exports)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from typing import Any

from geocrm.auth import audit
from geocrm.cli.shared import migrated_engine, positive, print_json, text_table


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``audit`` command."""
    cmd = sub.add_parser("audit", help="the audit log: who did what, newest first")
    cmd.add_argument("--since", metavar="ISO", help="at or after this date or time (ISO 8601)")
    cmd.add_argument("--action", metavar="A", help="only this action, e.g. customers.forget")
    cmd.add_argument("--actor", metavar="EMAIL", help="only this actor (an e-mail, cli:<user>)")
    cmd.add_argument(
        "--limit", type=positive, default=100, metavar="N", help="at most N entries (100)"
    )
    cmd.add_argument("--json", action="store_true", help="machine-readable output")
    cmd.set_defaults(func=cmd_audit)


def cmd_audit(args: argparse.Namespace) -> int:
    """Print the latest audit entries matching the filters."""
    found = audit.entries(
        migrated_engine(),
        since=args.since,
        action=args.action,
        actor=args.actor,
        limit=args.limit,
    )
    if args.json:
        print_json(found)
    else:
        print(audit_table(found) if found else "no audit entries match")
    return 0


def audit_table(found: Sequence[Mapping[str, Any]]) -> str:
    """Audit entries as a text table (the detail as compact JSON)."""
    header = ("id", "at", "actor", "action", "target", "detail")
    rows = [
        (
            str(e["audit_id"]),
            str(e["at"])[:19],
            e["actor"],
            e["action"],
            e["target"] or "-",
            json.dumps(e["detail"], ensure_ascii=False, separators=(",", ":"))
            if e["detail"]
            else "-",
        )
        for e in found
    ]
    return text_table(header, rows)
