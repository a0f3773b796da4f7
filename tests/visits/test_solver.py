"""The order of a day's stops, without a database: OR-Tools and the nearest-neighbour
baseline on a known travel-time matrix."""

from __future__ import annotations

import numpy as np
import pytest

from geocrm import visits


def test_nearest_neighbour_and_ortools_on_a_known_matrix():
    # four places on a line at 0, 1, 3, 6 km (1 km a minute): the best tour is out and back
    x = np.array([0.0, 1.0, 3.0, -2.0])
    seconds = np.abs(x[:, None] - x[None, :]) * 60
    assert visits.nearest_neighbour(seconds, [1, 2, 3]) == [1, 2, 3]  # 1+2+5+2 = 10 min
    order = visits.solve_ortools(seconds, 0.0, 3600.0, time_limit_s=0.2)
    assert sorted(order) == [1, 2, 3]
    assert visits.tour_totals(seconds, seconds, order)["travel_minutes"] == pytest.approx(10.0)
    # a day too short for all: the far stop is dropped
    assert 2 not in visits.solve_ortools(seconds, 0.0, 300.0, time_limit_s=0.2)
