"""Shareable map reports: one self-contained HTML file (folium / Leaflet) per question.

Two reports, both ``geocrm report ...`` commands:

* ``heatmap_report`` (``heatmap.py``) — a hex choropleth of one cube measure
  (``geocrm.cube.query_cube`` at one H3 resolution, any cube filters), the matching
  customers as clustered markers, and a summary panel;
* ``zone_report`` (``zone.py``) — a saved target zone (``crm.target_zones``, read by id or
  name): its outline, its audience (the customers inside it under the zone's filters) as
  markers, and the hexes that intersect it.

Every report has a legend whose classes are exactly the colours drawn (``legend.py``: the
web app's classes, palette, labels and number formats, or fixed classes, or natural
breaks), a layer control and a summary table (``panels.py``: totals, filters, when
generated, the cube build the data comes from). The figures come from ``summary.py``; the
folium map is put together and written by ``page.py``.

**Markers.** At most ``MARKER_CAP`` customers are drawn (those with the highest revenue);
the summary says so when there are more.

**Offline.** By default the file loads Leaflet and its friends from the usual CDNs and
draws OpenStreetMap raster tiles. With ``offline=True`` there is no tile layer (a plain
background and the city's drive network from ``ref.streets`` as light lines instead) and
every script and stylesheet is inlined from the project's npm packages (``assets.py``); the
file is then checked to reference nothing on the internet.
"""

from geocrm.reports.assets import ASSETS_DIR, cdn_assets, external_references, inline_assets
from geocrm.reports.heatmap import heatmap_report
from geocrm.reports.legend import (
    CLASSES,
    JENKS_SAMPLE,
    NO_DATA_COLOR,
    PALETTE,
    PALETTES,
    Legend,
    build_legend,
    class_index,
    natural_breaks,
    parse_classes,
    quantile_thresholds,
)
from geocrm.reports.page import MAX_ZOOM, Report
from geocrm.reports.panels import STAGE_COLORS
from geocrm.reports.summary import DEFAULT_RES, MARKER_CAP
from geocrm.reports.zone import find_zone, zone_report

__all__ = [
    "ASSETS_DIR",
    "CLASSES",
    "DEFAULT_RES",
    "JENKS_SAMPLE",
    "MARKER_CAP",
    "MAX_ZOOM",
    "NO_DATA_COLOR",
    "PALETTE",
    "PALETTES",
    "STAGE_COLORS",
    "Legend",
    "Report",
    "build_legend",
    "cdn_assets",
    "class_index",
    "external_references",
    "find_zone",
    "heatmap_report",
    "inline_assets",
    "natural_breaks",
    "parse_classes",
    "quantile_thresholds",
    "zone_report",
]
