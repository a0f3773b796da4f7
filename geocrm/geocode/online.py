"""Online geocoding (optional, off by default): a provider interface, Nominatim, a cache.

``NominatimProvider`` (geopy) sits behind the ``OnlineProvider`` interface;
``CachedRateLimitedProvider`` keeps any provider's answers in ``crm.geocode_cache`` and
spaces its calls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import Engine

from geocrm.db import query
from geocrm.errors import InvalidInput, SetupError
from geocrm.geocode.result import MATCH_LEVELS, NO_MATCH, GeocodeResult


class OnlineProvider(Protocol):
    """A geocoder behind a network service (optional; never needed offline)."""

    def geocode(self, address: str) -> GeocodeResult:
        """Geocode one address."""
        ...


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
        try:  # deferred: geopy is an optional extra, needed only for online geocoding
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
