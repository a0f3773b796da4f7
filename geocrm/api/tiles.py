"""``/tiles``: the map layers as Mapbox Vector Tiles, their TileJSON and the catalogue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from geocrm.api.access import ANY_ROLE, allow
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.models.tiles import Catalogue, MapStyle, TileJson
from geocrm.tiles import MEDIA_TYPE, TileServer

router = APIRouter(
    prefix="/tiles", tags=["tiles"], responses=ERROR_RESPONSES, dependencies=[allow(*ANY_ROLE)]
)


def tile_server(request: Request, engine: EngineDep) -> TileServer:
    """The app's tile server (one per app, so that its cache is shared by requests)."""
    server = getattr(request.app.state, "tiles", None)
    if server is None or server.engine is not engine:
        server = request.app.state.tiles = TileServer(engine)
    return server


TilesDep = Annotated[TileServer, Depends(tile_server)]


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get(
    "",
    summary="The catalogue of map layers: names, zoom ranges, parameters, URLs",
    response_model=Catalogue,
    response_model_exclude_unset=True,
)
def get_catalogue(request: Request, tiles: TilesDep) -> dict[str, Any]:
    return tiles.catalogue(_base_url(request))


@router.get(
    "/style.json",
    summary="A MapLibre style drawing the layers with their default styles",
    response_model=MapStyle,
    response_model_exclude_unset=True,
)
def get_style(
    request: Request,
    tiles: TilesDep,
    layers: Annotated[
        str | None,
        Query(
            description="layers to draw, comma-separated (default: all)", examples=["base,hexes"]
        ),
    ] = None,
) -> dict[str, Any]:
    names = [n.strip() for n in layers.split(",") if n.strip()] if layers else None
    return tiles.style(_base_url(request), names)


@router.get(
    "/{layer}.json",
    summary="TileJSON 3.0.0 of a layer; query parameters are carried into its tile URL",
    response_model=TileJson,
    response_model_exclude_unset=True,  # res_by_zoom only for the hex layers
)
def get_tilejson(request: Request, tiles: TilesDep, layer: str) -> dict[str, Any]:
    return tiles.tilejson(layer, _base_url(request), dict(request.query_params))


@router.get(
    "/{layer}/{z}/{x}/{y}.mvt",
    summary="One vector tile (Mapbox Vector Tile 2.1; gzip when accepted)",
    response_class=Response,
    responses={
        200: {
            "content": {MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "the tile",
        },
        204: {"description": "the tile is empty"},
        304: {"description": "the tile is unchanged (If-None-Match)"},
    },
)
def get_tile(
    request: Request,
    tiles: TilesDep,
    layer: str,
    z: Annotated[int, Path(description="zoom")],
    x: Annotated[int, Path(description="column, 0..2^z-1")],
    y: Annotated[int, Path(description="row, 0..2^z-1 (from the north)")],
) -> Response:
    # private: a tile holds the rows its user may see, no shared cache may keep it
    headers = {"Cache-Control": "private, no-cache", "Vary": "Accept-Encoding"}
    tile, how = tiles.tile(
        layer,
        z,
        x,
        y,
        dict(request.query_params),
        if_none_match=request.headers.get("if-none-match"),
    )
    headers |= {"ETag": tile.etag, "X-Tile-Cache": how}
    if how == "unchanged":
        return Response(status_code=304, headers=headers)
    if not tile.data:
        return Response(status_code=204, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(tile.gzipped, media_type=MEDIA_TYPE, headers=headers)
    return Response(tile.data, media_type=MEDIA_TYPE, headers=headers)
