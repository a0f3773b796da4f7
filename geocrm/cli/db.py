"""``geocrm db``: the embedded PostGIS cluster and the migrations."""

from __future__ import annotations

import argparse

from sqlalchemy import make_url

from geocrm.db import get_engine, resolve_url
from geocrm.db.embedded import EmbeddedCluster
from geocrm.pipeline import migrate
from geocrm.settings import database_settings


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the ``db`` command."""
    db = sub.add_parser("db", help="the database: embedded cluster and migrations")
    db.add_argument("action", choices=["start", "stop", "status", "url", "migrate"])
    db.set_defaults(func=cmd_db)


def _cluster() -> EmbeddedCluster | None:
    """The embedded cluster; None when DATABASE_URL names a server of its own."""
    settings = database_settings()
    if settings.database_url:
        return None
    return EmbeddedCluster(settings)


def cmd_db(args: argparse.Namespace) -> int:
    """Start, stop or inspect the embedded cluster, print the URL, or migrate."""
    cluster = _cluster()
    if args.action == "migrate":
        report = migrate(get_engine())
        names = ", ".join(report.applied) or "none"
        print(
            f"migrations applied: {names} ({report.already} already applied); "
            f"{report.functions} SQL function files refreshed"
        )
        return 0
    if args.action == "url":
        print(resolve_url(start=False))
        return 0
    if cluster is None:
        print(
            f"DATABASE_URL is set: GeoCRM uses that server and manages no cluster "
            f"({args.action} does nothing)."
        )
        return 0
    if args.action == "start":
        status = cluster.start()
        print(f"embedded PostGIS running on 127.0.0.1:{status.port} (data: {status.data_dir})")
        shown = make_url(status.url).render_as_string(hide_password=True) if status.url else "-"
        print(f"url: {shown} (the password: `geocrm db url`)")
    elif args.action == "stop":
        cluster.stop()
        print("embedded PostGIS stopped")
    elif args.action == "status":
        status = cluster.status()
        state = "running" if status.running else ("stopped" if status.initialised else "absent")
        print(f"embedded PostGIS: {state}; data: {status.data_dir}; port: {status.port or '-'}")
        return 0 if status.running else 1
    return 0
