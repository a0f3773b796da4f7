"""Target zones: areas a marketer draws or picks, named and saved, and their audience.

A zone is a polygon in WGS84 (drawn as a polygon, a rectangle or a circle, or an isochrone
around a point) with audience filters (the cube's dimensions of :mod:`geocrm.vocabulary`:
``stage``, ``segment``, ``kind``, ``building_class``, ``store_id``, ``rep_id``,
``territory_id``). Its audience is every customer whose point intersects the zone (a point
on the boundary is inside) and matches the filters; ``customers`` are those past the
prospect stage, ``prospects`` the others, as the cube counts them. Counting is one indexed
PostGIS query (``crm.customers_in``, ``spatial_sql/queries/zones/count.sql``), fast enough
to run while the user drags. Under the k-rule (analysts; managers and reps outside their
rows) the others are counted from whole cells of at least k customers
(``crm.audience_counts``), with ``suppressed_cells``: see README, "Aggregates under the
k-rule".

Zones live in ``crm.target_zones`` (migration ``0011_target_zones.sql``); the API is
``geocrm.api.zones``, the CLI ``geocrm zones``, the map layer ``tiles/zones.sql``.

Modules: :mod:`~geocrm.zones.geometry` (the area), :mod:`~geocrm.zones.audience` (filters
and counting), :mod:`~geocrm.zones.saved` (saved zones), :mod:`~geocrm.zones.export` (the
audience CSV), :mod:`~geocrm.zones.table` (the audience as sorted pages),
:mod:`~geocrm.zones.isochrone`.
"""

from geocrm.vocabulary import FILTERS
from geocrm.zones.audience import audience_filters, count_audience, saved_filters
from geocrm.zones.export import (
    AUDIENCE_COLUMNS,
    Audience,
    export_audience,
    safe_filename,
    zone_audience,
)
from geocrm.zones.geometry import MAX_VERTICES, geometry_geojson, parse_geometry
from geocrm.zones.isochrone import isochrone_feature
from geocrm.zones.saved import (
    KINDS,
    MAX_NAME_CHARS,
    MAX_SOURCE_BYTES,
    create_zone,
    delete_zone,
    get_zone,
    list_zones,
    update_zone,
    zone_area,
    zone_count,
)
from geocrm.zones.table import SORTABLE, area_audience_page, zone_audience_page

__all__ = [
    "AUDIENCE_COLUMNS",
    "FILTERS",
    "KINDS",
    "MAX_NAME_CHARS",
    "MAX_SOURCE_BYTES",
    "MAX_VERTICES",
    "SORTABLE",
    "Audience",
    "area_audience_page",
    "audience_filters",
    "count_audience",
    "create_zone",
    "delete_zone",
    "export_audience",
    "geometry_geojson",
    "get_zone",
    "isochrone_feature",
    "list_zones",
    "parse_geometry",
    "safe_filename",
    "saved_filters",
    "update_zone",
    "zone_area",
    "zone_audience",
    "zone_audience_page",
    "zone_count",
]
