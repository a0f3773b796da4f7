"""The FastAPI application: routers, error handlers, docs."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from geocrm import __version__, pipeline
from geocrm.api import (
    admin,
    auth,
    compare,
    cube,
    customers,
    geocoding,
    health,
    hotspots,
    imports,
    lookalike,
    search,
    stores,
    territories,
    tiles,
    visits,
    zones,
)
from geocrm.api import leads as leads_api  # issue 16: wt-leadsapi
from geocrm.api import whitespace as whitespace_api  # issue 16
from geocrm.api.access import PUBLIC, AuthMiddleware, BrowserGuardMiddleware, allow
from geocrm.api.deadline import DeadlineMiddleware
from geocrm.api.deps import engine_of_app
from geocrm.api.errors import install_error_handlers
from geocrm.db.scope import is_installed, system_scope
from geocrm.errors import SetupError
from geocrm.settings import auth_settings, format_settings

#: The built web app (``frontend/dist``), package data; GeoCRM is installed as plain files
#: (never zipped), so it is a directory StaticFiles can serve.
FRONTEND_DIST = Path(str(files("geocrm").joinpath("assets", "webapp")))


def _docs(request: Request) -> HTMLResponse:
    """Swagger UI for ``/openapi.json``, its files from ``frontend/dist/docs-assets``."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="GeoCRM API",
        swagger_js_url="/docs-assets/swagger-ui-bundle.js",
        swagger_css_url="/docs-assets/swagger-ui.css",
        swagger_favicon_url="/docs-assets/favicon-32x32.png",
    )


logger = logging.getLogger("geocrm.api")


def _recover(app: FastAPI) -> None:
    """Finish the work a crash left after a committed change (``pipeline.recover``), as
    GeoCRM's own work; only one of several workers starting at once does it (the others
    return at once). Never raises: the server serves meanwhile, ``/health`` says
    ``cube.stale`` until it is done."""
    try:
        with system_scope():
            report = pipeline.recover(engine_of_app(app))
        app.state.recovery_report = report
        if report.ran and (report.repairs() or report.fresh.enriched or report.fresh.cells):
            logger.warning("at start: %s", report.summary())
    except Exception:
        logger.exception("finishing the pending work at start failed; `geocrm cube refresh`")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At start, in the background: finish what a crash left undone (``_recover``); the
    thread is ``app.state.recovery``."""
    app.state.recovery = threading.Thread(
        target=_recover, args=(app,), name="geocrm-recovery", daemon=True
    )
    app.state.recovery.start()
    yield


def create_app(engine: Engine | None = None) -> FastAPI:
    """Build the app; ``engine`` defaults to the app's role on GeoCRM's database.

    The engine must be scoped (``make_engine(..., scoped=True)``): every transaction carries
    the signed-in user, so that PostgreSQL's row-level security applies."""
    if engine is not None and not is_installed(engine):
        raise SetupError(
            "The web app needs an engine that carries the user into the database: "
            "make_engine(app_url(...), scoped=True)."
        )
    app = FastAPI(
        title="GeoCRM",
        version=__version__,
        description="Geographic CRM map service: customers on the map, joined in PostGIS to "
        "trade areas, foot traffic and building types.",
        # the docs page is served below with Swagger UI from the web app's build (offline)
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.add_route("/docs", _docs, include_in_schema=False)
    app.state.engine = engine
    # added innermost first: errors (with request ids) wrap everything, then the host,
    # origin and header guard, CORS (off unless GEOCRM_CORS_ORIGINS), the time budget of
    # the map's live reads (their sign-in check included), then who is asking
    app.add_middleware(AuthMiddleware, engine_of=lambda scope: engine_of_app(scope["app"]))
    app.add_middleware(DeadlineMiddleware)
    format_settings()  # a bad GEOCRM_LOCALE / GEOCRM_CURRENCY is an error at start
    origins = auth_settings().cors_origins
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "ETag"],
        )
    app.add_middleware(BrowserGuardMiddleware)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(admin.router)
    app.include_router(geocoding.router)  # before customers: /customers/geocoding-issues
    app.include_router(customers.router)
    app.include_router(imports.router)
    app.include_router(stores.router)
    app.include_router(lookalike.router)  # issue 16: the lookalike model card
    app.include_router(compare.router)  # before cube: /api/cube/compare is no cell
    app.include_router(cube.router)
    app.include_router(tiles.router)
    app.include_router(zones.router)
    app.include_router(territories.router)
    app.include_router(visits.router)
    app.include_router(search.router)
    app.include_router(leads_api.router)  # issue 16: leads
    app.include_router(whitespace_api.router)  # issue 16: prospecting
    app.include_router(hotspots.router)  # issue 16: prospecting

    if FRONTEND_DIST.joinpath("index.html").is_file():
        # the web map app, last: every path no API route took is a file of the app
        app.mount("/", StaticFiles(directory=FRONTEND_DIST, html=True), name="app")
    else:

        @app.get("/", include_in_schema=False, dependencies=[allow(*PUBLIC)])
        def home() -> HTMLResponse:
            return HTMLResponse(
                "<h1>GeoCRM</h1><p>The web map app is not built: run "
                "<code>make install</code> (or <code>scripts/build-frontend.sh</code>). "
                'The API is at <a href="/docs">/docs</a>.</p>',
                status_code=503,
            )

    return app
