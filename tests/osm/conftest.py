"""The file's census, counted once for the package."""

import pytest

from geocrm.osm import default_pbf
from tests.osm.census import FileCount


@pytest.fixture(scope="package")
def file_count():
    handler = FileCount()
    handler.apply_file(str(default_pbf()), locations=True)
    return handler
