"""The map's search box: one query, answered by addresses, streets, places and accounts.

``search_map`` asks, for what someone typed:

* the offline geocoder (:mod:`geocrm.geocode`), for an address with a house number
  (``Aleksanterinkatu 5``, typos and abbreviations forgiven), a landmark by its name
  (``Hotelli Torni``) and, when the street search below finds nothing, a street it
  recognises despite a typo;
* the loaded city's streets (``ref.streets``, Finnish and Swedish names) and named places
  (``ref.places``: districts, suburbs, squares ...): case, accents and punctuation ignored,
  typos tolerated (pg_trgm word similarity), each with its extent to fit the map to;
* the accounts the signed-in user may see (:func:`geocrm.customers.search_customers`, under
  row-level security: a rep finds their own accounts only, an analyst none).

Results of every kind are ranked together: the name starts with the query, a word of it
is the query, a word starts with it, it is inside a word, then similar names; within each
of these, addresses before places, streets and accounts.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine

from geocrm import customers
from geocrm.db import query
from geocrm.errors import GeoCrmError, InvalidInput
from geocrm.geocode import cached_geocoder

#: Shortest query, in letters or digits (as the account search).
SEARCH_MIN_CHARS = customers.SEARCH_MIN_CHARS
#: Longest query, in characters.
SEARCH_MAX_CHARS = 200
#: Most results one search returns.
SEARCH_MAX_LIMIT = 50
#: Candidate rows of one kind ranked at most (a query matching very many stays fast).
SEARCH_MAX_CANDIDATES = 1000
#: Where a kind stands among results matched equally well.
KIND_ORDER = ("address", "place", "street", "customer")
#: How well a match is (best first), as search/*.sql and the account search name them.
_MATCHES = {"name_prefix": 1, "word": 2, "word_prefix": 3, "substring": 4, "similar": 5}
#: Kinds of place in words, for a result's detail.
PLACE_KINDS = {
    "city": "City",
    "town": "Town",
    "village": "Village",
    "hamlet": "Hamlet",
    "district": "District",
    "suburb": "District",
    "quarter": "Quarter",
    "neighbourhood": "Neighbourhood",
    "city_block": "City block",
    "square": "Square",
    "island": "Island",
    "islet": "Islet",
    "locality": "Locality",
}
_HAS_NUMBER = re.compile(r"\d")


def _letters(q: str) -> int:
    return sum(ch.isalnum() for ch in q)


def search_map(engine: Engine, q: str, *, limit: int = 8) -> list[dict[str, Any]]:
    """What the map's search box lists for ``q``, best first, at most ``limit`` results.

    Parameters
    ----------
    engine : the database; the app's engine, so that accounts obey row-level security.
    q : what was typed (at least :data:`SEARCH_MIN_CHARS` letters or digits, at most
        :data:`SEARCH_MAX_CHARS` characters).
    limit : 1 .. :data:`SEARCH_MAX_LIMIT`.

    Returns
    -------
    list of dict
        ``kind`` (address, street, place or customer), ``label``, ``detail``, ``center``
        ``[lon, lat]``, ``bbox`` ``[west, south, east, north]`` for streets and places
        with an extent, ``customer_id`` for accounts.
    """
    if not 1 <= limit <= SEARCH_MAX_LIMIT:
        raise InvalidInput(f"limit must be within 1..{SEARCH_MAX_LIMIT}, not {limit}")
    if len(q) > SEARCH_MAX_CHARS:
        raise InvalidInput(f"q must have at most {SEARCH_MAX_CHARS} characters")
    if _letters(q) < SEARCH_MIN_CHARS:
        raise InvalidInput(f"q must have at least {SEARCH_MIN_CHARS} letters or digits")
    ranked: list[tuple[tuple, dict[str, Any]]] = []

    def add(match: int, kind: str, similarity: float, result: dict[str, Any]) -> None:
        ranked.append(((match, KIND_ORDER.index(kind), -similarity, len(ranked)), result))

    params = {"q": q, "limit": limit, "candidates": SEARCH_MAX_CANDIDATES}
    with engine.begin() as conn:
        conn.execute(
            query("customers/search_settings"),
            {"threshold": str(customers.SEARCH_SIMILARITY_THRESHOLD)},
        )
        for row in conn.execute(query("search/places"), params).mappings():
            add(row["match_rank"], "place", row["similarity"], _place(row))
        streets = conn.execute(query("search/streets"), params).mappings().all()
        for row in streets:
            add(row["match_rank"], "street", row["similarity"], _street(row))
    for hit in _geocoded(engine, q, known={r["name"] for r in streets}):
        add(1, hit["kind"], 1.0, hit)
    for row in customers.search_customers(engine, q, limit=limit):
        if row["lon"] is None:  # not placed: nowhere on the map to go
            continue
        add(_MATCHES[row["match"]], "customer", row["similarity"], _customer(row))
    ranked.sort(key=lambda pair: pair[0])
    return [result for _, result in ranked[:limit]]


def _place(row) -> dict[str, Any]:
    names = dict(row["names"])
    # the name in the other language of the city (Swedish in Helsinki), else in English
    other = [
        names[lang] for lang in ("sv", "fi", "en") if names.get(lang, row["name"]) != row["name"]
    ]
    kind = PLACE_KINDS.get(row["kind"], "Place")
    detail = f"{kind} · {other[0]}" if other else kind
    result = {
        "kind": "place",
        "label": row["name"],
        "detail": detail,
        "center": [row["lon"], row["lat"]],
    }
    if row["bbox"]:
        result["bbox"] = list(row["bbox"])
    return result


def _street(row) -> dict[str, Any]:
    parts = ["Street"]
    if row["name_sv"] and row["name_sv"] != row["name"]:
        parts.append(row["name_sv"])
    if row["area"]:
        parts.append(row["area"])
    return {
        "kind": "street",
        "label": row["name"],
        "detail": " · ".join(parts),
        "center": [row["lon"], row["lat"]],
        "bbox": list(row["bbox"]),
    }


def _customer(row) -> dict[str, Any]:
    detail = " · ".join(p for p in ("Account", row["geocoded_address"] or row["address"]) if p)
    return {
        "kind": "customer",
        "label": row["name"],
        "detail": detail,
        "center": [row["lon"], row["lat"]],
        "customer_id": row["customer_id"],
    }


def _geocoded(engine: Engine, q: str, *, known: set[str]) -> list[dict[str, Any]]:
    """The geocoder's answer: an address when a number was typed, a street found despite a
    typo that the street search missed (``known``: the streets it found), or a landmark
    (a point of interest) known by its name."""
    try:
        found = cached_geocoder(engine).geocode(q)
    except GeoCrmError:  # no city loaded: the other kinds still answer
        return []
    if found.lat is None or found.matched_address is None:
        return []
    center = [round(found.lon, 7), round(found.lat, 7)]
    if found.match_level in ("address", "interpolated") and _HAS_NUMBER.search(q):
        detail = "Address" if found.match_level == "address" else "Address (estimated)"
        label = found.matched_address
        return [{"kind": "address", "label": label, "detail": detail, "center": center}]
    if found.match_level == "street" and not known:
        name = found.matched_address.split(",")[0]
        return [{"kind": "street", "label": name, "detail": "Street", "center": center}]
    if found.match_level == "poi":  # a landmark known by its name (Hotelli Torni)
        label = found.matched_address
        return [{"kind": "place", "label": label, "detail": "Landmark", "center": center}]
    return []
