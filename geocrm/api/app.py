"""The FastAPI application: routers, error handlers, docs."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine

from geocrm import __version__
from geocrm.api import cube, customers, geocoding, health, imports, stores, tiles, zones
from geocrm.api.errors import install_error_handlers


def create_app(engine: Engine | None = None) -> FastAPI:
    """Build the app; ``engine`` defaults to GeoCRM's configured database."""
    app = FastAPI(
        title="GeoCRM",
        version=__version__,
        description="Geographic CRM map service: customers on the map, joined in PostGIS to "
        "trade areas, foot traffic and building types.",
    )
    app.state.engine = engine
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(geocoding.router)  # before customers: /customers/geocoding-issues
    app.include_router(customers.router)
    app.include_router(imports.router)
    app.include_router(stores.router)
    app.include_router(cube.router)
    app.include_router(tiles.router)
    app.include_router(zones.router)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        # The web map app (frontend/) is not built yet: the API docs are the front page.
        return RedirectResponse("/docs")

    return app
