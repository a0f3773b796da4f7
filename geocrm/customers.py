"""Customers: the queries the API and CLI share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from geocrm.auth import audit
from geocrm.auth.principal import Principal
from geocrm.db import bulk_transaction, query
from geocrm.db.extent import margin_m, refuse_outside_city
from geocrm.errors import Forbidden, InvalidInput, NotFound
from geocrm.geocode import cached_geocoder
from geocrm.geometry import BBox, Point
from geocrm.ingest import write_geocodes, write_rejects_report


@dataclass(frozen=True)
class CustomerPage:
    """A page of customers as GeoJSON features, and where the next page starts."""

    features: list[dict[str, Any]]
    number_matched: int
    next_after: int | None

    def feature_collection(self) -> dict[str, Any]:
        """An RFC 7946 FeatureCollection with OGC API-style paging members."""
        return {
            "type": "FeatureCollection",
            "numberMatched": self.number_matched,
            "numberReturned": len(self.features),
            "features": self.features,
        }


def customer_page(
    engine: Engine, *, bbox: BBox | None = None, limit: int = 100, after_id: int = 0
) -> CustomerPage:
    """Customers in ``bbox`` (all when None), ``limit`` at a time after id ``after_id``."""
    box = bbox.as_params() if bbox else dict.fromkeys(("min_lon", "min_lat", "max_lon", "max_lat"))
    with engine.connect() as conn:
        features = list(
            conn.execute(
                query("customers/page"), {**box, "after_id": after_id, "limit": limit + 1}
            ).scalars()
        )
        matched = conn.execute(query("customers/count"), box).scalar_one()
    more = len(features) > limit
    features = features[:limit]
    return CustomerPage(features, matched, features[-1]["id"] if more else None)


def geocoding_issues(
    engine: Engine, *, max_confidence: float = 0.8, limit: int = 1000
) -> list[dict[str, Any]]:
    """Customers placed outside the loaded cities (first), not placed, placed roughly, or
    below ``max_confidence`` (worst first); ``reason`` says which (``outside_city``,
    ``not_placed``, ``rough_match``, ``low_confidence``), ``detail`` more for the first."""
    if not 0 <= max_confidence <= 1:
        raise InvalidInput("max_confidence must be within 0..1")
    params = {"max_confidence": max_confidence, "limit": limit, "margin_m": margin_m()}
    with engine.connect() as conn:
        rows = conn.execute(query("customers/geocoding_issues"), params).mappings()
        return [dict(r) for r in rows]


def require_may_change(engine: Engine, external_id: str) -> None:
    """``NotFound`` unless the current user sees the customer, ``Forbidden`` unless they may
    change it (both decided by the database's row-level security)."""
    with engine.begin() as conn:
        row = conn.execute(query("customers/may_change"), {"external_id": external_id}).one()
    if not row.visible:
        raise NotFound(f"No customer with external_id {external_id!r}.")
    if not row.writable:
        raise Forbidden(f"You may not change customer {external_id!r}.")


def pin_customer(engine: Engine, external_id: str, *, lon: float, lat: float) -> dict[str, Any]:
    """Place a customer by hand (``match_level = manual``; re-geocoding never moves it).

    A point outside the loaded cities and ``GEOCRM_EXTENT_MARGIN_KM`` around them is
    refused (``InvalidInput``: it would be left out of everything the map does).
    ``geocrm.pipeline.pin_customer`` then enriches it at its new place and refreshes the
    hex cube."""
    point = Point(lon=lon, lat=lat)
    with engine.begin() as conn:
        refuse_outside_city(conn, lon=point.lon, lat=point.lat)
        row = (
            conn.execute(
                query("customers/pin"),
                {
                    "external_id": external_id,
                    "lon": point.lon,
                    "lat": point.lat,
                    "margin_m": margin_m(),
                },
            )
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(f"No customer with external id {external_id!r}")
    return dict(row)


def regeocode(
    engine: Engine, *, everything: bool = False, progress: bool = False
) -> dict[str, int]:
    """Geocode customers again from their address: those not yet placed (or whose address
    changed), or with ``everything`` all address-placed ones. Manual pins never move.
    ``geocrm.pipeline.regeocode`` then enriches those placed or moved and refreshes the
    hex cube."""
    with bulk_transaction(engine) as conn:
        conn.execute(query("customers/lock_for_bulk_update"))
        todo = conn.execute(query("customers/to_regeocode"), {"everything": everything}).all()
        if not todo:
            return {"geocoded": 0, "placed": 0, "not_placed": 0}
        results = cached_geocoder(engine).geocode_many(
            [r.address for r in todo], postcodes=[r.postcode for r in todo], progress=progress
        )
        write_geocodes(conn, [r.customer_id for r in todo], results)
    placed = sum(r.match_level != "none" for r in results)
    return {"geocoded": len(results), "placed": placed, "not_placed": len(results) - placed}


def customer_feature(engine: Engine, customer_id: int) -> dict[str, Any]:
    """One customer as a GeoJSON Feature with its enrichment and interaction summary."""
    with engine.connect() as conn:
        feature = conn.execute(query("customers/detail"), {"customer_id": customer_id}).scalar()
    if feature is None:
        raise NotFound(f"No customer with id {customer_id}")
    return feature


#: Fewest characters (after normalisation) a search query needs.
SEARCH_MIN_CHARS = 2
#: Most results of one search.
SEARCH_MAX_LIMIT = 100
#: pg_trgm word similarity (0..1) from which a word of a customer's name or address counts
#: as a typo of the query (pg_trgm's default, 0.6, misses one wrong letter in a short word).
SEARCH_SIMILARITY_THRESHOLD = 0.45
#: Most matches of one search that are ranked: a query matching more customers than this
#: (a word nearly every address has) ranks the first ones found, so it stays fast at scale.
SEARCH_MAX_CANDIDATES = 1000


def search_customers(engine: Engine, q: str, *, limit: int = 10) -> list[dict[str, Any]]:
    """Customers whose name or address matches ``q``, best first.

    Case, accents and punctuation are ignored (``lonnrotinkatu`` finds Lönnrotinkatu).
    Customers whose name starts with ``q`` come first, then those with ``q`` as a whole
    word, as the start of a word, anywhere, and last typo-tolerant matches (trigram word
    similarity of at least :data:`SEARCH_SIMILARITY_THRESHOLD`); within each group by
    similarity (a query matching more than :data:`SEARCH_MAX_CANDIDATES` customers ranks
    the first of them found). Each result has ``customer_id``, ``name``, ``address``, ``stage``,
    ``segment``, ``lon``, ``lat`` (None when not placed), and how it matched (``match``,
    ``similarity``).
    """
    if not 1 <= limit <= SEARCH_MAX_LIMIT:
        raise InvalidInput(f"limit must be within 1..{SEARCH_MAX_LIMIT}, not {limit}")
    with engine.begin() as conn:
        normal = conn.execute(query("customers/normalize"), {"q": q}).scalar() or ""
        if len(normal.replace(" ", "")) < SEARCH_MIN_CHARS:
            raise InvalidInput(
                f"q must have at least {SEARCH_MIN_CHARS} letters or digits, got {q!r}"
            )
        conn.execute(
            query("customers/search_settings"),
            {"threshold": str(SEARCH_SIMILARITY_THRESHOLD)},
        )
        rows = conn.execute(
            query("customers/search"),
            {"q": q, "limit": limit, "candidates": SEARCH_MAX_CANDIDATES},
        ).mappings()
        return [dict(r) for r in rows]


def customer_interactions(
    engine: Engine, customer_id: int, *, limit: int = 50
) -> list[dict[str, Any]]:
    """A customer's interaction history (orders, requests, visits...), newest first, at most
    ``limit`` of them; ``NotFound`` when there is no such customer."""
    if not 1 <= limit <= 10_000:
        raise InvalidInput(f"limit must be within 1..10000, not {limit}")
    with engine.connect() as conn:
        history = conn.execute(
            query("customers/interactions"), {"customer_id": customer_id, "limit": limit}
        ).scalar()
    if history is None:
        raise NotFound(f"No customer with id {customer_id}")
    return history


# --------------------------------------------------------------------------- GDPR

#: The row's columns that say how the customer was placed on the map.
GEOCODE_FIELDS = (
    "lon",
    "lat",
    "geocode_match_level",
    "geocode_confidence",
    "geocoded_address",
    "geocoded_at",
)


def export_data(engine: Engine, external_id: str) -> dict[str, Any]:
    """Everything GeoCRM holds about one customer (GDPR access): the row, the interactions,
    the enrichment, refused import rows carrying the external id, and how the customer was
    geocoded (with the online geocoder's cached answer for the address, if any). A person
    known only from refused import rows has ``customer`` None; nobody at all: ``NotFound``."""
    with engine.connect() as conn:
        found = conn.execute(query("customers/export_row"), {"external_id": external_id}).first()
        rejects = [
            dict(r)
            for r in conn.execute(
                query("customers/export_rejects"), {"external_id": external_id}
            ).mappings()
        ]
        if found is None and not rejects:
            raise NotFound(f"No customer with external id {external_id!r}.")
        row: dict[str, Any] = found.row if found is not None else {}
        cid = {"customer_id": found.customer_id if found is not None else None}
        interactions = [r.row for r in conn.execute(query("customers/export_interactions"), cid)]
        enrichment = conn.execute(query("customers/export_enrichment"), cid).scalar()
        cached = (
            conn.execute(
                query("customers/export_geocode_cache"), {"address": row["address"]}
            ).scalar()
            if row.get("address")
            else None
        )
    return {
        "external_id": external_id,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "customer": row or None,  # None: only refused import rows carry the id
        "interactions": interactions,
        "enrichment": enrichment,
        "import_rejects": rejects,
        "geocoding": {
            **{k: row.get(k) for k in GEOCODE_FIELDS},
            "online_geocoder_cache": cached,
        },
    }


def forget_customer(
    engine: Engine, external_id: str, actor: Principal | None = None
) -> dict[str, int]:
    """Erase one customer (GDPR erasure): the refused import rows carrying the external id,
    the interactions, the enrichment, the row, the online geocoder's cached answer for the
    address (unless another customer shares it), in one transaction with its audit entry
    (``customers.forget``, target ``audit.customer_ref``: no id, no data). The rejects
    reports of the imports concerned are written again without those rows.

    The cube cells the customer counted in are queued by the tables' triggers;
    ``geocrm.pipeline.forget_customer`` refreshes them. Returns counts only."""
    with engine.begin() as conn:
        found = conn.execute(query("customers/forget_lookup"), {"external_id": external_id}).first()
        rejects = conn.execute(
            query("customers/forget_rejects"), {"external_id": external_id}
        ).all()
        if found is None and not rejects:
            raise NotFound(f"No customer with external id {external_id!r}.")
        counts = {"customer": 0, "interactions": 0, "enrichment": 0, "geocode_cache": 0}
        if found is not None:
            cid = {"customer_id": found.customer_id}
            counts["interactions"] = conn.execute(
                query("customers/forget_interactions"), cid
            ).rowcount
            counts["enrichment"] = conn.execute(query("customers/forget_enrichment"), cid).rowcount
            counts["customer"] = conn.execute(query("customers/forget_customer"), cid).rowcount
            if found.address:
                counts["geocode_cache"] = conn.execute(
                    query("customers/forget_geocode_cache"), {"address": found.address}
                ).rowcount
        counts["import_rejects"] = sum(r.rows for r in rejects)
        audit.record(conn, actor, "customers.forget", audit.customer_ref(external_id), counts)
    reports = [(r.import_id, Path(r.rejects_file)) for r in rejects if r.rejects_file]
    with engine.connect() as conn:
        for import_id, path in reports:
            if path.is_file():
                write_rejects_report(conn, import_id, path)
    counts["rejects_reports_rewritten"] = sum(path.is_file() for _, path in reports)
    return counts
