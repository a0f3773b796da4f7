"""The in-memory index of a city's addresses, streets and POIs, and the matcher over it.

The index is built once, in memory, from the city's addresses (``Geocoder.from_database``
or ``Geocoder.from_frames``). Street names are indexed by a *key*
(``geocrm.geocode.address.street_key``): lower case, diacritics folded, abbreviations
expanded, spaces and punctuation removed; each key maps to the streets that carry it
(Finnish and Swedish names alike). A lookup is a handful of compiled regular expressions
and dictionary lookups; only when the exact key misses does fuzzy matching
(``geocrm.geocode.fuzzy``: one or two edits) run, and then only against the street keys of
the same first letter and a similar length, so it stays fast with millions of addresses.
Streets of one name more than ~2 km apart are different streets; a postcode or city (in
the text or as a hint) chooses between them.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Engine
from tqdm import tqdm

from geocrm.db import loaded_city, query
from geocrm.errors import InvalidInput
from geocrm.geocode.address import (
    BASE_CITIES,
    ParsedAddress,
    city_key,
    compact,
    expand_undotted,
    fold,
    number_key,
    parse_address,
    street_key,
    street_part,
)
from geocrm.geocode.fuzzy import POI_TYPOS, STREET_TYPOS, FuzzyIndex
from geocrm.geocode.result import MATCH_LEVELS, NO_MATCH, GeocodeResult
from geocrm.geocode.streets import Street, address_entries, components, metres

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
_IMPLAUSIBLE = 0.8  # a number far beyond the street's known numbers: the street, less sure
_CLUSTER_DEG = 0.02  # ~2 km: addresses of a name farther apart than this are other streets
_POI_SPREAD_M = 300.0  # POIs of one name spread wider than this are a chain, not a place


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInput(f"{what} frame lacks columns {missing} (needs {list(columns)})")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


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
        entries = address_entries(frame)

        self._lon: list[float] = frame["lon"].astype(float).tolist()
        self._lat: list[float] = frame["lat"].astype(float).tolist()
        # the number as displayed: as stored when plain, else canonical ("26, 14. krs." -> 26)
        self._house: list[str] = frame["housenumber"].astype(str).str.strip().tolist()
        for row, parts in entries.loc[entries["dirty"], ["row", "parts"]].itertuples(index=False):
            self._house[row] = number_key(*parts)
        self._postcode: list[str | None] = [_text(p) for p in frame["postcode"]]
        # cities with letters ("7" is no city), and their keys (Swedish names -> Finnish)
        city_text = frame["city"].fillna("").astype(str)
        city_of = {c: city_key(c) for c in pd.unique(city_text)}
        city_keys = [city_of[c] for c in city_text]
        self._city: list[str | None] = [
            c.strip() if k else None for c, k in zip(city_text, city_keys, strict=True)
        ]
        self._cities = BASE_CITIES | {k for k in city_of.values() if k}

        self._streets: list[Street] = []
        self._street_keys: dict[str, list[int]] = {}
        self._build_streets(frame, entries, city_keys)
        self._add_street_points(streets)
        self._street_fuzzy = FuzzyIndex(self._street_keys, **STREET_TYPOS)
        self._postcodes = self._postcode_centroids()
        self._pois: dict[str, tuple[float, float, str, bool]] = {}
        self._add_pois(pois)
        self._poi_fuzzy = FuzzyIndex(self._pois, **POI_TYPOS)

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
            dataset_id = int(loaded_city(conn, dataset).dataset_id)
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
            component[members] = components([(cx[i], cy[i]) for i in members])
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
        sv_of = {s: street_key(s) if s.strip() else None for s in pd.unique(sv_text)}
        sv_keys = [sv_of[s] for s in sv_text]
        for members in np.split(order, bounds):
            members = members.tolist()
            street_rows = [int(rows[e]) for e in members]
            place = places[members[0]]
            name = street_names[street_rows[0]]
            if not place:  # "Caisa, Vilhonkatu" / "Pohjoisesplanadi 33": the street part
                name = street_part(name)
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
        street = Street(name, self._lon[point_row], self._lat[point_row])
        secondary: dict[str, int] = {}
        for r, (number, letter, end) in zip(rows, parts, strict=True):
            street.numbers.setdefault(number_key(number, letter, end), (r, True))
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
            key = street_key(name_fi)
            sv_key = street_key(name_sv) if _text(name_sv) else None
            if not key:
                continue
            if key in self._street_keys:
                if sv_key and sv_key not in self._street_keys:
                    self._street_keys[sv_key] = list(self._street_keys[key])
                continue
            street = Street(name_fi.strip(), float(lon), float(lat))
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
                key = compact(fold(name))
                if len(key) >= 3:
                    by_key.setdefault(key, []).append((float(lon), float(lat), name.strip()))
        for key, places in by_key.items():
            lon, lat, name = places[0]
            spread = max(metres(lon, lat, x, y) for x, y, _ in places)
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
        parsed = parse_address(address, self._cities)
        postcode = (_text(postcode) or "").strip() or parsed.postcode
        city_hint = city_key(city) or parsed.city

        # the readings of the street that are known exactly, most specific first: the first
        # address found wins, else the best answer
        best = None
        for key in parsed.streets:
            gids = self._exact_street(key)
            if gids is not None:
                answer = self._street_answer(gids, 1.0, parsed, postcode, city_hint)
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
                return self._street_answer(gids, found[1], parsed, postcode, city_hint)
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
        if gids is None and (expanded := expand_undotted(key)):
            gids = self._street_keys.get(expanded)
        return gids

    def _street_answer(
        self,
        gids: list[int],
        quality: float,
        parsed: ParsedAddress,
        postcode: str | None,
        city: str | None,
    ) -> GeocodeResult:
        street, factor = self._choose_street(gids, postcode, city, parsed)
        return self._on_street(street, parsed, quality * factor)

    def _choose_street(
        self, gids: list[int], postcode: str | None, city: str | None, parsed: ParsedAddress
    ) -> tuple[Street, float]:
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
            key = number_key(parsed.number, parsed.letter, parsed.end)
            having = [s for s in candidates if key in s.numbers or str(parsed.number) in s.numbers]
            candidates = having or candidates
        if len(candidates) > 1:
            factor *= _AMBIGUOUS
        return max(candidates, key=lambda s: s.size), factor

    def _on_street(self, street: Street, parsed: ParsedAddress, quality: float) -> GeocodeResult:
        """Address, interpolated or street level on a known street (an unknown or implausible
        number falls back to the street, less sure)."""
        n = parsed.number
        if n is None:
            return self._street_result(street, quality)
        exact = number_key(n, parsed.letter, parsed.end)
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
        # far beyond the street's numbers (or 0): the street is known, the number is not
        # (Pelias and Nominatim answer the street too); flagged by a lower confidence
        return self._street_result(street, quality * _IMPLAUSIBLE)

    def _street_result(self, street: Street, quality: float) -> GeocodeResult:
        tail = " ".join(p for p in (street.postcode, street.city) if p)
        return GeocodeResult(
            street.lat,
            street.lon,
            "street",
            _CONFIDENCE["street"] * quality,
            f"{street.name}, {tail}" if tail else street.name,
        )

    def _label(self, street: Street, number: str, row: int) -> str:
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
            if metres(lon, lat, near[0], near[1]) > 3000:
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
