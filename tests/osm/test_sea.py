"""The sea from pieces of coastline, on hand-drawn coasts: no file, no database."""

from shapely.geometry import box

from geocrm.osm.land_cover import CoastlineRun, build_sea


def _run(way_id, coords, first, last, cut_start, cut_end):
    return CoastlineRun(way_id, coords, first, last, cut_start, cut_end)


def test_sea_lies_right_of_the_coastline_and_islands_are_land():
    frame = box(0, 0, 10, 10)
    # a coastline heading north through the frame, cut at both edges: sea to the east
    north = [
        _run(1, [(5, 0.5), (5, 5)], 1, 2, True, False),
        _run(2, [(5, 5), (5, 9.5)], 2, 3, False, True),
    ]
    sea = build_sea(north, frame)
    assert sea.skipped is None and sea.coastline_ways == 2 and len(sea.polygons) == 1
    assert sea.polygons[0].equals(box(5, 0, 10, 10))
    # the same coastline drawn southwards: the sea is west
    south = [_run(1, [(5, 9.5), (5, 0.5)], 1, 2, True, True)]
    assert build_sea(south, frame).polygons[0].equals(box(0, 0, 5, 10))
    # an island in the sea: a closed coastline way, anticlockwise (land on its left)
    island = _run(3, [(7, 4), (8, 4), (8, 5), (7, 5), (7, 4)], 9, 9, False, False)
    with_island = build_sea([*north, island], frame).polygons
    assert len(with_island) == 1 and with_island[0].area == 49
    assert not with_island[0].contains(box(7, 4, 8, 5).centroid)


def test_a_coastline_that_cannot_be_closed_draws_no_sea():

    # the way ends inside the extract and nothing goes on from it
    broken = [_run(1, [(5, 0.5), (5, 5)], 1, 2, True, False)]
    sea = build_sea(broken, box(0, 0, 10, 10))
    assert sea.polygons == [] and "ends at node 2 inside the extract" in sea.skipped
    assert build_sea([], box(0, 0, 10, 10)).polygons == []
