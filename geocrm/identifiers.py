"""The one validation of integer identifiers and numbers given from outside (the API's
paths, query strings and bodies, the command line's arguments).

An id is an ASCII decimal (``str.isdigit()`` also accepts ``'²'``, which ``int()`` refuses)
of at most 20 digits (Python's ``int()`` refuses text over 4,300 digits), within the range
of its database column: ``integer`` (``serial``) or ``bigint`` (``bigserial``, H3 cells).
Anything else is ``InvalidInput`` (a 422 in the API, exit code 2 on the command line) that
says what is wrong; ``geocrm.api.params`` declares the same limits in the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from geocrm.errors import InvalidInput

#: PostgreSQL ``integer`` (``serial`` ids: users, tokens, zones, reps, stores).
INT32_MAX = 2**31 - 1
#: PostgreSQL ``bigint`` (``bigserial`` ids: customers, plans, territories, imports).
INT64_MAX = 2**63 - 1
#: Digits of the longest number any id can be (``INT64_MAX`` has 19; a sign or a zero more).
MAX_DIGITS = 20


def read_decimal(text: str, *, signed: bool = True) -> int | None:
    """The int ``text`` writes in ASCII digits (at most ``MAX_DIGITS``, with an optional
    ``+``/``-`` when ``signed``), else None: not ``'²'``, ``'1_000'``, ``'1.0'`` or ``'0x1'``."""
    text = text.strip()
    digits = text[1:] if signed and text[:1] in "-+" and len(text) > 1 else text
    if digits.isascii() and digits.isdigit() and len(digits) <= MAX_DIGITS:
        return int(text)
    return None


def parse_int(value: Any, what: str, *, lo: int = 1, hi: int = INT64_MAX) -> int:
    """``value`` (an int, or its ASCII decimal text with an optional ``-``) as an int within
    ``lo..hi``; ``InvalidInput`` naming ``what`` otherwise."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        number = read_decimal(value)
    if number is None:
        raise InvalidInput(f"{what} must be an integer {lo}..{hi}, not {_shown(value)}")
    if not lo <= number <= hi:
        raise InvalidInput(f"{what} must be {lo}..{hi}, not {_shown(number)}")
    return number


def parse_id(value: Any, what: str, *, bits: int = 64) -> int:
    """A positive id of a ``bigint`` (``bits=64``) or ``integer`` (``bits=32``) column."""
    return parse_int(value, what, lo=1, hi=INT64_MAX if bits == 64 else INT32_MAX)


def is_id_text(value: Any) -> bool:
    """Whether ``value`` is text that reads as a positive 64-bit id (e.g. a zone given by id
    rather than by name)."""
    number = read_decimal(value, signed=False) if isinstance(value, str) else None
    return number is not None and 0 < number <= INT64_MAX


def _shown(value: Any) -> str:
    """A value as said in an error: its repr cut to 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
