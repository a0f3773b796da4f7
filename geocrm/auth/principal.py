"""Who is asking: the roles of GeoCRM and the signed-in principal.

- ``admin``: every customer row and aggregate; changes everything, users and tokens.
- ``manager``: the customers of their reps (a set of ``crm.reps`` ids); every aggregate, with
  the k-rule outside their rows; changes territory plans and their reps' accounts.
- ``rep``: their own accounts (``assigned_rep_id``); aggregates of their rows, k-rule outside;
  changes their accounts' notes and visits.
- ``marketer``: every customer row, read-only, for audiences; every aggregate; changes zones.
- ``analyst``: no customer row; aggregates under the k-rule everywhere; changes nothing.

The database enforces the customer rows (``spatial_sql/access.sql``); the API checks what
each role may change (``geocrm.api.access``).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from geocrm.db.scope import Scope

ROLES = ("admin", "manager", "rep", "marketer", "analyst")


@dataclass(frozen=True)
class Principal:
    """A signed-in user (``via``: ``session``, ``token`` or ``cli``)."""

    user_id: int | None
    email: str
    role: str
    reps: tuple[int, ...] = ()
    display_name: str | None = None
    via: str = "session"

    def scope(self, min_cell_count: int = 5) -> Scope:
        """The database scope of this principal's transactions."""
        if self.via == "cli":
            return Scope(system=True, min_cell_count=min_cell_count)
        return Scope(user_id=self.user_id, min_cell_count=min_cell_count)

    @property
    def actor(self) -> str:
        """How the audit log names this principal."""
        return self.email


def cli_principal() -> Principal:
    """The CLI acts as an administrator on the machine that owns the database."""
    return Principal(user_id=None, email=f"cli:{getpass.getuser()}", role="admin", via="cli")


def principal_from_row(row, via: str) -> Principal:
    """A principal from a row with user_id, email, display_name, role, reps."""
    return Principal(
        user_id=row.user_id,
        email=row.email,
        role=row.role,
        reps=tuple(row.reps or ()),
        display_name=row.display_name,
        via=via,
    )
