"""Every H3 convention of GeoCRM lives here (resolutions, ids, parents, hexagon shapes).

H3 cell ids are stored as ``bigint`` (the 64-bit H3 index; always positive). Rows carry
only their finest cell, ``h3_11`` (resolution 11, ~25 m across); coarser cells are derived
with ``ref.h3_cell_to_parent(cell, res)`` in SQL (bit arithmetic on the index, no database
extension needed) or ``cell_to_parent`` here. Hexagon polygons are materialised in
``ref.h3_cells`` for the cells in use and for a polyfill of the loaded city.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import h3
import numpy as np
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from geocrm.errors import InvalidInput

#: The resolutions of the hex cube (5: ~20 km across ... 11: ~50 m across).
RESOLUTIONS = tuple(range(5, 12))
#: The finest stored resolution: every customer, building, POI and street segment has it.
FINEST = 11
#: Resolution of the Huff model's grid (~150 m across: a city block).
HUFF_RES = 10


def across_words(res: int) -> str:
    """A hexagon's size at ``res`` in words: twice the mean edge length (corner to corner),
    rounded, in m under 1 km (``"150 m"``), else in km (``"1.1 km"``, ``"20 km"``)."""
    _check_res(res)
    metres = 2 * h3.average_hexagon_edge_length(res, "m")
    if metres < 1000:
        step = 10 if metres < 200 else 50
        return f"{round(metres / step) * step:.0f} m"
    km = metres / 1000
    return f"{km:.1f} km" if km < 10 else f"{round(km):.0f} km"


def latlng_to_cells(lats: Sequence[float], lons: Sequence[float], res: int = FINEST) -> np.ndarray:
    """H3 ids (int64) of many points; NaN coordinates give 0 (no cell)."""
    _check_res(res)
    out = np.zeros(len(lats), dtype=np.int64)
    for i, (lat, lon) in enumerate(zip(lats, lons, strict=True)):
        if lat == lat and lon == lon:  # not NaN
            out[i] = h3.str_to_int(h3.latlng_to_cell(lat, lon, res))
    return out


def get_resolution(cell: int) -> int:
    """The resolution of an H3 cell id (bits 52-55 of the index)."""
    return (int(cell) >> 52) & 15


def cell_to_parent(cells: Iterable[int], res: int) -> np.ndarray:
    """Parent ids at ``res`` of many cells (the same arithmetic as the SQL function)."""
    _check_res(res)
    arr = np.asarray(list(cells), dtype=np.int64)
    cleared = arr & ~np.int64(15 << 52)
    return cleared | np.int64(res << 52) | np.int64((1 << (3 * (15 - res))) - 1)


def cell_boundaries(cells: Iterable[int]) -> list[Polygon]:
    """Hexagon (or pentagon) polygons of cells, lon/lat."""
    polygons = []
    for cell in cells:
        ring = h3.cell_to_boundary(h3.int_to_str(int(cell)))  # (lat, lon) pairs
        polygons.append(Polygon([(lon, lat) for lat, lon in ring]))
    return polygons


def polygon_to_cells(area: BaseGeometry, res: int) -> list[int]:
    """Cells whose centre lies inside a lon/lat polygon or multipolygon."""
    _check_res(res)
    cells: set[int] = set()
    for part in getattr(area, "geoms", [area]):
        if part.is_empty or part.geom_type != "Polygon":
            continue
        shape = h3.LatLngPoly(
            [(y, x) for x, y in part.exterior.coords],
            *[[(y, x) for x, y in ring.coords] for ring in part.interiors],
        )
        cells.update(h3.str_to_int(c) for c in h3.h3shape_to_cells(shape, res))
    return sorted(cells)


def cover_cells(area: BaseGeometry, res: int) -> list[int]:
    """Cells covering an area: those whose centre is inside, plus one ring around them,
    so that places near the edge (whose cell centre falls just outside) have a cell too."""
    inner = polygon_to_cells(area, res)
    cells = set(inner)
    for cell in inner:
        cells.update(h3.str_to_int(c) for c in h3.grid_disk(h3.int_to_str(cell), 1))
    return sorted(cells)


def cell_centroids(cells: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(lons, lats) of the cells' centres."""
    lats, lons = (
        zip(*(h3.cell_to_latlng(h3.int_to_str(int(c))) for c in cells), strict=True)
        if len(cells)
        else ((), ())
    )
    return np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)


def check_res(res: Any, allowed: Sequence[int] = RESOLUTIONS, *, what: str = "the cube's") -> int:
    """``res`` as an int when it is one of ``allowed``; ``InvalidInput`` otherwise."""
    if isinstance(res, bool) or not isinstance(res, int) or res not in allowed:
        raise InvalidInput(
            f"res must be one of {what} resolutions {allowed[0]}..{allowed[-1]}, not {res!r:.40}"
        )
    return res


def parse_cell(value: Any) -> int:
    """A valid H3 cell id from an int, its decimal text or its hex index (``8b1126...``)."""
    cell: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        cell = value
    elif isinstance(value, str):
        text = value.strip()
        # isascii: str.isdigit() also accepts digits such as '²' that int() refuses
        if text.isascii() and text.isdigit() and len(text) <= 20:
            cell = int(text)
        elif text.isascii() and len(text) <= 16:
            try:
                cell = h3.str_to_int(text) if h3.is_valid_cell(text) else None
            except (ValueError, TypeError, OverflowError, h3.H3BaseException):
                cell = None
    if cell is None or not 0 < cell < 2**63 or not h3.is_valid_cell(h3.int_to_str(cell)):
        raise InvalidInput(
            f"{str(value)[:40]!r} is not an H3 cell: give its hex index (e.g. 8b1126d90400fff) "
            "or its 64-bit integer id"
        )
    return cell


def _check_res(res: int) -> None:
    check_res(res, range(16), what="H3's")
