"""Address parsing: what people type, as a street key, a house number, a postcode and a city.

Pure text handling, no database: lower case, diacritics folded (``Lonnrotinkatu``),
Finnish and Swedish street-type abbreviations expanded (``Aleksanterink. 5``,
``Mannerheimint.``, ``Alexandersg.``), staircase / apartment / floor suffixes dropped
(``Bulevardi 5 A 12``, ``5 as. 3``, ``5. krs``), lettered numbers and ranges (``12 B``,
``12-14``) and the number before the street understood. The index (``geocrm.geocode.index``)
looks streets up by the keys made here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Set
from typing import NamedTuple

# diacritics to plain letters, and hyphen / en dash / em dash to "-"
_FOLD = {
    **str.maketrans("äåáàâöøóôéèêëüúíïšž\u2010\u2013\u2014", "aaaaaooooeeeeuuiisz---"),
    ord("ß"): "ss",
    ord("æ"): "ae",
}
# Staircase / apartment / floor / courtyard words and what follows them: removed anywhere.
# "5 krs" (no dot) is left alone: there the 5 may be the house number.
_SUFFIXES = re.compile(
    r"""\b\d+(?:\.|st|nd|rd|th)\s*(?:krs|kerros|floor|van)\b\.?
      | \b(?:krs|kerros|floors?|van|vaning|trappa)\b\.?\s*-?\d+(?:\s*-\s*\d+)?
      | \b(?:as|asunto|huoneisto|lgh|lagenhet|bst|bostad|apt|apartment)\b\.?\s*\d*
      | \b(?:pohjakerros|katutaso|sisapiha|street\s+level|ground\s+floor)\b""",
    re.VERBOSE,
)
_POSTCODE = re.compile(r"(?:\bfi-?\s?)?\b(\d{5})\b")
_RANGE_DASH = re.compile(r"(\d)\s*-\s*(\d)")
_JUNK = re.compile(r"[^a-z0-9,.\-\s]+")
_TOKEN = re.compile(r",|[^\s,]+")
# at most 9 digits: no house number is longer, and int() refuses text over 4,300 digits
_NUMBER = re.compile(r"(\d{1,9})([a-z])?(?:-(\d{1,9})[a-z]?)?\.?")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Abbreviated street types at the end of the street name, glued ("Aleksanterink."), after
# a hyphen ("Aleksanterin-k.") or a space ("Aleksanterin k.").
_ABBREVIATIONS = {
    "k": "katu",
    "t": "tie",
    "kj": "kuja",
    "g": "gatan",
    "v": "vagen",
    "pst": "puistikko",
    "tr": "tori",
}
_ABBREVIATION_ALTERNATIVES = "|".join(sorted(_ABBREVIATIONS, key=len, reverse=True))
_ABBREVIATED = re.compile(rf"({_ABBREVIATION_ALTERNATIVES})\.$")
# The same abbreviations typed without their dot, tried only when the exact key misses.
_UNDOTTED = re.compile(rf"({_ABBREVIATION_ALTERNATIVES})$")
# A stored street name that is not just a name ("Caisa, Vilhonkatu", "Pohjoisesplanadi 33").
_DIRTY_STREET = re.compile(r"[\d,]")
_PLAIN_NUMBER = re.compile(r"\s*(\d{1,9})\s*([a-z])?\s*(?:-\s*(\d{1,9})\s*[a-z]?)?\s*")

#: Swedish (and other) names of Finnish cities, folded, to the folded Finnish name.
CITY_ALIASES = {
    "helsingfors": "helsinki",
    "helsinginkaupunki": "helsinki",
    "esbo": "espoo",
    "vanda": "vantaa",
    "grankulla": "kauniainen",
    "abo": "turku",
    "tammerfors": "tampere",
    "uleaborg": "oulu",
    "vasa": "vaasa",
    "borga": "porvoo",
    "kervo": "kerava",
    "lojo": "lohja",
    "hango": "hanko",
    "karleby": "kokkola",
    "jakobstad": "pietarsaari",
    "tavastehus": "hameenlinna",
    "villmanstrand": "lappeenranta",
    "kyrkslatt": "kirkkonummi",
    "sibbo": "sipoo",
}
BASE_CITIES = frozenset(CITY_ALIASES.values())


def fold(text: str) -> str:
    """Lower case with diacritics folded (ä→a, ö→o, å→a, é→e, ü→u, ...)."""
    folded = text.lower().translate(_FOLD)
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return folded


def compact(folded: str) -> str:
    """Letters and digits only: ``"aleksanterin katu"`` → ``"aleksanterinkatu"``."""
    return _NON_ALNUM.sub("", folded)


def _expand(run: str) -> str:
    """Expand an abbreviated street type at the end of a (folded) street name."""
    return _ABBREVIATED.sub(lambda m: _ABBREVIATIONS[m.group(1)], run)


def street_key(name: str) -> str:
    """The index key of a street name: folded, abbreviation expanded, letters and digits."""
    return compact(_expand(fold(name).strip()))


def city_key(city: object) -> str | None:
    """Folded, compact city name with Swedish names mapped to Finnish; None if no letters."""
    if not isinstance(city, str):
        return None
    key = compact(fold(city))
    if not key or key.isdigit():
        return None
    return CITY_ALIASES.get(key, key)


def number_key(number: int, letter: str | None, end: int | None) -> str:
    """Canonical house number: ``12``, ``12b`` or ``12-14``."""
    if end is not None:
        return f"{number}-{end}"
    return f"{number}{letter or ''}"


def number_parts(
    number: str, letter: str | None, end: str | None
) -> tuple[int, str | None, int | None]:
    """Integers of a parsed number; a range is ordered and loses its letters."""
    n = int(number)
    if end is not None and int(end) != n:
        lo, hi = sorted((n, int(end)))
        return lo, None, hi
    return n, letter, None


class ParsedAddress(NamedTuple):
    """A typed address taken apart (see ``parse_address``)."""

    streets: tuple[str, ...]  # street keys to try, the most specific reading first
    street: str | None  # the main reading: the words next to the number
    number: int | None
    letter: str | None
    end: int | None  # end of a range
    postcode: str | None
    city: str | None  # city key
    text_key: str  # all the words (postcode and city removed), compact: for POI names


def expand_undotted(key: str) -> str | None:
    """The street key with an abbreviation typed without its dot expanded, else None.

    ``"mannerheimint"`` → ``"mannerheimintie"``; tried only when the key itself is unknown
    (short keys are left alone: too many real names end in these letters).
    """
    if len(key) > 4 and (short := _UNDOTTED.search(key)):
        return key[: short.start()] + _ABBREVIATIONS[short[1]]
    return None


def plain_street_key(name: str) -> str | None:
    """The key of a stored street name that is just a name; None for a name with a
    number or a comma in it (``"Caisa, Vilhonkatu"``, ``"Pohjoisesplanadi 33"``)."""
    return None if _DIRTY_STREET.search(name) else street_key(name)


def street_part(name: str) -> str:
    """The street of a stored name: ``"Caisa, Vilhonkatu"`` → ``"Vilhonkatu"``,
    ``"Pohjoisesplanadi 33"`` → ``"Pohjoisesplanadi"``; a plain name as it is."""
    if not _DIRTY_STREET.search(name):
        return name
    return re.sub(r"\s+\d.*$", "", name.split(",")[-1].strip())


def parse_plain_number(housenumber: str) -> tuple[int, str | None, int | None] | None:
    """The parts of a stored house number that is only a number (``"12"``, ``"12 B"``,
    ``"12-14"``): ``(number, letter, range end)``; None for anything else."""
    match = _PLAIN_NUMBER.fullmatch(fold(housenumber))
    return number_parts(*match.groups()) if match else None


def _run_key(run: list[str]) -> str:
    return compact(_expand(" ".join(run)))


def parse_address(text: str, cities: Set[str] = BASE_CITIES) -> ParsedAddress:
    """Split a typed address into street readings, house number, postcode and city.

    ``cities``: folded, compact city names to recognise (besides ``CITY_ALIASES``).
    """
    folded = fold(text)
    postcode = None
    if match := _POSTCODE.search(folded):
        postcode = match.group(1)
        folded = folded[: match.start()] + " " + folded[match.end() :]
    folded = _SUFFIXES.sub(" ", folded)
    folded = _RANGE_DASH.sub(r"\1-\2", folded)
    folded = _JUNK.sub(" ", folded)

    # runs of consecutive words (a comma or a number ends a run), where each starts, and
    # the first number
    runs: list[list[str]] = []
    starts: list[int] = []
    first = -1
    number_match = None
    previous_word = False
    for i, token in enumerate(_TOKEN.findall(folded)):
        is_word = False
        if token[0].isdigit() and (m := _NUMBER.fullmatch(token)):
            if first < 0:
                first, number_match = i, m
        elif token != "," and any(c.isalpha() for c in token):
            is_word = True
            if previous_word:
                runs[-1].append(token.strip("-"))
            else:
                runs.append([token.strip("-")])
                starts.append(i)
        previous_word = is_word

    # a run that is a city ("..., Helsinki") is no street; nor is a city ending a longer run
    city = None
    kept: list[tuple[list[str], int]] = []
    for run, start in zip(runs, starts, strict=True):
        whole, last = compact("".join(run)), compact(run[-1])
        if whole in CITY_ALIASES or whole in cities:
            city = CITY_ALIASES.get(whole, whole)
            continue
        if len(run) > 1 and (last in CITY_ALIASES or last in cities):
            city = CITY_ALIASES.get(last, last)
            run = run[:-1]
        kept.append((run, start))

    number = letter = end = None
    if number_match is not None:
        number, letter, end = number_parts(*number_match.groups())
        before = [run for run, start in kept if start < first]
        after = [(run, start) for run, start in kept if start > first]
        # a single letter right after the number is part of it ("12 B", "5 A 12")
        if after and after[0][1] == first + 1 and len(after[0][0][0]) == 1:
            if letter is None and end is None:
                letter = after[0][0][0]
            after[0] = (after[0][0][1:], first + 2)
        after = [run for run, _ in after if run]
        # the street: the words before the number ("Street 5"), else after ("5 Street")
        group = before or after
        main = group[-1] if before else (group[0] if group else None)
    else:
        group = [run for run, _ in kept]
        main = group[0] if group else None
    street = _run_key(main) if main else None
    # readings, most specific first: "Kaivopiha, Mannerheimintie" as one stored name, then
    # the street next to the number, then any other run of words
    readings = ["".join(_run_key(run) for run in group)] if len(group) > 1 else []
    readings += [street or ""] + [_run_key(run) for run in group]
    text_key = "".join(compact(" ".join(run)) for run, _ in kept)
    return ParsedAddress(
        tuple(dict.fromkeys(r for r in readings if r)),
        street,
        number,
        letter,
        end,
        postcode,
        city,
        text_key,
    )


def normalise_address(text: str) -> tuple[str, str | None]:
    """The street key and canonical house number of a typed address.

    The key is what the geocoder looks streets up by: lower case, diacritics folded,
    abbreviations expanded (``k.`` → katu, ``t.`` → tie, ``kj.`` → kuja, ``g.`` → gatan,
    ``v.`` → vägen, ``pst.`` → puistikko, ``tr.`` → tori), spaces and punctuation removed.
    Postcode, city, staircase / apartment / floor suffixes are dropped; a letter right
    after the number is kept (the geocoder falls back to the plain number when the city
    does not have the lettered one).

    Parameters
    ----------
    text : an address as typed, e.g. ``"aleksanterink. 5 b 12, 00100 Helsinki"``.

    Returns
    -------
    tuple
        ``(street_key, housenumber)``: e.g. ``("aleksanterinkatu", "5b")``; the number is
        ``"12"``, ``"12b"`` or ``"12-14"``, or ``None`` when the text has none; the key is
        ``""`` when the text names no street.
    """
    parsed = parse_address(text)
    number = None if parsed.number is None else number_key(parsed.number, parsed.letter, parsed.end)
    return parsed.street or "", number
