"""Typo-tolerant key lookups, blocked by first letter and length so they stay fast."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

#: Typos forgiven in a street name (its key: letters and digits only): one edit (a letter
#: dropped, added, replaced or swapped with its neighbour) from 5 letters, two from 10;
#: shorter names have too many near neighbours.
STREET_TYPOS = {"min_length": 5, "two_edits_from": 10}
#: Typos forgiven in a POI name: one, from 6 letters (brand names collide easily).
POI_TYPOS = {"min_length": 6, "two_edits_from": 1_000}


class FuzzyIndex:
    """Known keys blocked by first letter and length, for typo-tolerant lookups.

    A typed key is compared only with the keys of its first letter whose length differs by
    no more than the edits allowed, with the OSA distance (a letter dropped, added,
    replaced or swapped with its neighbour is one edit each). Keys shorter than
    ``min_length`` are never matched; longer ones allow one edit, or two from
    ``two_edits_from`` letters on.
    """

    def __init__(self, keys: Iterable[str], *, min_length: int, two_edits_from: int):
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
