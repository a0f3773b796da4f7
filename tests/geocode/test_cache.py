"""The server's geocoder: built once per city, again after the city is re-loaded."""

from __future__ import annotations

from sqlalchemy import text

from geocrm.geocode import cached_geocoder


def test_the_server_geocoder_is_built_once_and_again_after_the_city_is_reloaded(engine, city):
    first = cached_geocoder(engine)
    assert cached_geocoder(engine) is first
    bump = "UPDATE ref.datasets SET loaded_at = loaded_at + CAST(:s AS interval)"
    with engine.begin() as conn:
        conn.execute(text(bump), {"s": "1 second"})
    try:
        assert cached_geocoder(engine) is not first
    finally:
        with engine.begin() as conn:
            conn.execute(text(bump), {"s": "-1 second"})
