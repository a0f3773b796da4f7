"""Typed dependencies of the routes: the engine, a bbox, paging."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy import Engine

from geocrm.api.params import DECIMAL
from geocrm.db import get_app_engine
from geocrm.geometry import BBox
from geocrm.identifiers import INT32_MAX
from geocrm.settings import api_settings


def get_engine(request: Request) -> Engine:
    """The app's engine (set by ``create_app``), else the process-wide one of the app's
    database role (row-level security applies to it)."""
    return engine_of_app(request.app)


def engine_of_app(app) -> Engine:
    """The engine of ``app``, made on first use (so that building the app needs no database)."""
    engine = getattr(app.state, "engine", None)
    if engine is None:
        engine = app.state.engine = get_app_engine()
    return engine


def bbox_param(
    bbox: Annotated[
        str | None,
        Query(
            description="min_lon,min_lat,max_lon,max_lat in WGS84 degrees",
            examples=["24.93,60.16,24.96,60.175"],
        ),
    ] = None,
) -> BBox | None:
    return BBox.parse(bbox) if bbox is not None else None


def limit_param(
    limit: Annotated[
        int | None, Query(ge=1, le=INT32_MAX, description="page size"), DECIMAL
    ] = None,
) -> int:
    settings = api_settings()
    if limit is None:
        return settings.page_size_default
    return min(limit, settings.page_size_max)


EngineDep = Annotated[Engine, Depends(get_engine)]
BBoxDep = Annotated[BBox | None, Depends(bbox_param)]
LimitDep = Annotated[int, Depends(limit_param)]
