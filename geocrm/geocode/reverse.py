"""Reverse geocoding: the nearest known address of points, in PostGIS."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from geocrm.db import loaded_city, query
from geocrm.errors import InvalidInput
from geocrm.geocode.result import NO_MATCH, GeocodeResult


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
        dataset_id = int(loaded_city(conn, dataset).dataset_id)
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
