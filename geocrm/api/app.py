"""The FastAPI application: routers, error handlers, docs."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from geocrm import __version__
from geocrm.api import (
    cube,
    customers,
    geocoding,
    health,
    imports,
    stores,
    territories,
    tiles,
    visits,
    zones,
)
from geocrm.api.errors import install_error_handlers

#: The built web app (``frontend/dist``), package data; GeoCRM is installed as plain files
#: (never zipped), so it is a directory StaticFiles can serve.
FRONTEND_DIST = Path(str(files("geocrm").joinpath("assets", "webapp")))


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
    app.include_router(territories.router)
    app.include_router(visits.router)

    if FRONTEND_DIST.joinpath("index.html").is_file():
        # the web map app, last: every path no API route took is a file of the app
        app.mount("/", StaticFiles(directory=FRONTEND_DIST, html=True), name="app")
    else:

        @app.get("/", include_in_schema=False)
        def home() -> HTMLResponse:
            return HTMLResponse(
                "<h1>GeoCRM</h1><p>The web map app is not built: run "
                "<code>make install</code> (or <code>scripts/build-frontend.sh</code>). "
                'The API is at <a href="/docs">/docs</a>.</p>',
                status_code=503,
            )

    return app
