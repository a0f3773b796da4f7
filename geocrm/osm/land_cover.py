"""Land cover for the base map: which OSM areas are water, parks or land use, and the sea.

``land_cover_class`` maps an OSM area's tags to GeoCRM's ``(kind, class)`` with one ordered
rule table, ``LAND_COVER_RULES`` (first match wins). The three kinds are the base map's
layers:

- ``water``: lakes, ponds, rivers, basins, docks, wetland, and the sea (class ``sea``);
- ``park``: green and leisure areas: parks, gardens, playgrounds, pitches, grass, forest,
  scrub, heath, cemeteries, nature reserves, golf courses;
- ``landuse``: what the rest of the ground is used for: residential, commercial, retail,
  industrial, railway, construction, civic, military, ..., and bare ground (beach, rock).

OSM draws no sea polygon: the sea is what lies on the right of the ``natural=coastline``
ways (land on the left). ``build_sea`` closes the coastline pieces an extract holds against
the extract's frame and keeps the faces on the water side (``SeaResult``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

LAND_COVER_KINDS = ("water", "park", "landuse")

_LANDUSE_CLASSES = (
    "residential",
    "commercial",
    "retail",
    "industrial",
    "railway",
    "construction",
    "military",
    "education",
    "religious",
    "garages",
    "brownfield",
    "greenfield",
    "farmland",
    "farmyard",
    "port",
    "depot",
    "quarry",
    "landfill",
)

#: ``(key, values, kind, class)``, first match wins. ``values`` None matches any value;
#: ``class`` None takes the tag's value. Order matters where an area carries several tags:
#: water before green before land use (``leisure=pitch`` on ``landuse=grass`` is a pitch,
#: ``natural=water`` on ``landuse=pond`` is water). Values not listed are not land cover
#: (e.g. Helsinki's ``landuse=lane|road|steps|bus_stop``, street areas mis-tagged as land use).
LAND_COVER_RULES: tuple[tuple[str, frozenset[str] | None, str, str | None], ...] = (
    ("natural", frozenset({"water"}), "water", "water"),
    ("natural", frozenset({"wetland"}), "water", "wetland"),
    ("waterway", frozenset({"riverbank", "dock"}), "water", "water"),
    ("landuse", frozenset({"basin", "reservoir", "pond"}), "water", "water"),
    ("water", None, "water", "water"),
    ("leisure", frozenset({"park", "common"}), "park", "park"),
    ("leisure", frozenset({"garden"}), "park", "garden"),
    ("leisure", frozenset({"playground"}), "park", "playground"),
    ("leisure", frozenset({"pitch"}), "park", "pitch"),
    ("leisure", frozenset({"nature_reserve"}), "park", "nature_reserve"),
    ("leisure", frozenset({"golf_course"}), "park", "golf_course"),
    ("amenity", frozenset({"grave_yard"}), "park", "cemetery"),
    ("landuse", frozenset({"cemetery"}), "park", "cemetery"),
    ("landuse", frozenset({"forest"}), "park", "forest"),
    ("natural", frozenset({"wood"}), "park", "forest"),
    ("landuse", frozenset({"grass", "village_green", "meadow"}), "park", "grass"),
    ("natural", frozenset({"grassland"}), "park", "grass"),
    ("natural", frozenset({"scrub", "heath"}), "park", None),
    ("landuse", frozenset({"recreation_ground"}), "park", "park"),
    ("landuse", frozenset({"allotments"}), "park", "garden"),
    ("natural", frozenset({"beach", "sand", "bare_rock", "scree", "shingle"}), "landuse", None),
    ("landuse", frozenset({"civic_admin", "civil"}), "landuse", "civic"),
    ("landuse", frozenset(_LANDUSE_CLASSES), "landuse", None),
)


def land_cover_class(tags: Mapping[str, str]) -> tuple[str, str] | None:
    """The ``(kind, class)`` of an OSM area from its tags, or None when it is not land cover."""
    for key, values, kind, cls in LAND_COVER_RULES:
        value = tags.get(key)
        if value is not None and (values is None or value in values):
            return kind, cls or value
    return None


# -- the sea -------------------------------------------------------------------------------
@dataclass
class CoastlineRun:
    """Consecutive nodes of one ``natural=coastline`` way whose locations the file holds.

    ``first_ref``/``last_ref`` are the OSM ids of its end nodes; ``cut_at_start``/
    ``cut_at_end`` say the way goes on there through nodes the extract does not have (it
    was cut at the extract's edge), as opposed to the way ending there.
    """

    way_id: int
    coords: list[tuple[float, float]]
    first_ref: int
    last_ref: int
    cut_at_start: bool
    cut_at_end: bool


@dataclass
class SeaResult:
    """The sea inside a frame, or why it was not built."""

    polygons: list[Polygon] = field(default_factory=list)
    coastline_ways: int = 0
    skipped: str | None = None


def _chains(runs: Sequence[CoastlineRun]) -> tuple[list[list[CoastlineRun]], str | None]:
    """Join runs end to start (coastline ways share their end nodes) into chains."""
    by_start = {r.first_ref: r for r in runs if not r.cut_at_start}
    preceded = {r.last_ref for r in runs if not r.cut_at_end}
    chains, used = [], set()
    # open chains begin where nothing comes before; what is left afterwards are rings
    starts = [r for r in runs if r.cut_at_start or r.first_ref not in preceded]
    for start in [*starts, *runs]:
        if id(start) in used:
            continue
        chain, run = [], start
        while run is not None and id(run) not in used:
            used.add(id(run))
            chain.append(run)
            if run.cut_at_end:
                break
            run = by_start.get(run.last_ref)
            if run is None:
                return [], (
                    f"coastline way {chain[-1].way_id} ends at node {chain[-1].last_ref} "
                    "inside the extract and no coastline way goes on from it"
                )
        if not chain[0].cut_at_start and chain[0].first_ref not in preceded:
            return [], (
                f"coastline way {chain[0].way_id} starts at node {chain[0].first_ref} "
                "inside the extract and no coastline way leads to it"
            )
        chains.append(chain)
    return chains, None


def _to_frame(point: tuple[float, float], frame: Polygon) -> tuple[float, float]:
    """The nearest point of the frame's boundary: where a cut coastline is taken to leave."""
    p = frame.exterior.interpolate(frame.exterior.project(Point(point)))
    return (p.x, p.y)


def build_sea(runs: Sequence[CoastlineRun], frame: Polygon) -> SeaResult:
    """The sea inside ``frame`` (the extract's box) from the coastline runs the file holds.

    Runs are joined into chains; a chain cut at the extract's edge is extended from its
    last node to the nearest point of the frame (the missing nodes lie beyond it). The
    chains and the frame's boundary are polygonized, and each face is sea or land by the
    side of the coastline it lies on: OSM draws coastline with land on the left, so points
    just right of every coastline segment vote "sea" for the face they fall in, points just
    left vote "land". Faces nobody votes for (no coastline on their boundary) are land.
    Nothing is built, with the reason in ``skipped``, when a coastline way ends inside the
    extract with no continuation (the coastline cannot be closed: drawing a sea from it
    could flood the land) or when the votes of a face disagree.
    """
    result = SeaResult(coastline_ways=len({r.way_id for r in runs}))
    if not runs:
        return result
    chains, problem = _chains(runs)
    if problem:
        result.skipped = problem
        return result

    lines, segments = [], []
    for chain in chains:
        coords = [xy for run in chain for xy in run.coords]
        coords = [xy for i, xy in enumerate(coords) if i == 0 or xy != coords[i - 1]]
        segments.extend(pairwise(coords))
        if chain[0].cut_at_start:
            coords.insert(0, _to_frame(coords[0], frame))
        if chain[-1].cut_at_end:
            coords.append(_to_frame(coords[-1], frame))
        if len(coords) >= 2:
            lines.append(LineString(coords))
    if not segments:
        return result

    noded = shapely.union_all([*lines, frame.exterior])
    faces = [
        f
        for f in shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
        if frame.contains(f.representative_point())
    ]
    a, b = np.array([s[0] for s in segments]), np.array([s[1] for s in segments])
    mid, d = (a + b) / 2, b - a
    length = np.hypot(d[:, 0], d[:, 1])
    keep = length > 0
    mid, d, length = mid[keep], d[keep], length[keep]
    # a tiny step to the right (sea) of each segment's midpoint: 1% of the segment, <= ~1 m
    step = np.minimum(length * 0.01, 1e-5)[:, None] * np.column_stack([d[:, 1], -d[:, 0]])
    step /= length[:, None]
    sea_pts, land_pts = mid + step, mid - step

    sea = []
    for face in faces:
        sea_votes = int(shapely.contains_xy(face, sea_pts[:, 0], sea_pts[:, 1]).sum())
        land_votes = int(shapely.contains_xy(face, land_pts[:, 0], land_pts[:, 1]).sum())
        if sea_votes and land_votes:
            result.skipped = (
                f"the coastline does not separate land from sea consistently "
                f"({sea_votes} sea and {land_votes} land votes in one face)"
            )
            return result
        if sea_votes:
            sea.append(face)
    if sea:
        merged = shapely.union_all(sea)
        parts = merged.geoms if isinstance(merged, MultiPolygon) else [merged]
        result.polygons = sorted((p for p in parts if not p.is_empty), key=lambda p: -p.area)
    return result
