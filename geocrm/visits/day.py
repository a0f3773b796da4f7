"""A rep's day: the customers a rep visits on a day, in a good order on the streets.

Stops
    Either a hand-picked list of customer ids (kept in full, in any order, up to
    :data:`MAX_STOPS_LIMIT`), or the rep's *due* customers (``crm.customers.assigned_rep_id``,
    placed on the map), chosen by ``spatial_sql/queries/routes/due_customers.sql``:

    - ``visits``: field visits needed per month, the territories' workload formula
      (:mod:`geocrm.territories`): ``base(stage) + min(1, 0.25 x contacts in the last 90
      days / 3)``;
    - ``days_since``: days from the last field visit (an interaction of type ``visit`` on or
      before the day) to the day, capped at :data:`DUE_CAP_DAYS` (never visited = the cap);
    - ``owed = visits x days_since / 30``: the visits the rule expected since the last one.
      A customer is due when ``owed >= 1``; the most owed come first (then the longest
      since the last visit, then the lowest id), at most ``max_stops`` of them.

Travel times
    On the loaded city's street graph, drive by default or walk
    (:mod:`geocrm.visits.streets`).

The day
    Start at the base at ``start`` (default 08:00), a fixed ``service_minutes`` per visit
    (default 20), back at the base within ``day_hours`` (default 8 h).

Order
    OR-Tools' vehicle routing, against a nearest-neighbour baseline
    (:mod:`geocrm.visits.solver`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from typing import Any

from shapely.geometry import MultiLineString, mapping
from sqlalchemy import Connection, Engine

from geocrm.db import loaded_city, query
from geocrm.errors import InvalidInput, NotFound
from geocrm.visits.solver import (
    DEFAULT_TIME_LIMIT_S,
    nearest_neighbour,
    solve_ortools,
    tour_totals,
)
from geocrm.visits.streets import leg_line, prepared_graph, travel_matrix

#: The travel modes routes are planned for.
MODES = ("drive", "walk")
#: Default and largest number of stops of a day.
DEFAULT_MAX_STOPS = 12
MAX_STOPS_LIMIT = 40
#: Minutes spent at each customer.
DEFAULT_SERVICE_MINUTES = 20.0
#: The working day: its start (local time at the base) and length.
DEFAULT_START = dt.time(8, 0)
DEFAULT_DAY_HOURS = 8.0
#: A never-visited customer counts as this many days since the last visit (and no customer
#: counts more).
DUE_CAP_DAYS = 90


def _rep(conn: Connection, rep_id: int) -> dict:
    row = conn.execute(query("routes/rep"), {"rep_id": rep_id}).mappings().first()
    if row is None:
        raise NotFound(f"No rep {rep_id}.")
    return dict(row)


def _stops(
    conn: Connection, rep_id: int, day: dt.date, customer_ids: Sequence[int] | None, max_stops: int
) -> list[dict]:
    """The stops: the hand-picked customers (all of them) or the rep's most due ones."""
    if customer_ids is not None:
        ids = list(dict.fromkeys(int(c) for c in customer_ids))
        if not ids:
            raise InvalidInput("customer_ids is empty: give at least one customer id.")
        if len(ids) > MAX_STOPS_LIMIT:
            raise InvalidInput(f"At most {MAX_STOPS_LIMIT} customers a day, not {len(ids)}.")
        rows = [dict(r) for r in conn.execute(query("routes/customers"), {"ids": ids}).mappings()]
        missing = sorted(set(ids) - {r["customer_id"] for r in rows})
        if missing:
            raise InvalidInput(f"Unknown customer id(s): {missing}.")
        unplaced = [r["customer_id"] for r in rows if r["lon"] is None]
        if unplaced:
            raise InvalidInput(
                f"Customer(s) {unplaced} are not on the map (no location): geocode them first."
            )
        return rows
    rows = conn.execute(
        query("routes/due_customers"),
        {"rep_id": rep_id, "day": day, "cap_days": DUE_CAP_DAYS, "max_stops": max_stops},
    ).mappings()
    return [dict(r) for r in rows]


