"""Places of central Helsinki and small helpers the street-network tests share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
import shapely

UTM = "EPSG:32635"  # the UTM zone of Helsinki, for areas in square metres
STATION = (24.9413, 60.1707)  # Rautatientori, at the central railway station
MARKET_SQUARE = (24.9523, 60.1676)  # Kauppatori, at the harbour
# Siltasaari's western tip and the shore of Kaisaniemi park, facing each other across the
# Kaisaniemenlahti bay: 220 m apart as the crow flies, ~930 m on foot round the bridge.
SILTASAARI_TIP = (24.9450, 60.1785)
KAISANIEMI_SHORE = (24.9430, 60.1768)
IN_THE_BAY = (24.9435, 60.17765)
MAIN_PEDESTRIAN_STREETS = (
    "Aleksanterinkatu",
    "Pohjoisesplanadi",
    "Eteläesplanadi",
    "Keskuskatu",
    "Rautatientori",
    "Kaivokatu",
    "Asema-aukio",
)


def one_store(lon_lat, store_id=1, attractiveness=1.0) -> pd.DataFrame:
    """A store frame of one store at ``lon_lat``."""
    return pd.DataFrame(
        {
            "store_id": [store_id],
            "lon": [lon_lat[0]],
            "lat": [lon_lat[1]],
            "attractiveness": [attractiveness],
        }
    )


def to_utm(lonlat_geoms: np.ndarray) -> np.ndarray:
    """Geometries in Helsinki's UTM zone (metres)."""
    forward = pyproj.Transformer.from_crs("EPSG:4326", UTM, always_xy=True)
    return shapely.transform(lonlat_geoms, lambda c: np.column_stack(forward.transform(*c.T)))
