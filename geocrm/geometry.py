"""Validated geometric inputs shared by the CLI, the API and the domain modules."""

from __future__ import annotations

import math
from dataclasses import dataclass

from geocrm.errors import InvalidInput


@dataclass(frozen=True)
class BBox:
    """A WGS84 bounding box (lon/lat degrees), validated on construction."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def __post_init__(self) -> None:
        values = (self.min_lon, self.min_lat, self.max_lon, self.max_lat)
        if not all(math.isfinite(v) for v in values):
            raise InvalidInput("bbox values must be finite numbers")
        for name, lon in (("min_lon", self.min_lon), ("max_lon", self.max_lon)):
            if not -180 <= lon <= 180:
                raise InvalidInput(f"bbox {name} {lon} is outside -180..180 (longitude)")
        for name, lat in (("min_lat", self.min_lat), ("max_lat", self.max_lat)):
            if not -90 <= lat <= 90:
                hint = " (did you swap longitude and latitude?)" if -180 <= lat <= 180 else ""
                raise InvalidInput(f"bbox {name} {lat} is outside -90..90 (latitude){hint}")
        if self.min_lon > self.max_lon:
            raise InvalidInput(
                f"bbox min_lon {self.min_lon} is greater than max_lon {self.max_lon} "
                "(boxes across the antimeridian are not supported: split them in two)"
            )
        if self.min_lat > self.max_lat:
            raise InvalidInput(
                f"bbox min_lat {self.min_lat} is greater than max_lat {self.max_lat}"
            )

    @classmethod
    def parse(cls, text: str) -> BBox:
        """Parse ``"min_lon,min_lat,max_lon,max_lat"`` (the OGC / GeoJSON order)."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 4:
            raise InvalidInput(
                f"bbox must be four comma-separated numbers min_lon,min_lat,max_lon,max_lat; "
                f"got {len(parts)} value(s): {text!r}"
            )
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise InvalidInput(f"bbox values must be numbers; got {text!r}") from None
        return cls(*values)

    def as_params(self) -> dict[str, float]:
        """Bound parameters for SQL files (``:min_lon`` ...)."""
        return {
            "min_lon": self.min_lon,
            "min_lat": self.min_lat,
            "max_lon": self.max_lon,
            "max_lat": self.max_lat,
        }


@dataclass(frozen=True)
class Point:
    """A WGS84 point (lon/lat degrees), validated on construction."""

    lon: float
    lat: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lon) and math.isfinite(self.lat)):
            raise InvalidInput("lon and lat must be finite numbers")
        if not -90 <= self.lat <= 90:
            hint = " (did you swap lon and lat?)" if -90 <= self.lon <= 90 else ""
            raise InvalidInput(f"lat {self.lat} is outside -90..90{hint}")
        if not -180 <= self.lon <= 180:
            raise InvalidInput(f"lon {self.lon} is outside -180..180")