def plan_route(
    engine: Engine,
    rep_id: int,
    *,
    day: dt.date | None = None,
    customer_ids: Sequence[int] | None = None,
    mode: str = "drive",
    max_stops: int = DEFAULT_MAX_STOPS,
    service_minutes: float = DEFAULT_SERVICE_MINUTES,
    start: dt.time = DEFAULT_START,
    day_hours: float = DEFAULT_DAY_HOURS,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    dataset: str | None = None,
) -> dict[str, Any]:
    """A rep's visit route for a day (see the module doc for the rules and the solver).

    Parameters
    ----------
    engine : the database.
    rep_id : the rep (``NotFound`` if unknown); the route starts and ends at the home base.
    day : the day (default today): due visits are counted up to it.
    customer_ids : hand-picked customers (all placed; ``InvalidInput`` otherwise), or None
        for the rep's most due customers.
    mode : ``"drive"`` or ``"walk"``.
    max_stops : at most this many due customers (1..:data:`MAX_STOPS_LIMIT`).
    service_minutes, start, day_hours : the visit length and the working day.
    time_limit_s : OR-Tools' search time.
    dataset : the loaded city; ``None`` for the most recently loaded one.

    Returns
    -------
    ``rep``, ``date``, ``mode``, ``stops`` (ordered: ``order``, ``customer_id``, ``name``,
    ``address``, ``lon``, ``lat``, ``arrival``, ``departure``, ``leg_minutes``,
    ``leg_metres``), ``return`` (the leg home), ``totals`` (``stops``,
    ``travel_minutes``, ``service_minutes``, ``total_minutes``, ``km``, ``end``),
    ``baseline`` (the nearest-neighbour tour's totals), ``unscheduled``, ``geometry`` (a
    GeoJSON MultiLineString, one line per leg, lon/lat), ``solver`` and
    ``solve_seconds``.
    """
    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if not (1 <= int(max_stops) <= MAX_STOPS_LIMIT):
        raise InvalidInput(f"max_stops must be within 1..{MAX_STOPS_LIMIT}, not {max_stops}")
    if not (0 <= service_minutes <= 240 and 0 < day_hours <= 24):
        raise InvalidInput("service_minutes must be 0..240 and day_hours within (0, 24].")
    day = day or dt.date.today()
    with engine.connect() as conn:
        rep = _rep(conn, rep_id)
        city = loaded_city(conn, dataset)
        stops = _stops(conn, rep_id, day, customer_ids, int(max_stops))
    result: dict[str, Any] = {
        "rep": {"rep_id": rep["rep_id"], "name": rep["name"], "home_address": rep["home_address"]},
        "date": day.isoformat(),
        "mode": mode,
        "solver": "ortools guided local search",
    }
    start_at = dt.datetime.combine(day, start)
    service_s = service_minutes * 60.0
    limit_s = day_hours * 3600.0
    lonlat = [(rep["lon"], rep["lat"])] + [(s["lon"], s["lat"]) for s in stops]
    graph = prepared_graph(engine, city, mode)
    matrix = travel_matrix(graph, [p[0] for p in lonlat], [p[1] for p in lonlat])
    clock = time.perf_counter()
    order = solve_ortools(matrix.seconds, service_s, limit_s, time_limit_s=time_limit_s)
    result["solve_seconds"] = round(time.perf_counter() - clock, 3)
    scheduled = set(order)

    rows, legs, now = [], [], 0.0
    for k, (a, b) in enumerate(zip([0, *order], order, strict=False)):
        leg_s = matrix.seconds[a, b]
        arrival = now + leg_s
        departure = arrival + service_s
        stop = stops[b - 1]
        rows.append(
            {
                "order": k + 1,
                "customer_id": stop["customer_id"],
                "name": stop["name"],
                "address": stop["address"],
                "lon": stop["lon"],
                "lat": stop["lat"],
                "arrival": (start_at + dt.timedelta(seconds=arrival)).isoformat(timespec="minutes"),
                "departure": (start_at + dt.timedelta(seconds=departure)).isoformat(
                    timespec="minutes"
                ),
                "arrival_minute": round(arrival / 60.0, 2),
                "departure_minute": round(departure / 60.0, 2),
                "leg_minutes": round(leg_s / 60.0, 2),
                "leg_metres": round(float(matrix.metres[a, b]), 1),
            }
        )
        legs.append(leg_line(graph, matrix, lonlat, a, b))
        now = departure
    last = order[-1] if order else 0
    home_s = matrix.seconds[last, 0] if order else 0.0
    end_s = now + home_s
    if order:
        legs.append(leg_line(graph, matrix, lonlat, last, 0))
    travel = tour_totals(matrix.seconds, matrix.metres, order)
    result["stops"] = rows
    result["return"] = {
        "leg_minutes": round(home_s / 60.0, 2),
        "leg_metres": round(float(matrix.metres[last, 0]) if order else 0.0, 1),
        "arrival": (start_at + dt.timedelta(seconds=end_s)).isoformat(timespec="minutes"),
    }
    result["totals"] = {
        **travel,
        "service_minutes": round(len(order) * service_minutes, 2),
        "total_minutes": round(end_s / 60.0, 2),
        "end": (start_at + dt.timedelta(seconds=end_s)).isoformat(timespec="minutes"),
        "day_limit_minutes": round(limit_s / 60.0, 2),
    }
    baseline = tour_totals(matrix.seconds, matrix.metres, nearest_neighbour(matrix.seconds, order))
    baseline["total_minutes"] = round(baseline["travel_minutes"] + len(order) * service_minutes, 2)
    result["baseline"] = {"method": "nearest neighbour", **baseline}
    result["unscheduled"] = [
        {"customer_id": s["customer_id"], "name": s["name"], "reason": "does not fit the day"}
        for i, s in enumerate(stops, start=1)
        if i not in scheduled
    ]
    result["start"] = {
        "lon": rep["lon"],
        "lat": rep["lat"],
        "departure": start_at.isoformat(timespec="minutes"),
    }
    result["geometry"] = mapping(MultiLineString(legs)) if legs else None
    return result
