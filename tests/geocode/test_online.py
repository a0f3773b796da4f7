"""Online providers: answers cached in the database, calls rate limited; no network."""

from __future__ import annotations

import itertools
import sys
import types

import pytest
from sqlalchemy import text

from geocrm.errors import SetupError
from geocrm.geocode import CachedRateLimitedProvider, GeocodeResult, NominatimProvider


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeProvider:
    name = "fake"

    def __init__(self, clock: FakeClock):
        self.clock = clock
        self.calls: list[tuple[str, float]] = []

    def geocode(self, address: str) -> GeocodeResult:
        self.calls.append((address, self.clock.now))
        self.clock.now += 0.2  # a network round trip
        if "olematon" in address:
            return GeocodeResult(None, None, "none", 0.0, None)
        return GeocodeResult(60.17, 24.94, "address", 0.9, address.title())


@pytest.fixture
def cached(engine):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.geocode_cache"))
    clock = FakeClock()
    provider = FakeProvider(clock)
    wrapper = CachedRateLimitedProvider(provider, engine, clock=clock, sleep=clock.sleep)
    return wrapper, provider, clock


def test_online_answers_are_cached_in_the_database(cached, engine):
    wrapper, provider, _ = cached
    first = wrapper.geocode("Bulevardi 5, Helsinki")
    again = wrapper.geocode("  bulevardi 5,   HELSINKI ")
    assert first == again == GeocodeResult(60.17, 24.94, "address", 0.9, "Bulevardi 5, Helsinki")
    assert len(provider.calls) == 1
    nothing = wrapper.geocode("Olematonkatu 1")
    assert nothing.match_level == "none" and wrapper.geocode("olematonkatu 1") == nothing
    assert len(provider.calls) == 2
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT query, provider, match_level FROM crm.geocode_cache ORDER BY query")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("bulevardi 5, helsinki", "fake", "address"),
        ("olematonkatu 1", "fake", "none"),
    ]


def test_online_calls_are_spaced_by_the_minimum_interval(cached):
    wrapper, provider, clock = cached
    for i in range(4):
        wrapper.geocode(f"Bulevardi {i + 1}")
    starts = [t for _, t in provider.calls]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(starts))
    assert clock.sleeps and all(s == pytest.approx(0.8) for s in clock.sleeps)
    clock.now += 5  # a pause longer than the interval: no wait
    wrapper.geocode("Bulevardi 99")
    assert len(clock.sleeps) == 3
    wrapper.geocode("Bulevardi 1")  # cached: no call, no wait
    assert len(provider.calls) == 5 and len(clock.sleeps) == 3


def test_nominatim_without_geopy_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "geopy", None)
    monkeypatch.setitem(sys.modules, "geopy.geocoders", None)
    with pytest.raises(SetupError, match="pip install geopy"):
        NominatimProvider()


def test_nominatim_answers_become_match_levels(monkeypatch):
    answers = {
        "house": {"lat": "60.1", "lon": "24.9", "class": "place", "addresstype": "place",
                  "address": {"house_number": "5"}, "display_name": "Bulevardi 5"},
        "road": {"lat": "60.2", "lon": "24.8", "class": "highway", "addresstype": "road"},
        "cafe": {"lat": "60.3", "lon": "24.7", "class": "amenity", "addresstype": "amenity"},
        "city": {"lat": "60.4", "lon": "24.6", "class": "boundary", "addresstype": "city"},
    }  # fmt: skip

    class FakeNominatim:
        def __init__(self, **options):
            assert options["user_agent"] == "geocrm-test"

        def geocode(self, address, **_):
            raw = answers.get(address)
            return None if raw is None else types.SimpleNamespace(raw=raw)

    fake = types.ModuleType("geopy.geocoders")
    fake.Nominatim = FakeNominatim
    monkeypatch.setitem(sys.modules, "geopy", types.ModuleType("geopy"))
    monkeypatch.setitem(sys.modules, "geopy.geocoders", fake)
    provider = NominatimProvider("geocrm-test")
    levels = {a: provider.geocode(a).match_level for a in [*answers, "missing"]}
    assert levels == {
        "house": "address",
        "road": "street",
        "cafe": "poi",
        "city": "none",  # a city's centre is not a customer's place
        "missing": "none",
    }
    assert provider.geocode("house").matched_address == "Bulevardi 5"
