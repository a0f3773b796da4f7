"""Typed GeoJSON (RFC 7946): geometries, Features generic in their geometry and ``properties``,
and FeatureCollections.

Each kind of feature is a named subclass (``class ZoneFeature(Feature[AreaGeometry,
ZoneProperties])``) so that OpenAPI shows it by that name."""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

#: lon, lat (WGS84), optionally a height
Position = list[float]


class Point(BaseModel):
    type: Literal["Point"]
    coordinates: Position


class MultiPoint(BaseModel):
    type: Literal["MultiPoint"]
    coordinates: list[Position]


class LineString(BaseModel):
    type: Literal["LineString"]
    coordinates: list[Position]


class MultiLineString(BaseModel):
    type: Literal["MultiLineString"]
    coordinates: list[list[Position]]


class Polygon(BaseModel):
    type: Literal["Polygon"]
    coordinates: list[list[Position]]


class MultiPolygon(BaseModel):
    type: Literal["MultiPolygon"]
    coordinates: list[list[list[Position]]]


Geometry = Annotated[
    Point | MultiPoint | LineString | MultiLineString | Polygon | MultiPolygon,
    Field(discriminator="type"),
]
AreaGeometry = Annotated[Polygon | MultiPolygon, Field(discriminator="type")]

P = TypeVar("P")
G = TypeVar("G")


class Feature(BaseModel, Generic[G, P]):
    """A GeoJSON Feature with geometry ``G`` and properties ``P``."""

    type: Literal["Feature"]
    id: int | str | None = None
    geometry: G
    properties: P


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection; each kind declares its ``features``."""

    type: Literal["FeatureCollection"]
