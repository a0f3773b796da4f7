"""Customers: the queries the API and CLI share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from geocrm.db import query
from geocrm.geometry import BBox


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
