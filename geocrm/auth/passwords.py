"""Password hashes (argon2id, ``argon2-cffi``'s recommended parameters) and new passwords."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geocrm.errors import InvalidInput

_HASHER = PasswordHasher()  # argon2id
MIN_LENGTH = 10
#: verified when the user is unknown, so that a wrong e-mail costs as long as a wrong password
_DUMMY_HASH = _HASHER.hash("geocrm-no-such-user")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` after checking it is long enough."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"A password needs at least {MIN_LENGTH} characters.")
    if len(password) > 1024:
        raise InvalidInput("A password may have at most 1024 characters.")
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash`` (always spends the hashing time)."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password (about 120 bits), printed once to whoever created the user."""
    return secrets.token_urlsafe(15)


def new_secret() -> str:
    """A random secret for a session id, a CSRF token or an API token."""
    return secrets.token_urlsafe(32)
