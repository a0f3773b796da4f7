"""Offline geocoding against the OpenStreetMap addresses of a loaded city.

``Geocoder`` turns addresses as people type them into points, with no network: lower case,
missing diacritics (``Lonnrotinkatu``), Finnish and Swedish abbreviations
(``Aleksanterink. 5``, ``Mannerheimint.``, ``Alexandersg.``), the street's Swedish name,
staircase / apartment / floor suffixes (``Bulevardi 5 A 12``, ``5 as. 3``, ``5. krs``),
lettered numbers and ranges (``12 B``, ``12-14``), the number before the street, extra
punctuation and typos in the street name.

How an address is found, from the best to the coarsest answer (``MATCH_LEVELS``):

``address``       the street and the number are known (the point of that address);
``interpolated``  the number lies between two known numbers of the same parity on that
                  street: linear interpolation between their points;
``street``        the street is known but the number is not (and is plausible), or no
                  number was given: a representative point of the street;
``poi``           the text is the name of a point of interest (``Hotelli Torni``);
``postcode``      only a postcode was given: the centroid of its addresses;
``none``          anything else. An address the city does not contain is never placed at a
                  guessed point: an unknown street, or a number far beyond the street's
                  known numbers, gives ``none`` with no coordinates.

The index is built once, in memory, from the city's addresses (``from_database`` or
``from_frames``). Street names are indexed by a *key*: lower case, diacritics folded,
abbreviations expanded, spaces and punctuation removed; each key maps to the streets that
carry it (Finnish and Swedish names alike). A lookup is a handful of compiled regular
expressions and dictionary lookups; only when the exact key misses does fuzzy matching
(rapidfuzz, one or two edits: a letter dropped, doubled, replaced or swapped) run, and then
only against the street keys of the same first letter and a similar length, so it stays
fast with millions of addresses. Streets of one name more than ~2 km apart are different
streets; a postcode or city (in the text or as a hint) chooses between them.

``cached_geocoder`` keeps one geocoder per process for servers, ``geocode_csv`` geocodes a
CSV file, and ``reverse_geocode_many`` finds the nearest address of points in PostGIS.

Online geocoding is optional and off by default: ``NominatimProvider`` (geopy) behind the
``OnlineProvider`` interface, and ``CachedRateLimitedProvider``, which caches any
provider's answers in ``crm.geocode_cache`` and spaces its calls.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence, Set
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from sqlalchemy import Engine
from tqdm import tqdm

from geocrm.db import loaded_city, query
from geocrm.errors import InvalidInput, NotFound, SetupError

MATCH_LEVELS = ("address", "interpolated", "street", "poi", "postcode", "none")

#: Typos forgiven in a street name (its key: letters and digits only): one edit (a letter
#: dropped, added, replaced or swapped with its neighbour) from 5 letters, two from 10;
#: shorter names have too many near neighbours.
STREET_TYPOS = {"min_length": 5, "two_edits_from": 10}
#: Typos forgiven in a POI name: one, from 6 letters (brand names collide easily).
POI_TYPOS = {"min_length": 6, "two_edits_from": 1_000}

# Confidence of each level for a perfect match; fuzzy matches and fallbacks scale it down.
_CONFIDENCE = {
    "address": 1.0,
    "interpolated": 0.8,
    "poi": 0.75,
    "street": 0.5,
    "postcode": 0.3,
    "none": 0.0,
}
_FALLBACK = 0.95  # a lettered or ranged number matched to its plain number (or vice versa)
_AMBIGUOUS = 0.8  # several streets of that name and nothing to choose between them
_HINT_MISMATCH = 0.9  # the typed postcode / city is not the street's
_CLUSTER_DEG = 0.02  # ~2 km: addresses of a name farther apart than this are other streets
_POI_SPREAD_M = 300.0  # POIs of one name spread wider than this are a chain, not a place


@dataclass(frozen=True)
class GeocodeResult:
    """Where an address is, and how sure the geocoder is.

    Attributes
    ----------
    lat, lon : WGS84 degrees; ``None`` when nothing was found.
    match_level : one of ``MATCH_LEVELS``.
    confidence : 0..1, monotone with match quality; 0 for ``none``.
    matched_address : the address that was matched, e.g.
        ``"Aleksanterinkatu 5, 00100 Helsinki"``; ``None`` for ``none``.
    """

    lat: float | None
    lon: float | None
    match_level: str
    confidence: float
    matched_address: str | None


NO_MATCH = GeocodeResult(None, None, "none", 0.0, None)


# -- normalising what people type -------------------------------------------------------------
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
_NUMBER = re.compile(r"(\d+)([a-z])?(?:-(\d+)[a-z]?)?\.?")
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
_PLAIN_NUMBER = re.compile(r"\s*(\d+)\s*([a-z])?\s*(?:-\s*(\d+)\s*[a-z]?)?\s*")

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
_BASE_CITIES = frozenset(CITY_ALIASES.values())


def _fold(text: str) -> str:
    """Lower case with diacritics folded (ä→a, ö→o, å→a, é→e, ü→u, ...)."""
    folded = text.lower().translate(_FOLD)
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return folded


def _compact(folded: str) -> str:
    return _NON_ALNUM.sub("", folded)


def _expand(run: str) -> str:
    """Expand an abbreviated street type at the end of a (folded) street name."""
    return _ABBREVIATED.sub(lambda m: _ABBREVIATIONS[m.group(1)], run)


def _street_key(name: str) -> str:
    """The index key of a street name: folded, abbreviation expanded, letters and digits."""
    return _compact(_expand(_fold(name).strip()))


def _city_key(city: object) -> str | None:
    """Folded, compact city name with Swedish names mapped to Finnish; None if no letters."""
    if not isinstance(city, str):
        return None
    key = _compact(_fold(city))
    if not key or key.isdigit():
        return None
    return CITY_ALIASES.get(key, key)


def _number_key(number: int, letter: str | None, end: int | None) -> str:
    """Canonical house number: ``12``, ``12b`` or ``12-14``."""
    if end is not None:
        return f"{number}-{end}"
    return f"{number}{letter or ''}"


def _number_parts(
    number: str, letter: str | None, end: str | None
) -> tuple[int, str | None, int | None]:
    """Integers of a parsed number; a range is ordered and loses its letters."""
    n = int(number)
    if end is not None and int(end) != n:
        lo, hi = sorted((n, int(end)))
        return lo, None, hi
    return n, letter, None


class _Parsed(NamedTuple):
    streets: tuple[str, ...]  # street keys to try, the most specific reading first
    street: str | None  # the main reading: the words next to the number
    number: int | None
    letter: str | None
    end: int | None  # end of a range
    postcode: str | None
    city: str | None  # city key
    text_key: str  # all the words (postcode and city removed), compact: for POI names


def _run_key(run: list[str]) -> str:
    return _compact(_expand(" ".join(run)))


def _parse(text: str, cities: Set[str] = _BASE_CITIES) -> _Parsed:
    """Split a typed address into street readings, house number, postcode and city.

    ``cities``: folded, compact city names to recognise (besides ``CITY_ALIASES``).
    """
    folded = _fold(text)
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
        whole, last = _compact("".join(run)), _compact(run[-1])
        if whole in CITY_ALIASES or whole in cities:
            city = CITY_ALIASES.get(whole, whole)
            continue
        if len(run) > 1 and (last in CITY_ALIASES or last in cities):
            city = CITY_ALIASES.get(last, last)
            run = run[:-1]
        kept.append((run, start))

    number = letter = end = None
    if number_match is not None:
        number, letter, end = _number_parts(*number_match.groups())
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
    text_key = "".join(_compact(" ".join(run)) for run, _ in kept)
    return _Parsed(
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
    parsed = _parse(text)
    number = (
        None if parsed.number is None else _number_key(parsed.number, parsed.letter, parsed.end)
    )
    return parsed.street or "", number


# -- the index ---------------------------------------------------------------------------------
class _Street:
    """One street: the addresses of one name within a few kilometres of each other."""

    __slots__ = (
        "cities",
        "city",
        "lat",
        "lon",
        "max_number",
        "name",
        "numbers",
        "parity",
        "postcode",
        "postcodes",
        "size",
    )

    def __init__(self, name: str, lon: float, lat: float):
        self.name = name
        self.lon, self.lat = lon, lat
        # number key -> (address row, primary): primary keys are numbers as stored,
        # secondary ones are plain numbers standing for a lettered number or a range
        self.numbers: dict[str, tuple[int, bool]] = {}
        # per parity (even, odd): sorted known numbers and their address rows
        self.parity: tuple[tuple[list[int], list[int]], ...] = (([], []), ([], []))
        self.max_number = 0
        self.postcode: str | None = None
        self.city: str | None = None
        self.postcodes: frozenset[str] = frozenset()
        self.cities: frozenset[str] = frozenset()
        self.size = 0


class _FuzzyIndex:
    """Known keys blocked by first letter and length, for typo-tolerant lookups.

    A typed key is compared only with the keys of its first letter whose length differs by
    no more than the edits allowed, with the OSA distance (a letter dropped, added,
    replaced or swapped with its neighbour is one edit each). Keys shorter than
    ``min_length`` are never matched; longer ones allow one edit, or two from
    ``two_edits_from`` letters on.
    """

    def __init__(self, keys, *, min_length: int, two_edits_from: int):
        self.min_length = min_length
        self.two_edits_from = two_edits_from
        self._blocks: dict[tuple[str, int], list[str]] = {}
        for key in keys:
            if len(key) >= min_length:
                self._blocks.setdefault((key[0], len(key)), []).append(key)
        self._windows: dict[tuple[str, int], list[str]] = {}

    def best(self, key: str) -> tuple[str, float] | None:
        """The closest known key within the edits allowed, and its similarity (0..1)."""
        length = len(key)
        if length < self.min_length:
            return None
        edits = 1 if length < self.two_edits_from else 2
        window = self._windows.get((key[0], length))
        if window is None:
            window = [
                known
                for n in range(length - edits, length + edits + 1)
                for known in self._blocks.get((key[0], n), ())
            ]
            self._windows[(key[0], length)] = window
        found = process.extract(key, window, scorer=OSA.distance, score_cutoff=edits, limit=3)
        if not found:
            return None
        distance = found[0][1]
        tied = [match for match, d, _ in found if d == distance]
        # keys as close as each other: the one sharing more letters in order
        match = max(tied, key=lambda k: fuzz.ratio(key, k)) if len(tied) > 1 else tied[0]
        return match, 1.0 - distance / max(length, len(match))


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInput(f"{what} frame lacks columns {missing} (needs {list(columns)})")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Equirectangular distance in metres (accurate at city scale)."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_000.0 * math.hypot(x, math.radians(lat2 - lat1))


def _components(cells: list[tuple[int, int]]) -> list[int]:
    """Connected components of grid cells (8-neighbourhood): a label per cell."""
    index = {cell: i for i, cell in enumerate(cells)}
    labels = [-1] * len(cells)
    current = 0
    for start in range(len(cells)):
        if labels[start] >= 0:
            continue
        labels[start] = current
        stack = [start]
        while stack:
            x, y = cells[stack.pop()]
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    j = index.get((x + dx, y + dy))
                    if j is not None and labels[j] < 0:
                        labels[j] = current
                        stack.append(j)
        current += 1
    return labels


def _address_entries(addresses: pd.DataFrame) -> pd.DataFrame:
    """What each stored address is indexed under: a street key and its number's parts.

    Every address is indexed under its street's key. An address whose street is a named
    place and a street ("Kaivopiha, Mannerheimintie") is also indexed under the whole name,
    for those who type it so. Addresses without a number are left out. Most rows are a
    plain name and a plain number, parsed once per distinct value; the rest
    ("26, 14. krs.") go through the typed-address parser.

    Returns
    -------
    DataFrame
        ``row`` (position in ``addresses``), ``key``, ``parts`` (number, letter, range
        end), ``dirty`` (needed the parser), ``place`` (a whole-name entry) and
        ``spelling`` (how many rows spell the street this way: the common spelling's
        point stands for a street and number that several rows give).
    """
    street = addresses["street"].astype(str)
    house = addresses["housenumber"].astype(str)
    street_keys = {
        s: (None if _DIRTY_STREET.search(s) else _street_key(s)) for s in pd.unique(street)
    }
    numbers = {}
    for h in pd.unique(house):
        m = _PLAIN_NUMBER.fullmatch(_fold(h))
        numbers[h] = _number_parts(*m.groups()) if m else None
    key = street.map(street_keys).to_numpy(dtype=object, copy=True)
    parts = house.map(numbers).to_numpy(dtype=object, copy=True)
    dirty = pd.isna(key) | pd.isna(parts)
    place_rows, place_keys = [], []
    for i in np.flatnonzero(dirty):
        parsed = _parse(f"{street.iat[i]} {house.iat[i]}")
        if parsed.street and parsed.number is not None:
            key[i] = parsed.street
            parts[i] = (parsed.number, parsed.letter, parsed.end)
            if "," in street.iat[i]:
                place_rows.append(i)
                place_keys.append(_street_key(street.iat[i]))
    spelling = street.map(street.value_counts()).to_numpy()
    rows = np.arange(len(street))
    entries = pd.DataFrame(
        {"row": rows, "key": key, "parts": parts, "dirty": dirty, "place": False}
    )
    places = pd.DataFrame(
        {
            "row": np.array(place_rows, dtype=np.int64),
            "key": pd.Series(place_keys, dtype=object),
            "parts": pd.Series([parts[i] for i in place_rows], dtype=object),
            "dirty": False,
            "place": True,
        }
    )
    entries = pd.concat([entries, places], ignore_index=True)
    entries["spelling"] = spelling[entries["row"].to_numpy()]
    return entries[entries["key"].notna() & entries["parts"].notna()].reset_index(drop=True)


class OnlineProvider(Protocol):
    """A geocoder behind a network service (optional; never needed offline)."""

    def geocode(self, address: str) -> GeocodeResult:
        """Geocode one address."""
        ...


class Geocoder:
    """An in-memory geocoder over a city's addresses, streets and POIs.

    Build it with ``from_database`` (the loaded city) or ``from_frames``; then ``geocode``
    and ``geocode_many`` answer without touching the database.
    """

    def __init__(
        self,
        addresses: pd.DataFrame,
        streets: pd.DataFrame | None = None,
        pois: pd.DataFrame | None = None,
    ):
        _require(
            addresses,
            ("street", "street_sv", "housenumber", "postcode", "city", "lon", "lat"),
            "addresses",
        )
        frame = addresses.dropna(subset=["street", "housenumber", "lon", "lat"])
        frame = frame.reset_index(drop=True)
        entries = _address_entries(frame)

        self._lon: list[float] = frame["lon"].astype(float).tolist()
        self._lat: list[float] = frame["lat"].astype(float).tolist()
        # the number as displayed: as stored when plain, else canonical ("26, 14. krs." -> 26)
        self._house: list[str] = frame["housenumber"].astype(str).str.strip().tolist()
        for row, parts in entries.loc[entries["dirty"], ["row", "parts"]].itertuples(index=False):
            self._house[row] = _number_key(*parts)
        self._postcode: list[str | None] = [_text(p) for p in frame["postcode"]]
        # cities with letters ("7" is no city), and their keys (Swedish names -> Finnish)
        city_text = frame["city"].fillna("").astype(str)
        city_of = {c: _city_key(c) for c in pd.unique(city_text)}
        city_keys = [city_of[c] for c in city_text]
        self._city: list[str | None] = [
            c.strip() if k else None for c, k in zip(city_text, city_keys, strict=True)
        ]
        self._cities = _BASE_CITIES | {k for k in city_of.values() if k}

        self._streets: list[_Street] = []
        self._street_keys: dict[str, list[int]] = {}
        self._build_streets(frame, entries, city_keys)
        self._add_street_points(streets)
        self._street_fuzzy = _FuzzyIndex(self._street_keys, **STREET_TYPOS)
        self._postcodes = self._postcode_centroids()
        self._pois: dict[str, tuple[float, float, str, bool]] = {}
        self._add_pois(pois)
        self._poi_fuzzy = _FuzzyIndex(self._pois, **POI_TYPOS)

    # -- construction ------------------------------------------------------------------
    @classmethod
    def from_frames(
        cls,
        addresses: pd.DataFrame,
        streets: pd.DataFrame | None = None,
        pois: pd.DataFrame | None = None,
    ) -> Geocoder:
        """Build a geocoder from data frames (no database).

        Parameters
        ----------
        addresses : columns ``street, street_sv, housenumber, postcode, city, lon, lat``.
            When several rows give the same street and number, the first one's point wins.
        streets : optional, columns ``name_fi, name_sv, lon, lat``: a representative point
            per street, for streets that have no address (and Swedish names the addresses
            lack).
        pois : optional, columns ``name, lon, lat``.

        Returns
        -------
        Geocoder
        """
        return cls(addresses, streets, pois)

    @classmethod
    def from_database(cls, engine: Engine, dataset: str | None = None) -> Geocoder:
        """Build a geocoder from a city loaded with ``geocrm load-osm``.

        Parameters
        ----------
        engine : the database.
        dataset : the loaded city's name; ``None`` for the most recently loaded one.

        Returns
        -------
        Geocoder

        Raises
        ------
        NotFound
            When no such city is loaded.
        """
        with engine.connect() as conn:
            dataset_id = _dataset_id(conn, dataset)
            params = {"dataset_id": dataset_id}
            addresses = pd.read_sql(query("geocode/addresses"), conn, params=params)
            streets = pd.read_sql(query("geocode/streets"), conn, params=params)
            pois = pd.read_sql(query("geocode/pois"), conn, params=params)
        return cls(addresses, streets, pois)

    def _build_streets(
        self, frame: pd.DataFrame, entries: pd.DataFrame, city_keys: list[str | None]
    ) -> None:
        if entries.empty:
            return
        lon = frame["lon"].to_numpy(dtype=float)
        lat = frame["lat"].to_numpy(dtype=float)
        rows = entries["row"].to_numpy()
        # Addresses of one name farther apart than ~2 km (grid cells that do not touch) are
        # on different streets, e.g. the same name in two towns.
        cells = pd.DataFrame(
            {
                "key": entries["key"].to_numpy(),
                "cx": np.floor(lon[rows] * np.cos(np.radians(lat[rows])) / _CLUSTER_DEG),
                "cy": np.floor(lat[rows] / _CLUSTER_DEG),
            }
        )
        distinct = cells.drop_duplicates().reset_index(drop=True)
        component = np.zeros(len(distinct), dtype=np.int64)
        spread: dict[str, list[int]] = {}  # keys on several cells: their cells
        multi = np.flatnonzero(distinct["key"].duplicated(keep=False).to_numpy())
        for i, key in zip(multi.tolist(), distinct["key"].to_numpy()[multi].tolist(), strict=True):
            spread.setdefault(key, []).append(i)
        cx, cy = distinct["cx"].to_numpy(), distinct["cy"].to_numpy()
        for members in spread.values():
            component[members] = _components([(cx[i], cy[i]) for i in members])
        distinct["component"] = component
        labelled = cells.merge(distinct, on=["key", "cx", "cy"], how="left")
        group = labelled.groupby(["key", "component"], sort=False).ngroup().to_numpy()
        # each street's representative point: its address nearest to its median point
        where = pd.DataFrame({"group": group, "lon": lon[rows], "lat": lat[rows]})
        median = where.groupby("group")[["lon", "lat"]].transform("median")
        where["d2"] = (where["lon"] - median["lon"]) ** 2 + (where["lat"] - median["lat"]) ** 2
        medoid = rows[where.groupby("group")["d2"].idxmin().to_numpy()]

        # Entries of a street: clean rows first, then the street's most common spelling,
        # then the given order; the first entry of a number gives its point.
        order = np.lexsort(
            (
                np.arange(len(entries)),
                -entries["spelling"].to_numpy(),
                entries["dirty"].to_numpy(),
                group,
            )
        )
        bounds = np.flatnonzero(np.diff(group[order])) + 1
        parts = entries["parts"].tolist()
        keys = entries["key"].tolist()
        places = entries["place"].tolist()
        street_names = frame["street"].astype(str).tolist()
        sv_text = frame["street_sv"].fillna("").astype(str)
        sv_of = {s: _street_key(s) if s.strip() else None for s in pd.unique(sv_text)}
        sv_keys = [sv_of[s] for s in sv_text]
        for members in np.split(order, bounds):
            members = members.tolist()
            street_rows = [int(rows[e]) for e in members]
            place = places[members[0]]
            name = street_names[street_rows[0]]
            if not place and _DIRTY_STREET.search(name):
                # "Caisa, Vilhonkatu" / "Pohjoisesplanadi 33": the street part of it
                name = re.sub(r"\s+\d.*$", "", name.split(",")[-1].strip())
            point = int(medoid[group[members[0]]])
            self._add_street(name, street_rows, [parts[e] for e in members], point, city_keys)
            gid = len(self._streets) - 1
            names = {keys[members[0]]}
            if not place:
                names |= {sv_keys[r] for r in street_rows if sv_keys[r]}
            for key in names:
                self._street_keys.setdefault(key, []).append(gid)

    def _add_street(
        self,
        name: str,
        rows: list[int],
        parts: list[tuple[int, str | None, int | None]],
        point_row: int,
        city_keys: list[str | None],
    ) -> None:
        street = _Street(name, self._lon[point_row], self._lat[point_row])
        secondary: dict[str, int] = {}
        for r, (number, letter, end) in zip(rows, parts, strict=True):
            street.numbers.setdefault(_number_key(number, letter, end), (r, True))
            known = [number] if end is None else [number, end]
            if letter is not None:
                secondary.setdefault(str(number), r)
            if end is not None and end - number <= 20:
                # "14-20" also stands for 16 and 18
                for inner in range(number, end + 1, 2):
                    secondary.setdefault(str(inner), r)
            for n in known:
                nums, addr = street.parity[n % 2]
                nums.append(n)
                addr.append(r)
            street.max_number = max(street.max_number, *known)
        for key, r in secondary.items():
            street.numbers.setdefault(key, (r, False))
        for nums, addr in street.parity:
            pairs = sorted(zip(nums, addr, strict=True))
            nums[:] = [p[0] for p in pairs]
            addr[:] = [p[1] for p in pairs]
        postcodes = Counter(self._postcode[r] for r in rows if self._postcode[r])
        cities = Counter(self._city[r] for r in rows if self._city[r])
        street.postcodes = frozenset(postcodes)
        street.cities = frozenset(city_keys[r] for r in rows if city_keys[r])
        street.postcode = postcodes.most_common(1)[0][0] if postcodes else None
        street.city = cities.most_common(1)[0][0] if cities else None
        street.size = len(rows)
        self._streets.append(street)

    def _add_street_points(self, streets: pd.DataFrame | None) -> None:
        """Streets without addresses (a point each) and Swedish names the addresses lack."""
        if streets is None or streets.empty:
            return
        _require(streets, ("name_fi", "name_sv", "lon", "lat"), "streets")
        for name_fi, name_sv, lon, lat in streets[["name_fi", "name_sv", "lon", "lat"]].itertuples(
            index=False
        ):
            if not _text(name_fi) or pd.isna(lon) or pd.isna(lat):
                continue
            key = _street_key(name_fi)
            sv_key = _street_key(name_sv) if _text(name_sv) else None
            if not key:
                continue
            if key in self._street_keys:
                if sv_key and sv_key not in self._street_keys:
                    self._street_keys[sv_key] = list(self._street_keys[key])
                continue
            street = _Street(name_fi.strip(), float(lon), float(lat))
            self._streets.append(street)
            gid = len(self._streets) - 1
            for k in {key, sv_key} - {None}:
                self._street_keys.setdefault(k, []).append(gid)

    def _postcode_centroids(self) -> dict[str, tuple[float, float, str | None]]:
        frame = pd.DataFrame(
            {"postcode": self._postcode, "lon": self._lon, "lat": self._lat, "city": self._city}
        ).dropna(subset=["postcode"])
        out = {}
        for postcode, part in frame.groupby("postcode"):
            cities = part["city"].dropna()
            city = cities.mode().iat[0] if not cities.empty else None
            out[str(postcode)] = (float(part["lon"].mean()), float(part["lat"].mean()), city)
        return out

    def _add_pois(self, pois: pd.DataFrame | None) -> None:
        if pois is None or pois.empty:
            return
        _require(pois, ("name", "lon", "lat"), "pois")
        by_key: dict[str, list[tuple[float, float, str]]] = {}
        for name, lon, lat in pois[["name", "lon", "lat"]].itertuples(index=False):
            if _text(name) and not (pd.isna(lon) or pd.isna(lat)):
                key = _compact(_fold(name))
                if len(key) >= 3:
                    by_key.setdefault(key, []).append((float(lon), float(lat), name.strip()))
        for key, places in by_key.items():
            lon, lat, name = places[0]
            spread = max(_metres(lon, lat, x, y) for x, y, _ in places)
            self._pois[key] = (lon, lat, name, spread > _POI_SPREAD_M)

    # -- geocoding ---------------------------------------------------------------------
    def geocode(
        self, address: str, *, postcode: str | None = None, city: str | None = None
    ) -> GeocodeResult:
        """Geocode one address as typed.

        Parameters
        ----------
        address : e.g. ``"Aleksanterink. 5 B 12, 00100 Helsinki"``; ``None`` or blank text
            gives a ``none`` result.
        postcode, city : optional hints that choose between streets of the same name (a
            postcode or city in the text does the same); never required.

        Returns
        -------
        GeocodeResult
            ``match_level`` ``none`` (no coordinates) when the city does not contain the
            address.

        Raises
        ------
        InvalidInput
            When ``address`` is not text.
        """
        if address is None or (isinstance(address, float) and math.isnan(address)):
            address = ""
        if not isinstance(address, str):
            raise InvalidInput(f"address must be text, not {type(address).__name__}")
        parsed = _parse(address, self._cities)
        postcode = (_text(postcode) or "").strip() or parsed.postcode
        city_key = _city_key(city) or parsed.city

        # the readings of the street that are known exactly, most specific first: the first
        # address found wins, else the best answer
        best = None
        for key in parsed.streets:
            gids = self._exact_street(key)
            if gids is not None:
                answer = self._street_answer(gids, 1.0, parsed, postcode, city_key)
                if answer.match_level == "address":
                    return answer
                if best is None or _rank(answer) < _rank(best):
                    best = answer
        if best is not None:
            return best
        if parsed.number is None:
            for key in dict.fromkeys((parsed.text_key, *parsed.streets)):
                poi = self._exact_poi(key, postcode)
                if poi is not None:
                    return poi
        for key in parsed.streets:
            found = self._street_fuzzy.best(key)
            if found is not None:
                gids = self._street_keys[found[0]]
                return self._street_answer(gids, found[1], parsed, postcode, city_key)
        if parsed.text_key and (poi := self._fuzzy_poi(parsed.text_key, postcode)):
            return poi
        if not parsed.streets and parsed.number is None and postcode in self._postcodes:
            lon, lat, city_name = self._postcodes[postcode]
            label = f"{postcode} {city_name}" if city_name else postcode
            return GeocodeResult(lat, lon, "postcode", _CONFIDENCE["postcode"], label)
        return NO_MATCH

    def geocode_many(
        self,
        addresses: Sequence[str],
        *,
        postcodes: Sequence[str | None] | None = None,
        progress: bool = False,
    ) -> list[GeocodeResult]:
        """Geocode many addresses (see ``geocode``).

        Parameters
        ----------
        addresses : addresses as typed.
        postcodes : optional postcode hint per address (same length).
        progress : show a progress bar.

        Returns
        -------
        list of GeocodeResult, one per address, in order.

        Raises
        ------
        InvalidInput
            When ``postcodes`` is not as long as ``addresses``.
        """
        if postcodes is not None and len(postcodes) != len(addresses):
            raise InvalidInput(
                f"postcodes has {len(postcodes)} values for {len(addresses)} addresses"
            )
        hints = postcodes if postcodes is not None else [None] * len(addresses)
        pairs = zip(addresses, hints, strict=True)
        if progress:
            pairs = tqdm(pairs, total=len(addresses), desc="geocoding", unit=" addr")
        return [self.geocode(a, postcode=_text(p)) for a, p in pairs]

    # -- the steps ---------------------------------------------------------------------
    def _exact_street(self, key: str) -> list[int] | None:
        """Streets of this key, or of it with an undotted abbreviation expanded."""
        gids = self._street_keys.get(key)
        if gids is None and len(key) > 4 and (short := _UNDOTTED.search(key)):
            gids = self._street_keys.get(key[: short.start()] + _ABBREVIATIONS[short[1]])
        return gids

    def _street_answer(
        self,
        gids: list[int],
        quality: float,
        parsed: _Parsed,
        postcode: str | None,
        city: str | None,
    ) -> GeocodeResult:
        street, factor = self._choose_street(gids, postcode, city, parsed)
        return self._on_street(street, parsed, quality * factor)

    def _choose_street(
        self, gids: list[int], postcode: str | None, city: str | None, parsed: _Parsed
    ) -> tuple[_Street, float]:
        """The street meant among those of one name, from the postcode, city and number."""
        candidates = [self._streets[g] for g in gids]
        factor = 1.0
        for hint, attr in ((postcode, "postcodes"), (city, "cities")):
            if not hint:
                continue
            matching = [s for s in candidates if hint in getattr(s, attr)]
            if matching:
                candidates = matching
            elif any(getattr(s, attr) for s in candidates):
                factor *= _HINT_MISMATCH
        if len(candidates) > 1 and parsed.number is not None:
            key = _number_key(parsed.number, parsed.letter, parsed.end)
            having = [s for s in candidates if key in s.numbers or str(parsed.number) in s.numbers]
            candidates = having or candidates
        if len(candidates) > 1:
            factor *= _AMBIGUOUS
        return max(candidates, key=lambda s: s.size), factor

    def _on_street(self, street: _Street, parsed: _Parsed, quality: float) -> GeocodeResult:
        """Address, interpolated or street level on a known street, or none."""
        n = parsed.number
        if n is None:
            return self._street_result(street, quality)
        exact = _number_key(n, parsed.letter, parsed.end)
        hit = street.numbers.get(exact)
        factor = 1.0
        if hit is None:
            hit = street.numbers.get(str(n))
            factor = _FALLBACK
        elif not hit[1]:
            factor = _FALLBACK
        if hit is not None:
            row = hit[0]
            return GeocodeResult(
                self._lat[row],
                self._lon[row],
                "address",
                _CONFIDENCE["address"] * quality * factor,
                self._label(street, self._house[row], row),
            )
        if not street.numbers:  # a street known only by its geometry: cannot check n
            return self._street_result(street, quality * 0.8)
        nums, rows = street.parity[n % 2]
        i = bisect.bisect_left(nums, n)
        if 0 < i < len(nums):
            lo, hi = nums[i - 1], nums[i]
            r0, r1 = rows[i - 1], rows[i]
            t = (n - lo) / (hi - lo)
            lon = self._lon[r0] + t * (self._lon[r1] - self._lon[r0])
            lat = self._lat[r0] + t * (self._lat[r1] - self._lat[r0])
            # wide gaps interpolate over more unknown ground: less sure
            gap = max(0.6, 1.0 - max(0, hi - lo - 4) / 100)
            return GeocodeResult(
                lat,
                lon,
                "interpolated",
                _CONFIDENCE["interpolated"] * quality * gap,
                self._label(street, str(n), r0),
            )
        if 1 <= n <= max(2 * street.max_number, street.max_number + 10):
            return self._street_result(street, quality)
        return NO_MATCH  # far beyond the street's numbers: not a place in this city

    def _street_result(self, street: _Street, quality: float) -> GeocodeResult:
        tail = " ".join(p for p in (street.postcode, street.city) if p)
        return GeocodeResult(
            street.lat,
            street.lon,
            "street",
            _CONFIDENCE["street"] * quality,
            f"{street.name}, {tail}" if tail else street.name,
        )

    def _label(self, street: _Street, number: str, row: int) -> str:
        # the address's own postcode and city, else the street's most common ones
        city = self._city[row] or street.city
        tail = " ".join(p for p in (self._postcode[row] or street.postcode, city) if p)
        return f"{street.name} {number}, {tail}" if tail else f"{street.name} {number}"

    def _poi_result(self, key: str, quality: float, postcode: str | None) -> GeocodeResult | None:
        lon, lat, name, ambiguous = self._pois[key]
        if ambiguous:  # a chain (places of one name far apart): which one is unknowable
            return None
        if postcode and postcode in self._postcodes:
            near = self._postcodes[postcode]
            if _metres(lon, lat, near[0], near[1]) > 3000:
                quality *= _HINT_MISMATCH
        return GeocodeResult(lat, lon, "poi", _CONFIDENCE["poi"] * quality, name)

    def _exact_poi(self, key: str, postcode: str | None) -> GeocodeResult | None:
        return self._poi_result(key, 1.0, postcode) if key in self._pois else None

    def _fuzzy_poi(self, key: str, postcode: str | None) -> GeocodeResult | None:
        best = self._poi_fuzzy.best(key)
        return self._poi_result(best[0], best[1], postcode) if best else None


def _rank(result: GeocodeResult) -> tuple[int, float]:
    """Sort key of answers: finer match level first, then higher confidence."""
    return MATCH_LEVELS.index(result.match_level), -result.confidence


def _dataset_id(conn, dataset: str | None) -> int:
    return int(loaded_city(conn, dataset).dataset_id)


_CACHE: dict[tuple[str, str | None], tuple[object, Geocoder]] = {}
_CACHE_LOCK = threading.Lock()


def cached_geocoder(engine: Engine, dataset: str | None = None) -> Geocoder:
    """A process-wide geocoder for the loaded city, built once and rebuilt after a re-load.

    For servers: each call costs one small query (is the city's ``loaded_at`` unchanged?).

    Parameters
    ----------
    engine : the database.
    dataset : the loaded city; ``None`` for the most recently loaded one.

    Returns
    -------
    Geocoder

    Raises
    ------
    NotFound
        No such loaded city.
    """
    key = (engine.url.render_as_string(hide_password=True), dataset)
    with engine.connect() as conn:
        row = loaded_city(conn, dataset)
    stamp = (row.dataset_id, row.loaded_at)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is None or cached[0] != stamp:
            cached = (stamp, Geocoder.from_database(engine, row.name))
            _CACHE[key] = cached
    return cached[1]


def geocode_csv(
    source: Path,
    out: Path,
    geocoder: Geocoder,
    *,
    id_column: str = "id",
    address_column: str = "address",
    postcode_column: str | None = None,
    progress: bool = True,
) -> dict[str, int]:
    """Geocode the addresses of a CSV file into another CSV file.

    The delimiter (comma, semicolon, tab) is detected and every value is read as text (so
    postcodes keep their leading zeros). ``out`` gets the id, address (and postcode)
    columns followed by ``lat, lon, match_level, confidence, matched_address``.

    Parameters
    ----------
    source, out : the input and output CSV files.
    geocoder : e.g. ``Geocoder.from_database(engine)``.
    id_column, address_column : columns of ``source`` to carry over and to geocode.
    postcode_column : optional column with a postcode hint.
    progress : show a progress bar.

    Returns
    -------
    dict
        ``rows`` and the number of rows at each match level.

    Raises
    ------
    NotFound
        ``source`` does not exist.
    InvalidInput
        A named column is missing.
    """
    source, out = Path(source), Path(out)
    if not source.is_file():
        raise NotFound(f"No such file: {source}")
    frame = pd.read_csv(
        source,
        sep=None,
        engine="python",
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    wanted = [id_column, address_column] + ([postcode_column] if postcode_column else [])
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise InvalidInput(
            f"{source.name} has no column {missing} (its columns: {list(frame.columns)}); "
            "name them with --id-column / --address-column / --postcode-column"
        )
    results = geocoder.geocode_many(
        frame[address_column].tolist(),
        postcodes=frame[postcode_column].tolist() if postcode_column else None,
        progress=progress,
    )
    answer = pd.DataFrame(
        [astuple(r) for r in results], columns=[f.name for f in fields(GeocodeResult)]
    )
    result = pd.concat([frame[wanted].reset_index(drop=True), answer], axis=1)
    out.parent.mkdir(parents=True, exist_ok=True)
    result.to_csv(out, index=False, float_format="%.7f")
    levels = Counter(r.match_level for r in results)
    return {"rows": len(results), **{level: levels[level] for level in MATCH_LEVELS}}


# -- reverse geocoding ----------------------------------------------------------------------
def reverse_geocode_many(
    engine: Engine,
    lons: Sequence[float],
    lats: Sequence[float],
    *,
    dataset: str | None = None,
    max_distance_m: float = 200,
) -> list[GeocodeResult]:
    """Nearest known address for each point.

    One set-based query: the arrays are unnested into points and, for each, a LATERAL KNN
    scan of the address index (``ORDER BY geom <-> point``) finds the nearest candidates,
    whose distance is then measured in metres on the spheroid (geography).

    Parameters
    ----------
    engine : the database.
    lons, lats : WGS84 degrees, same length.
    dataset : the loaded city; ``None`` for the most recently loaded one.
    max_distance_m : points farther than this from every address get ``none``.

    Returns
    -------
    list of GeocodeResult
        Level ``address`` at the address's point, confidence falling from 1 (on the
        address) to 0.5 (at ``max_distance_m``); ``none`` beyond.

    Raises
    ------
    InvalidInput
        Different lengths, coordinates out of range, or a negative distance.
    NotFound
        No such loaded city.
    """
    lon_list = [float(x) for x in lons]
    lat_list = [float(y) for y in lats]
    if len(lon_list) != len(lat_list):
        raise InvalidInput(f"{len(lon_list)} longitudes but {len(lat_list)} latitudes")
    if not max_distance_m >= 0:
        raise InvalidInput(f"max_distance_m must be >= 0, not {max_distance_m}")
    for i, (x, y) in enumerate(zip(lon_list, lat_list, strict=True)):
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            raise InvalidInput(
                f"point {i} ({x}, {y}) is outside lon -180..180 / lat -90..90 "
                "(did you swap longitude and latitude?)"
            )
    if not lon_list:
        return []
    with engine.connect() as conn:
        dataset_id = _dataset_id(conn, dataset)
        rows = conn.execute(
            query("geocode/reverse"),
            {"dataset_id": dataset_id, "lons": lon_list, "lats": lat_list},
        ).all()
    results = []
    for row in rows:
        if row.distance_m is None or row.distance_m > max_distance_m:
            results.append(NO_MATCH)
            continue
        tail = " ".join(p for p in (row.postcode, row.city) if p)
        label = f"{row.street} {row.housenumber}"
        share = row.distance_m / max_distance_m if max_distance_m else 0.0
        results.append(
            GeocodeResult(
                row.lat,
                row.lon,
                "address",
                1.0 - 0.5 * share,
                f"{label}, {tail}" if tail else label,
            )
        )
    return results


# -- online providers (optional) ------------------------------------------------------------
def _from_nominatim(raw: dict) -> GeocodeResult:
    """A Nominatim answer (``addressdetails=1``) as a GeocodeResult.

    Answers coarser than a postcode (a city, a region) are ``none``: a CRM customer is not
    placed at a city's centre.
    """
    details = raw.get("address") or {}
    category = raw.get("class") or raw.get("category")
    kind = raw.get("addresstype") or raw.get("type")
    if details.get("house_number"):
        level = "address"
    elif category == "highway" or kind == "road":
        level = "street"
    elif kind == "postcode":
        level = "postcode"
    elif category in ("amenity", "shop", "tourism", "leisure", "office", "historic", "building"):
        level = "poi"
    else:
        return NO_MATCH
    confidence = {"address": 0.9, "street": 0.5, "poi": 0.7, "postcode": 0.3}[level]
    return GeocodeResult(
        float(raw["lat"]), float(raw["lon"]), level, confidence, raw.get("display_name")
    )


class NominatimProvider:
    """OpenStreetMap's Nominatim (through geopy) as an ``OnlineProvider``.

    Off by default; it needs the network and ``pip install geopy``. Nominatim's usage
    policy allows one request per second: wrap it in ``CachedRateLimitedProvider``.
    """

    name = "nominatim"

    def __init__(
        self,
        user_agent: str = "geocrm",
        *,
        domain: str | None = None,
        country_codes: str | None = "fi",
        timeout_s: float = 10.0,
    ):
        try:
            from geopy.geocoders import Nominatim
        except ImportError as exc:
            raise SetupError(
                "Online geocoding with Nominatim needs geopy: `pip install geopy`."
            ) from exc
        options: dict = {"user_agent": user_agent, "timeout": timeout_s}
        if domain:
            options["domain"] = domain
        self._nominatim = Nominatim(**options)
        self._country_codes = country_codes

    def geocode(self, address: str) -> GeocodeResult:
        """Geocode one address with Nominatim."""
        location = self._nominatim.geocode(
            address, exactly_one=True, addressdetails=True, country_codes=self._country_codes
        )
        return NO_MATCH if location is None else _from_nominatim(location.raw)


class CachedRateLimitedProvider:
    """Any ``OnlineProvider`` with a database cache and calls spaced in time.

    Answers (``none`` included) are kept in ``crm.geocode_cache`` by query text
    (whitespace collapsed, lower case), so a query is sent once. Calls to the provider are
    at least ``min_interval_s`` apart (Nominatim's policy: one a second), across threads.

    Parameters
    ----------
    provider : the provider to wrap.
    engine : the database holding ``crm.geocode_cache``.
    min_interval_s : minimum time between two calls to the provider.
    provider_name : recorded with each cached answer; default ``provider.name`` or its
        class name.
    clock, sleep : the time source and the wait (for tests: a fake clock).
    """

    def __init__(
        self,
        provider: OnlineProvider,
        engine: Engine,
        *,
        min_interval_s: float = 1.0,
        provider_name: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if min_interval_s < 0:
            raise InvalidInput(f"min_interval_s must be >= 0, not {min_interval_s}")
        self._provider = provider
        self._engine = engine
        self.min_interval_s = min_interval_s
        self.provider_name = (
            provider_name or getattr(provider, "name", None) or type(provider).__name__
        )
        self._clock = clock
        self._sleep = sleep
        self._last_call: float | None = None
        self._lock = threading.Lock()

    def geocode(self, address: str) -> GeocodeResult:
        """The cached answer for ``address``, else the provider's (then cached)."""
        if not isinstance(address, str):
            raise InvalidInput(f"address must be text, not {type(address).__name__}")
        key = " ".join(address.split()).lower()
        if not key:
            return NO_MATCH
        with self._engine.connect() as conn:
            row = conn.execute(query("geocode/cache_get"), {"query": key}).first()
        if row is not None:
            return GeocodeResult(
                row.lat, row.lon, row.match_level, float(row.confidence), row.matched_address
            )
        with self._lock:
            if self._last_call is not None:
                wait = self._last_call + self.min_interval_s - self._clock()
                if wait > 0:
                    self._sleep(wait)
            self._last_call = self._clock()  # calls are spaced start to start
            result = self._provider.geocode(key)
        if result.match_level not in MATCH_LEVELS:
            raise InvalidInput(f"provider answered an unknown match level {result.match_level!r}")
        with self._engine.begin() as conn:
            conn.execute(
                query("geocode/cache_put"),
                {
                    "query": key,
                    "provider": self.provider_name,
                    "lat": result.lat,
                    "lon": result.lon,
                    "match_level": result.match_level,
                    "confidence": result.confidence,
                    "matched_address": result.matched_address,
                },
            )
        return result
