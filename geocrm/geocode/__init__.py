"""Offline geocoding against the OpenStreetMap addresses of a loaded city.

``Geocoder`` turns addresses as people type them into points, with no network: lower case,
missing diacritics (``Lonnrotinkatu``), Finnish and Swedish abbreviations
(``Aleksanterink. 5``, ``Mannerheimint.``, ``Alexandersg.``), the street's Swedish name,
staircase / apartment / floor suffixes (``Bulevardi 5 A 12``, ``5 as. 3``, ``5. krs``),
lettered numbers and ranges (``12 B``, ``12-14``), the number before the street, extra
punctuation and typos in the street name.

How an address is found, from the best to the coarsest answer (``MATCH_LEVELS``):

``address``       the street and the number are known (the point of that address);
``interpolated``  the number lies between two known numbers of the same parity on that
                  street: linear interpolation between their points;
``street``        the street is known but the number is not, or no number was given: the
                  centre of the street's known addresses (the one nearest their median),
                  else the middle of the street's geometry; confidence at most 0.5 (0.4
                  for a number far beyond the street's known numbers), so that
                  ``geocrm geocoding-issues`` lists it for a person to check;
``poi``           the text is the name of a point of interest (``Hotelli Torni``);
``postcode``      only a postcode was given: the centroid of its addresses;
``none``          anything else. An address the city does not contain is never placed at a
                  guessed point: a street the city does not have (after typo-tolerant
                  matching) gives ``none`` with no coordinates.

The modules, from the text to the answers:

``address``  parsing what people type (pure: no database);
``fuzzy``    typo-tolerant key lookups, blocked by first letter and length;
``streets``  streets and the stored addresses they are built from;
``index``    ``Geocoder``: the in-memory index and the matcher;
``cache``    ``cached_geocoder``: one geocoder per process, for servers;
``batch``    ``geocode_csv``: a CSV file of addresses into another;
``reverse``  ``reverse_geocode_many``: the nearest address of points, in PostGIS;
``online``   optional online providers (``NominatimProvider``) and their database cache.
"""

from geocrm.geocode.address import CITY_ALIASES, normalise_address
from geocrm.geocode.batch import geocode_csv
from geocrm.geocode.cache import cached_geocoder
from geocrm.geocode.fuzzy import POI_TYPOS, STREET_TYPOS
from geocrm.geocode.index import Geocoder
from geocrm.geocode.online import CachedRateLimitedProvider, NominatimProvider, OnlineProvider
from geocrm.geocode.result import MATCH_LEVELS, NO_MATCH, GeocodeResult
from geocrm.geocode.reverse import reverse_geocode_many

__all__ = [
    "CITY_ALIASES",
    "MATCH_LEVELS",
    "NO_MATCH",
    "POI_TYPOS",
    "STREET_TYPOS",
    "CachedRateLimitedProvider",
    "GeocodeResult",
    "Geocoder",
    "NominatimProvider",
    "OnlineProvider",
    "cached_geocoder",
    "geocode_csv",
    "normalise_address",
    "reverse_geocode_many",
]
