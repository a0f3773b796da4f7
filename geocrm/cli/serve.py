"""``geocrm serve``: the API and the web app, behind uvicorn."""

from __future__ import annotations

import argparse

from geocrm.cli.shared import migrated_engine
from geocrm.settings import api_settings


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``serve`` command."""
    serve = sub.add_parser("serve", help="serve the API and app")
    serve.add_argument("--host", default=None, help="default GEOCRM_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default GEOCRM_PORT or 8000")
    serve.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    """Migrate, then serve until interrupted."""
    # deferred: the web server is only needed by this command
    import uvicorn

    settings = api_settings()
    host = args.host or settings.host
    port = args.port or settings.port
    migrated_engine()
    print(
        f"GeoCRM is serving at http://{host}:{port}  (API docs: http://{host}:{port}/docs)",
        flush=True,
    )
    uvicorn.run(
        "geocrm.api.app:create_app", factory=True, host=host, port=port, log_level="warning"
    )
    return 0
