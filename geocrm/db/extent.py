"""Customers outside the loaded cities (``crm.customers.outside_city``).

A customer placed farther than ``GEOCRM_EXTENT_MARGIN_KM`` from the extent of every loaded
city is kept but flagged: the enrichment, the hex cube and territory design leave it out
and ``geocrm customers geocoding-issues`` lists it (reason ``outside_city``). The flag is
written with the point by every writer, set-based (the import's merge, the geocoder's
results, a manual pin: their SQL takes ``:margin_m``), and re-evaluated for every customer
by :func:`flag_outside_city` when the cities change (``geocrm load-osm``, in its
transaction) and at the start of ``geocrm enrich`` (so a changed margin applies).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from geocrm.db import query
from geocrm.errors import InvalidInput
from geocrm.settings import city_settings


def margin_m() -> float:
    """``GEOCRM_EXTENT_MARGIN_KM`` in metres."""
    return city_settings().extent_margin_m


@dataclass(frozen=True)
class Reflagged:
    """What :func:`flag_outside_city` changed."""

    #: customers newly outside (their enrichment dropped, their cube cells queued)
    flagged: int
    #: customers newly inside (to be enriched by the next ``geocrm enrich``)
    unflagged: int


def flag_outside_city(conn: Connection) -> Reflagged:
    """Re-evaluate ``outside_city`` of every customer against the loaded cities and the
    margin; writes only the rows whose flag changes (one UPDATE). Run it in a bulk
    transaction (``geocrm.db.bulk_transaction``): a changed margin may flip many rows."""
    conn.execute(query("customers/flag_outside_city_settings"))
    conn.execute(query("customers/flag_outside_city_analyze"))
    row = conn.execute(query("customers/flag_outside_city"), {"margin_m": margin_m()}).one()
    return Reflagged(flagged=int(row.flagged), unflagged=int(row.unflagged))


def refuse_outside_city(conn: Connection, *, lon: float, lat: float) -> None:
    """``InvalidInput`` (422) when the point lies outside the loaded cities and the margin:
    a manual pin there is refused (an import keeps such a row, flagged)."""
    row = conn.execute(
        query("customers/point_outside_city"), {"lon": lon, "lat": lat, "margin_m": margin_m()}
    ).one()
    if not row.outside:
        return
    hint = " (lat and lon look swapped)" if row.swapped_inside else ""
    raise InvalidInput(
        f"lat {lat}, lon {lon} is {row.km:,.0f} km from the loaded cities ({row.cities}){hint}: "
        f"a pin must lie within {city_settings().extent_margin_km:g} km of them "
        "(GEOCRM_EXTENT_MARGIN_KM)"
    )
