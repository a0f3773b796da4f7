"""The pieces the index is built from: streets, their stored addresses, distances.

No database: ``address_entries`` reads a frame of stored addresses (as ``ref.addresses``
holds them) into the keys and numbers the index files them under.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from geocrm.geocode.address import parse_address, parse_plain_number, plain_street_key, street_key


class Street:
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


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Equirectangular distance in metres (accurate at city scale)."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_000.0 * math.hypot(x, math.radians(lat2 - lat1))


def components(cells: list[tuple[int, int]]) -> list[int]:
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


def address_entries(addresses: pd.DataFrame) -> pd.DataFrame:
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
    street_keys = {s: plain_street_key(s) for s in pd.unique(street)}
    numbers = {h: parse_plain_number(h) for h in pd.unique(house)}
    key = street.map(street_keys).to_numpy(dtype=object, copy=True)
    parts = house.map(numbers).to_numpy(dtype=object, copy=True)
    dirty = pd.isna(key) | pd.isna(parts)
    place_rows, place_keys = [], []
    for i in np.flatnonzero(dirty):
        parsed = parse_address(f"{street.iat[i]} {house.iat[i]}")
        if parsed.street and parsed.number is not None:
            key[i] = parsed.street
            parts[i] = (parsed.number, parsed.letter, parsed.end)
            if "," in street.iat[i]:
                place_rows.append(i)
                place_keys.append(street_key(street.iat[i]))
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
