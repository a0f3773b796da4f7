"""Addresses as people type them: the demo customer file's noise.

Lower case, missing diacritics, abbreviations, apartment suffixes, Swedish names, the number
first, stray punctuation, typos, and a few streets that do not exist: one kind of noise per
row (:data:`NOISE_KINDS`), drawn from the seeded generator, so the geocoder meets what a
user's file holds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NOISE_KINDS = (
    "clean",
    "lower_case",
    "no_diacritics",
    "abbreviation",
    "apartment_suffix",
    "swedish_name",
    "number_first",
    "extra_punctuation",
    "typo",
    "nonexistent",
)

_DIACRITICS = str.maketrans("äöåÄÖÅéü", "aoaAOAeu")
_ABBREVIATIONS = (
    ("katu", "k."),
    ("tie", "t."),
    ("kuja", "kj."),
    ("gatan", "g."),
    ("vägen", "v."),
    ("puistikko", "pst."),
    ("tori", "tr."),
)


def _abbreviate(street: str) -> str:
    for full, short in _ABBREVIATIONS:
        if street.endswith(full):
            return street[: -len(full)] + short
    return street


def _typo(street: str, rng: np.random.Generator) -> str:
    if len(street) < 5:
        return street
    i = int(rng.integers(1, len(street) - 2))
    op = int(rng.integers(3))
    if op == 0:  # swap two neighbours
        return street[:i] + street[i + 1] + street[i] + street[i + 2 :]
    if op == 1:  # drop a letter
        return street[:i] + street[i + 1 :]
    return street[:i] + street[i] + street[i:]  # double a letter


def typed_address(
    street: str,
    street_sv: str | None,
    number: str,
    city: str | None,
    kind: str,
    rng: np.random.Generator,
) -> str:
    """An address as a person would type it, with one kind of noise."""
    city = city or ""
    if kind == "swedish_name" and street_sv:
        sv_city = "Helsingfors" if city == "Helsinki" else city
        return f"{street_sv} {number}, {sv_city}".rstrip(", ")
    if kind == "apartment_suffix":
        suffix = ["A 12", "B 5", "as. 3", "C 21 5. krs", "a 4"][int(rng.integers(5))]
        return f"{street} {number} {suffix}"
    if kind == "number_first":
        return f"{number} {street}"
    if kind == "lower_case":
        return f"{street} {number}, {city}".lower().rstrip(", ")
    if kind == "no_diacritics":
        return f"{street} {number}".translate(_DIACRITICS)
    if kind == "abbreviation":
        return f"{_abbreviate(street)} {number}"
    if kind == "extra_punctuation":
        return f"  {street},  {number} ,{city}. "
    if kind == "typo":
        return f"{_typo(street, rng)} {number}"
    return f"{street} {number}, {city}".rstrip(", ")


def _str(value) -> str | None:
    return value if isinstance(value, str) and value else None


def address_texts(pool: pd.DataFrame) -> np.ndarray:
    """The clean address of every row of an address pool: ``street number, postcode city``."""
    return np.array([_address_text(pool, i) for i in range(len(pool))], dtype=object)


def _address_text(pool: pd.DataFrame, i: int) -> str:
    city = _str(pool["city"].iat[i])
    base = f"{pool['street'].iat[i]} {pool['housenumber'].iat[i]}"
    postcode = _str(pool["postcode"].iat[i])
    tail = " ".join(p for p in (postcode, city) if p)
    return f"{base}, {tail}" if tail else base


def _nonexistent_street(rng: np.random.Generator) -> str:
    stems = ["Olematon", "Kuvitteellinen", "Tuntematon", "Satumaa", "Haavekuva"]
    return stems[int(rng.integers(len(stems)))] + ["katu", "tie", "kuja"][int(rng.integers(3))]


def typed_addresses(customers: pd.DataFrame, rng: np.random.Generator) -> list[str]:
    """Each customer's address as typed, with the row's ``noise`` (in row order)."""
    typed = []
    for row in customers.itertuples(index=False):
        if row.noise == "nonexistent":
            typed.append(f"{_nonexistent_street(rng)} {int(rng.integers(1, 60))}")
        else:
            typed.append(
                typed_address(
                    row.street,
                    _str(row.street_sv),
                    row.housenumber,
                    _str(row.city) or "Helsinki",
                    row.noise,
                    rng,
                )
            )
    return typed
