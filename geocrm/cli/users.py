"""``geocrm users``: who may sign in, with which role and reps; the demo users.

The command line acts as an administrator on the machine that owns the database; every
change lands in the audit log under ``cli:<os user>``. A password is read from standard
input (``--password-stdin``) or generated and printed once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from geocrm.auth import ROLES, cli_principal, users
from geocrm.auth.demo_users import FILE_NAME, ensure_demo_users
from geocrm.cli.shared import migrated_engine, positive, print_json, text_table
from geocrm.errors import InvalidInput
from geocrm.settings import database_settings


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``users`` command and its sub-commands."""
    cmd = sub.add_parser("users", help="who may sign in: add, list, disable, roles, passwords")
    actions = cmd.add_subparsers(dest="users_action", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="add a user (password generated unless given)")
    add.add_argument("email", metavar="EMAIL")
    _role_options(add)
    add.add_argument("--name", dest="display_name", help="the name the app shows")
    _password_stdin(add)
    add.set_defaults(func=cmd_add)

    lst = actions.add_parser("list", help="every user, role, reps, disabled, last seen")
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    lst.set_defaults(func=cmd_list)

    dis = actions.add_parser(
        "disable", help="disable a user at once: sessions end, tokens stop working"
    )
    dis.add_argument("email", metavar="EMAIL")
    dis.set_defaults(func=cmd_disable)

    role = actions.add_parser("set-role", help="change a user's role and reps")
    role.add_argument("email", metavar="EMAIL")
    _role_options(role)
    role.set_defaults(func=cmd_set_role)

    reset = actions.add_parser(
        "reset-password", help="a new password (generated unless given); sessions end"
    )
    reset.add_argument("email", metavar="EMAIL")
    _password_stdin(reset)
    reset.set_defaults(func=cmd_reset_password)

    demo = actions.add_parser(
        "demo",
        help="one demo user per role (make demo); passwords kept in a 0600 file, never rotated",
    )
    demo.add_argument(
        "--file",
        type=Path,
        help=f"the password file (default GEOCRM_HOME/{FILE_NAME})",
    )
    demo.set_defaults(func=cmd_demo)


def _role_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--role", required=True, choices=ROLES)
    parser.add_argument(
        "--rep", type=positive, metavar="REP_ID", help="role rep: their crm.reps id"
    )
    parser.add_argument(
        "--reps",
        type=_id_list,
        metavar="ID,...",
        help="role manager: the crm.reps ids of their reps",
    )


def _password_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (else one is generated and printed once)",
    )


def _id_list(value: str) -> list[int]:
    """An argparse type: ``3,5,8``."""
    try:
        ids = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes ids separated by commas, not {value!r}") from None
    if not ids or min(ids) < 1:
        raise argparse.ArgumentTypeError(f"takes positive ids separated by commas: {value!r}")
    return ids


def _reps(args: argparse.Namespace) -> list[int]:
    """The reps of ``--rep`` / ``--reps`` (the role's rules are checked by ``users``)."""
    if args.rep is not None and args.reps is not None:
        raise InvalidInput("Give --rep (a rep user) or --reps (a manager), not both.")
    if args.rep is not None:
        if args.role != "rep":
            raise InvalidInput("--rep is for --role rep; a manager takes --reps ID,...")
        return [args.rep]
    if args.reps is not None and args.role == "rep":
        raise InvalidInput("A rep user has one rep: --rep REP_ID.")
    return list(args.reps or [])


def read_password() -> str:
    """The first line of standard input, without its line break."""
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise InvalidInput("--password-stdin: standard input held no password.")
    return line


def cmd_add(args: argparse.Namespace) -> int:
    """Add a user; print the generated password once."""
    password = read_password() if args.password_stdin else None
    reps = _reps(args)
    user_id, generated = users.add_user(
        migrated_engine(),
        args.email,
        args.role,
        reps=reps,
        password=password,
        display_name=args.display_name,
        actor=cli_principal(),
    )
    what = f"role {args.role}" + (f", reps {','.join(map(str, reps))}" if reps else "")
    print(f"user {args.email.strip().lower()} added (id {user_id}, {what})")
    _print_generated(generated)
    return 0


def _print_generated(password: str | None) -> None:
    if password is not None:
        print(f"password (shown once, keep it safe): {password}")


def cmd_list(args: argparse.Namespace) -> int:
    """Every user as a table, or JSON."""
    listed = users.list_users(migrated_engine())
    if args.json:
        print_json(listed)
    else:
        print(
            user_table(listed) if listed else "no users yet: `geocrm users add EMAIL --role admin`"
        )
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    """Disable a user."""
    users.disable_user(migrated_engine(), args.email, actor=cli_principal())
    print(f"user {args.email.strip().lower()} disabled: their sessions ended, tokens refused")
    return 0


def cmd_set_role(args: argparse.Namespace) -> int:
    """Change a user's role and reps."""
    reps = _reps(args)
    users.set_role(migrated_engine(), args.email, args.role, reps=reps, actor=cli_principal())
    print(
        f"user {args.email.strip().lower()} is now {args.role}"
        + (f" of reps {','.join(map(str, reps))}" if reps else "")
    )
    return 0


def cmd_reset_password(args: argparse.Namespace) -> int:
    """Set a new password; print the generated one once."""
    password = read_password() if args.password_stdin else None
    generated = users.reset_password(
        migrated_engine(), args.email, password=password, actor=cli_principal()
    )
    print(f"user {args.email.strip().lower()}: password reset, their sessions ended")
    _print_generated(generated)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Create the demo users that do not exist yet; say where their passwords are."""
    path = args.file or database_settings().home / FILE_NAME
    made = ensure_demo_users(migrated_engine(), path, actor=cli_principal())
    for user in made:
        reps = ",".join(map(str, user.reps)) or "-"
        state = "created" if user.created else "exists (password unchanged)"
        print(f"  {user.role:<9} {user.email:<32} reps {reps:<8} {state}")
    print(f"demo users' passwords: {path} (mode 0600)")
    return 0


def user_table(listed: Sequence[Mapping[str, Any]]) -> str:
    """Users (as ``users.list_users`` returns them) as a text table."""
    header = ("id", "email", "role", "reps", "status", "last seen")
    rows = [
        (
            str(u["user_id"]),
            u["email"],
            u["role"],
            ",".join(map(str, u["reps"] or [])) or "-",
            "disabled" if u["disabled_at"] else "active",
            str(u["last_seen_at"])[:19] if u["last_seen_at"] else "-",
        )
        for u in listed
    ]
    return text_table(header, rows)
