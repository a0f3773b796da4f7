"""What every benchmark needs: a database of its own in the embedded cluster."""

from __future__ import annotations

from sqlalchemy import Engine

from geocrm.db import make_engine
from geocrm.db.embedded import EmbeddedCluster
from geocrm.osm import load_osm
from geocrm.pipeline import migrate
from geocrm.settings import DatabaseSettings


def bench_engine(name: str, *, with_city: bool = True, fresh: bool = True) -> Engine:
    """A fresh database ``name`` (dropped and re-created), migrated, with Helsinki loaded.

    ``fresh=False`` keeps the database if it exists (a benchmark re-run on data it already
    set up; loading the same city again is skipped)."""
    cluster = EmbeddedCluster(DatabaseSettings(database_url=None))
    cluster.start()
    engine = make_engine(cluster.create_database(name, drop_first=fresh))
    migrate(engine)
    if with_city:
        load_osm(engine, progress=False)
    return engine
