"""Answers of ``/tiles``: the layer catalogue, TileJSON 3.0.0 and a MapLibre style."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: A MapLibre style layer (``paint``, ``layout``, ``filter``...): open-ended by the style
#: specification, so passed through as it is written in the tile catalogue.
StyleLayer = dict[str, Any]


class CatalogueLayer(BaseModel):
    name: str
    title: str
    description: str
    minzoom: int
    maxzoom: int
    params: dict[str, str] = Field(description="query parameter -> what it does")
    tilejson: str = Field(description="URL of the layer's TileJSON")
    tiles: str = Field(description="URL template of the layer's tiles")


class Catalogue(BaseModel):
    """The map layers a client can draw."""

    tilejson: str = Field(description="the TileJSON version the layers' documents follow")
    layers: list[CatalogueLayer]


class VectorLayer(BaseModel):
    id: str
    description: str
    minzoom: int
    maxzoom: int
    fields: dict[str, str] = Field(description="attribute -> its type and meaning")


class TileJsonExtension(BaseModel):
    """GeoCRM's own part of a TileJSON: parameters and the default style of the layer."""

    layer: str
    params: dict[str, str]
    style: list[StyleLayer]
    res_by_zoom: list[int] | None = Field(
        default=None, description="H3 resolution per zoom (hex layers only)"
    )
    min_cell_count: int | None = Field(
        default=None,
        description="per-user layers, under the k-rule only: figures outside your rows are "
        "drawn from groups of at least this many customers (suppressed_cells: held back)",
    )


class TileJson(BaseModel):
    """TileJSON 3.0.0 of one layer."""

    tilejson: str
    name: str
    description: str
    version: str
    attribution: str
    scheme: str
    tiles: list[str]
    minzoom: int
    maxzoom: int
    bounds: list[float] = Field(description="west, south, east, north (WGS84)")
    center: list[float] = Field(description="lon, lat, zoom")
    vector_layers: list[VectorLayer]
    geocrm: TileJsonExtension


class StyleSource(BaseModel):
    type: str
    url: str


class MapStyle(BaseModel):
    """A MapLibre style (version 8)."""

    # a style document is open-ended by its specification (sprite, glyphs, light...):
    # whatever else the catalogue adds passes through
    model_config = ConfigDict(extra="allow")

    version: int
    name: str
    sources: dict[str, StyleSource]
    layers: list[StyleLayer]
