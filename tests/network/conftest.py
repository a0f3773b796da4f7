"""The walk and drive travel graphs of the loaded city, built once for the package."""

from __future__ import annotations

import pytest

from geocrm.network import travel_graph


@pytest.fixture(scope="package")
def walk(engine, city):
    return travel_graph(engine, None, "walk")


@pytest.fixture(scope="package")
def drive(engine, city):
    return travel_graph(engine, None, "drive")
