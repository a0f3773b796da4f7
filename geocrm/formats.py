"""How numbers and money read, from one setting (``GEOCRM_LOCALE``, ``GEOCRM_CURRENCY``).

The web app formats with ``Intl.NumberFormat`` (``frontend/src/api.js``, ``formatValue``)
and reports with these functions (Babel, the same CLDR data), by the same rules:

* money (a measure whose unit is money: revenue, lifetime value) in whole units with its
  currency: ``1 234 567 €`` in fi-FI, ``€1,234,567`` in en-GB;
* counts, and any value of 100 or more, as whole numbers: ``1 234 567``;
* other values with at most two decimals: ``0,26``.

A measure's unit, as a legend or a heading shows it, is :func:`unit_text`.
"""

from __future__ import annotations

import decimal
from functools import cache

from babel import Locale
from babel.numbers import format_decimal, get_currency_symbol, parse_pattern

from geocrm import vocabulary
from geocrm.settings import format_settings

_MEASURES = {m.name: m for m in vocabulary.MEASURE_LIST}
#: The unit by which the vocabulary marks a money measure (shown in GEOCRM_CURRENCY).
MONEY_UNIT = "EUR"


@cache
def _locale(tag: str) -> Locale:
    return Locale.parse(tag, sep="-")


def _minus(text: str, locale: Locale) -> str:
    """CLDR's minus sign of the locale (U+2212 in fi), as Intl.NumberFormat writes it."""
    if not text.startswith("-"):
        return text
    sign = locale.number_symbols.get("latn", {}).get("minusSign", "-")
    return sign + text[1:]


def _half_up() -> decimal.Context:
    """Halves away from zero, as Intl.NumberFormat rounds (Babel would round them to even)."""
    return decimal.localcontext(rounding=decimal.ROUND_HALF_UP)


def _settings(locale: str | None, currency: str | None) -> tuple[Locale, str]:
    settings = format_settings()
    return _locale(locale or settings.locale), currency or settings.currency


def format_money(value: float, *, locale: str | None = None, currency: str | None = None) -> str:
    """Money in whole units with its currency: ``1 234 567 €`` (fi-FI), ``€1,234,567`` (en-GB)."""
    loc, cur = _settings(locale, currency)
    pattern = parse_pattern(loc.currency_formats["standard"])
    pattern.frac_prec = (0, 0)
    with _half_up():
        text = pattern.apply(value, loc, currency=cur, currency_digits=False)
    return _minus(text, loc)


def format_number(value: float, *, digits: int = 0, locale: str | None = None) -> str:
    """A number grouped as the locale groups it, with at most ``digits`` decimals."""
    loc, _ = _settings(locale, None)
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    with _half_up():
        text = format_decimal(value, format=pattern, locale=loc)
    return _minus(text, loc)


def is_money(measure: str) -> bool:
    """Whether a measure (or ``revenue`` of a customer) is money."""
    known = _MEASURES.get(measure)
    if known is None:  # not a cube measure: a customer's field
        return measure in ("annual_revenue", "revenue", "ltv")
    return known.unit == MONEY_UNIT


def format_value(
    measure: str,
    value: float | None,
    *,
    locale: str | None = None,
    currency: str | None = None,
) -> str:
    """A value of a measure as the app shows it (an en dash for none): money with its currency,
    counts and values of 100 or more whole, others with at most two decimals."""
    if value is None:
        return "\u2013"  # an en dash, as the app shows no value
    if is_money(measure):
        return format_money(value, locale=locale, currency=currency)
    if float(value).is_integer() or abs(value) >= 100:
        return format_number(value, locale=locale)
    return format_number(value, digits=2, locale=locale)


def unit_text(measure: str, *, locale: str | None = None, currency: str | None = None) -> str:
    """A measure's unit as a legend shows it: the currency's symbol for money (``€``), else
    the vocabulary's unit (``customers``, ``index 0-100``)."""
    loc, cur = _settings(locale, currency)
    if is_money(measure):
        return get_currency_symbol(cur, locale=loc)
    known = _MEASURES.get(measure)
    return known.unit if known else ""
