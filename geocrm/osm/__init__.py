"""OpenStreetMap: load a city from an ``.osm.pbf``, and its street graphs back out.

* :mod:`~geocrm.osm.reader`: the pyosmium pass (census and staged rows);
* :mod:`~geocrm.osm.land_cover`: water, parks, land use and the sea;
* :mod:`~geocrm.osm.load`: the street networks (pyrosm), COPY and the SQL that fills ``ref.*``;
* :mod:`~geocrm.osm.graphs`: the stored networks as networkx graphs.
"""

from geocrm.osm.graphs import NETWORKS, street_graph
from geocrm.osm.load import OsmLoadReport, dataset_name_for, default_pbf, load_osm
from geocrm.osm.reader import CENSUS_KINDS, POI_KEYS, TRANSIT_TAGS, KindCount, is_transit

__all__ = [
    "CENSUS_KINDS",
    "NETWORKS",
    "POI_KEYS",
    "TRANSIT_TAGS",
    "KindCount",
    "OsmLoadReport",
    "dataset_name_for",
    "default_pbf",
    "is_transit",
    "load_osm",
    "street_graph",
]
