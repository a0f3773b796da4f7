"""``geocrm serve``: the API and the web app, behind uvicorn."""

from __future__ import annotations

import argparse
import sys

from geocrm.cli.shared import migrated_engine
from geocrm.db import fit_pools, get_app_engine, get_engine
from geocrm.db.pool import PoolLimits
from geocrm.db.status import check_app_role
from geocrm.settings import api_settings, format_settings

#: Addresses only this machine reaches.
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``serve`` command."""
    serve = sub.add_parser("serve", help="serve the API and app")
    serve.add_argument(
        "--host",
        default=None,
        help="address to listen on; default GEOCRM_HOST or 127.0.0.1 (this machine only); "
        "0.0.0.0 listens on every interface (a container behind a port mapping)",
    )
    serve.add_argument("--port", type=int, default=None, help="default GEOCRM_PORT or 8000")
    serve.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    """Migrate, size the connection pools to the server, check the app's database role,
    then serve until interrupted."""
    # deferred: the web server is only needed by this command
    import uvicorn

    settings = api_settings()
    format_settings()  # a bad GEOCRM_LOCALE / GEOCRM_CURRENCY stops the start, saying so
    host = args.host or settings.host
    port = args.port or settings.port
    owner = migrated_engine()
    # pools that fit max_connections with every worker and the reserve (GEOCRM_WORKERS,
    # GEOCRM_DB_RESERVE_CONNECTIONS); the engines made from here on use them
    wanted, pools = PoolLimits.configured(), fit_pools(owner)
    if pools != wanted:
        print(
            f"GeoCRM's connection pools are smaller than configured to fit the database's "
            f"max_connections: {pools.size} + {pools.max_overflow} overflow per pool.",
            file=sys.stderr,
            flush=True,
        )
    owner.dispose()
    get_engine.cache_clear()  # the owner's engine, if used again, with the fitted pool
    # the app connects as its own role, which row-level security must bind: refuse to
    # start with one that is a superuser, bypasses RLS or owns objects
    check_app_role(get_app_engine())
    if host not in LOOPBACK:
        print(
            f"GeoCRM listens on {host}: other machines can reach it (sign-in required); "
            "put it behind TLS and set GEOCRM_ALLOWED_HOSTS to the names it is reached by.",
            file=sys.stderr,
            flush=True,
        )
    print(
        f"GeoCRM is serving at http://{host}:{port}  (API docs: http://{host}:{port}/docs)",
        flush=True,
    )
    uvicorn.run(
        "geocrm.api.app:create_app", factory=True, host=host, port=port, log_level="warning"
    )
    return 0
