"""What a geocoder answers: a point, a match level and a confidence."""

from __future__ import annotations

from dataclasses import dataclass

#: How an address was found, from the best to the coarsest answer (see ``geocrm.geocode``).
MATCH_LEVELS = ("address", "interpolated", "street", "poi", "postcode", "none")


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


#: The answer for an address the city does not contain: no point, confidence 0.
NO_MATCH = GeocodeResult(None, None, "none", 0.0, None)
