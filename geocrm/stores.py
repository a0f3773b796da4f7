"""Stores and their trade areas: the reads the API and CLI share."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from geocrm.db import query
from geocrm.errors import InvalidInput

TRADE_AREA_KINDS = ("isochrone", "ring", "huff_primary", "huff_secondary")
MODES = ("walk", "drive")


def _collection(features: list) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def store_features(engine: Engine) -> dict[str, Any]:
    """All stores as a GeoJSON FeatureCollection."""
    with engine.connect() as conn:
        return _collection(list(conn.execute(query("stores/features")).scalars()))


def trade_area_features(
    engine: Engine, *, store_id: int | None = None, mode: str | None = None, kind: str | None = None
) -> dict[str, Any]:
    """Trade areas as a GeoJSON FeatureCollection, filtered by store, mode and kind."""
    if mode is not None and mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if kind is not None and kind not in TRADE_AREA_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(TRADE_AREA_KINDS)}, not {kind!r}")
    with engine.connect() as conn:
        features = conn.execute(
            query("stores/trade_areas"), {"store_id": store_id, "mode": mode, "kind": kind}
        ).scalars()
        return _collection(list(features))
