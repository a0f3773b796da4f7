"""``make demo``'s users: one per role, their passwords kept in a 0600 file.

Re-runs change nobody: a demo user that exists keeps its password (and the file keeps its
line); only users created now are appended to the file.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from geocrm.auth import users
from geocrm.auth.principal import Principal
from geocrm.db import query
from geocrm.errors import NotFound

DOMAIN = "demo.geocrm.example"
FILE_NAME = "demo-users.txt"


@dataclass(frozen=True)
class DemoUser:
    """A demo user; ``password`` only when it was created by this run."""

    email: str
    role: str
    reps: tuple[int, ...]
    created: bool
    password: str | None = None


def _plan(engine: Engine) -> list[tuple[str, str, tuple[int, ...]]]:
    """(email, role, reps) of every demo user: the rep works the rep with the most
    customers, the manager manages the two with the most."""
    with engine.connect() as conn:
        top = [row.rep_id for row in conn.execute(query("auth/demo_reps"))]
    if len(top) < 2:
        raise NotFound("The demo users need two reps with customers: run `geocrm demo-data` first.")
    return [
        (f"admin@{DOMAIN}", "admin", ()),
        (f"manager@{DOMAIN}", "manager", (top[0], top[1])),
        (f"rep@{DOMAIN}", "rep", (top[0],)),
        (f"marketer@{DOMAIN}", "marketer", ()),
        (f"analyst@{DOMAIN}", "analyst", ()),
    ]


def ensure_demo_users(
    engine: Engine, password_file: Path, actor: Principal | None = None
) -> list[DemoUser]:
    """Create the demo users that do not exist yet, appending each one's generated password
    to ``password_file`` (created 0600, kept 0600); return every demo user."""
    existing = {u["email"] for u in users.list_users(engine)}
    made: list[DemoUser] = []
    for email, role, reps in _plan(engine):
        if email in existing:
            made.append(DemoUser(email, role, reps, created=False))
            continue
        _, password = users.add_user(
            engine, email, role, reps=reps, display_name=f"Demo {role}", actor=actor
        )
        _append(password_file, f"{role:<9} {email:<32} {password}\n")
        made.append(DemoUser(email, role, reps, created=True, password=password))
    if password_file.exists():
        password_file.chmod(0o600)
    return made


def _append(path: Path, line: str) -> None:
    """Append ``line`` to the 0600 password file (a header first when it is new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever its mode was, it holds passwords
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fd = -1
            if new:
                fh.write(
                    f"# GeoCRM demo users (created {dt.date.today().isoformat()}): "
                    "role, e-mail, password. Sign in at the web app.\n"
                )
            fh.write(line)
    finally:
        if fd >= 0:
            os.close(fd)
