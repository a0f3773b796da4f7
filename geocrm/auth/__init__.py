"""Users, roles, sign-in (passwords, sessions, API tokens) and the audit log.

What each role may see of the customer rows is enforced by PostgreSQL (row-level
security, ``spatial_sql/access.sql``) from the user each transaction carries
(``geocrm.db.scope``); this package says who that user is.
"""

from geocrm.auth.principal import ROLES, Principal, cli_principal

__all__ = ["ROLES", "Principal", "cli_principal"]
