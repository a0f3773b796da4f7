"""Orchestration above the stages: what runs after what, so that derived data stays fresh.

The stages (``osm``, ``geocode``, ``ingest``, ``enrich``, ``cube``, ``tiles``, ...) never call
one another "up"; the front doors (CLI, API) call the functions here when a change must
ripple on.
"""

from __future__ import annotations

from sqlalchemy import Engine

from geocrm import tiles
from geocrm.db import migrate as schema


def migrate(engine: Engine) -> schema.MigrationReport:
    """Bring the schema up to date: migrations, SQL functions, then the map layers' tile
    functions (which use them); safe to run any time."""
    return schema.migrate(engine, extra_functions=tiles.tile_function_sql())
