"""Cells of the hex cube (as ``query_cube`` returns them) as GeoJSON hexagons or CSV."""

from __future__ import annotations

import io
import json
from typing import Any

import shapely
from sqlalchemy import Engine

from geocrm import csvsafe, hexgrid
from geocrm.dimension_values import cube_sql
from geocrm.vocabulary import MEASURES


def cells_geojson(engine: Engine, cells: list[dict[str, Any]]) -> dict[str, Any]:
    """Cells (as ``query_cube`` returns them) as a GeoJSON FeatureCollection of hexagons.

    Hexagons come from ``ref.h3_cells``; cells not materialised there are drawn with
    ``geocrm.hexgrid.cell_boundaries``.
    """
    ids = [c["cell"] for c in cells]
    with engine.connect() as conn:
        shapes = {
            h: json.loads(g) for h, g in conn.execute(cube_sql("cell_shapes"), {"cells": ids}).all()
        }
    missing = [i for i in ids if i not in shapes]
    for cell, polygon in zip(missing, hexgrid.cell_boundaries(missing), strict=True):
        shapes[cell] = json.loads(shapely.to_geojson(polygon))
    features = [
        {
            "type": "Feature",
            "id": c["h3"],
            "geometry": shapes[c["cell"]],
            # the int id loses precision in JavaScript: clients key on the hex id
            "properties": {k: v for k, v in c.items() if k != "cell"},
        }
        for c in cells
    ]
    return {"type": "FeatureCollection", "features": features}


def cells_csv(cells: list[dict[str, Any]]) -> str:
    """Cells (as ``query_cube`` returns them) as CSV text with a header row."""
    out = io.StringIO()
    columns = list(cells[0]) if cells else ["cell", "h3", "res", *MEASURES]
    writer = csvsafe.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(cells)
    return out.getvalue()
