"""What one field of a customer file may hold, checked row by row before it is staged.

A value that breaks a rule rejects its row (line and reason in the quarantine and the
rejects report), never the file: the other rows still land. The rules:

* a size limit per field (``FIELD_MAX_CHARS``, in characters): 200 for ``external_id``
  (it is indexed and typed into commands), 500 for ``name`` and ``address``, 200 for
  every other field; a longer value is kept in the quarantine cut to its limit;
* no NUL character (PostgreSQL text cannot hold one): it is kept as U+FFFD;
* valid UTF-8 (a CSV line in another encoding): the undecodable bytes are kept as U+FFFD;
* ``external_id`` holds no control characters and no bidirectional overrides (U+202A-U+202E,
  U+2066-U+2069): an identifier must read the same everywhere it is shown. Names and
  addresses keep any printable text (right-to-left scripts, emoji, formula-like text: the
  exports neutralise formulas).
"""

from __future__ import annotations

import unicodedata

from geocrm.ingest.columns import FIELDS

#: The most characters a field of an import may hold; the other fields: ``DEFAULT_MAX_CHARS``.
DEFAULT_MAX_CHARS = 200
FIELD_MAX_CHARS = {
    **dict.fromkeys(FIELDS, DEFAULT_MAX_CHARS),
    "external_id": 200,
    "name": 500,
    "address": 500,
}
_LIMITS = tuple(FIELD_MAX_CHARS[f] for f in FIELDS)
#: A row whose fields hold at most this many characters in all, all printable, is within
#: every rule (the fast path: no per-field look).
_FAST_CHARS = min(_LIMITS)
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_REPLACEMENT = "\ufffd"


def screen_row(
    values: list[str | None], problem: str | None
) -> tuple[str | None, list[str | None]]:
    """Check one row's values (in ``FIELDS`` order) against the rules of the module.

    Returns the row's problem (the reader's, joined with what is found here) and the
    values as they can be staged (cut to their limit, NUL and invalid UTF-8 replaced).
    """
    text = "".join(filter(None, values))
    # NUL, undecodable bytes (lone surrogates), controls and bidi overrides are not printable
    if len(text) <= _FAST_CHARS and text.isprintable():
        return problem, values
    return _screen_fields(values, problem)


def _screen_fields(
    values: list[str | None], problem: str | None
) -> tuple[str | None, list[str | None]]:
    problems = [problem] if problem else []
    out: list[str | None] = []
    for field, limit, value in zip(FIELDS, _LIMITS, values, strict=True):
        if value is None:
            out.append(None)
            continue
        if "\x00" in value:
            problems.append(f"{field} contains a NUL character")
            value = value.replace("\x00", _REPLACEMENT)
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:  # bytes of another encoding, kept as lone surrogates
                problems.append(f"{field} is not valid UTF-8 text")
                value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        if len(value) > limit:
            problems.append(f"{field} is {len(value):,} characters long; the limit is {limit:,}")
            value = value[:limit]
        if field == "external_id" and not value.isprintable() and _unreadable_id(value):
            problems.append("external_id contains control or bidirectional-override characters")
        out.append(value)
    return "; ".join(problems) or None, out


def _unreadable_id(value: str) -> bool:
    """Whether an id holds a control character or a bidirectional override (a space or a
    letter of another script is fine; leading and trailing space is trimmed later)."""
    return any(ch in _BIDI_CONTROLS or unicodedata.category(ch) == "Cc" for ch in value.strip())
