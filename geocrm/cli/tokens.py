"""``geocrm tokens``: API tokens (``Authorization: Bearer``) for scripts and integrations.

``tokens create`` prints only the token on standard output (a script captures it; it is
never shown again); what it made goes to standard error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from geocrm.auth import cli_principal, credentials
from geocrm.cli.shared import migrated_engine, positive32, print_json, text_table


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``tokens`` command and its sub-commands."""
    cmd = sub.add_parser("tokens", help="API tokens: create (printed once), list, revoke")
    actions = cmd.add_subparsers(dest="tokens_action", required=True, metavar="ACTION")

    create = actions.add_parser(
        "create", help="a new token of a user; only the token goes to standard output"
    )
    create.add_argument("email", metavar="EMAIL")
    create.add_argument("--name", default="api", help="what it is for (default api)")
    create.add_argument(
        "--days", type=float, help="expires after D days (default: never; revoke it instead)"
    )
    create.set_defaults(func=cmd_create)

    lst = actions.add_parser("list", help="tokens (never their secrets), of one user or all")
    lst.add_argument("email", metavar="EMAIL", nargs="?")
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    lst.set_defaults(func=cmd_list)

    revoke = actions.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("token_id", metavar="TOKEN_ID", type=positive32)
    revoke.set_defaults(func=cmd_revoke)


def cmd_create(args: argparse.Namespace) -> int:
    """Create a token; print it alone on standard output."""
    token_id, token = credentials.issue_token(
        migrated_engine(), args.email, name=args.name, days=args.days, actor=cli_principal()
    )
    print(token)
    expiry = f"expires in {args.days:g} days" if args.days else "never expires"
    print(
        f"token {token_id} ({args.name!r}) of {args.email.strip().lower()}, {expiry}: "
        "shown once; `geocrm tokens revoke` ends it",
        file=sys.stderr,
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Tokens as a table, or JSON."""
    listed = credentials.list_tokens(migrated_engine(), args.email)
    if args.json:
        print_json(listed)
    else:
        print(token_table(listed) if listed else "no tokens")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    """Revoke a token."""
    credentials.revoke_token(migrated_engine(), args.token_id, actor=cli_principal())
    print(f"token {args.token_id} revoked")
    return 0


def token_table(listed: Sequence[Mapping[str, Any]]) -> str:
    """Tokens (as ``credentials.list_tokens`` returns them) as a text table."""
    header = ("id", "email", "name", "status", "created", "expires", "last used")

    now = dt.datetime.now(dt.UTC)

    def when(value: Any) -> str:
        return str(value)[:16] if value else "-"

    def status(t: Mapping[str, Any]) -> str:
        if t["revoked_at"]:
            return "revoked"
        return "expired" if t["expires_at"] and t["expires_at"] <= now else "active"

    rows = [
        (
            str(t["token_id"]),
            t["email"],
            t["name"],
            status(t),
            when(t["created_at"]),
            when(t["expires_at"]),
            when(t["last_used_at"]),
        )
        for t in listed
    ]
    return text_table(header, rows)
