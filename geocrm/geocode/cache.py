"""One geocoder per process and city, for servers: built once, rebuilt after a re-load."""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from geocrm.db import loaded_city
from geocrm.geocode.index import Geocoder

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
