"""``/tiles``: the map layers as Mapbox Vector Tiles, their TileJSON and the catalogue.

A tile or TileJSON of a per-user layer (not ``shared`` in the catalogue) is drawn for the
caller's :class:`~geocrm.tiles.TileScope` and answered ``Cache-Control: private`` (a shared
cache never keeps it); every answer varies with ``Authorization`` and ``Cookie``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from geocrm.api.access import ANY_ROLE, CurrentUser, allow
from geocrm.api.deps import EngineDep
from geocrm.api.errors import ERROR_RESPONSES
from geocrm.api.hotspots import prepare_tiles as prepare_hotspot_tiles
from geocrm.api.models.tiles import Catalogue, MapStyle, TileJson
from geocrm.api.params import Fontstack, GlyphRange, Layer, TileX, TileY, Zoom
from geocrm.auth.principal import Principal
from geocrm.db.scope import current_scope
from geocrm.fonts import glyph_range_pbf, parse_range, pick_fontstack
from geocrm.tiles import EVERYTHING, MEDIA_TYPE, TileScope, TileServer, catalog

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

#: Roles that see every customer row and every aggregate (``auth.scope_all()``).
_EVERYTHING_ROLES = ("admin", "marketer")
#: Roles whose rows are those of their reps (``auth.scope_reps()``); an analyst has none.
_REP_ROLES = ("manager", "rep")
#: Every answer depends on who asks (401, or the user's own tiles).
VARY = "Accept-Encoding, Authorization, Cookie"


def tile_scope(principal: Principal) -> TileScope:
    """Whose tiles the caller gets: as the database decides it (every row and figure for
    an admin or a marketer; else their reps' rows, none for an analyst, and the k-rule with
    this request's k)."""
    if principal.role in _EVERYTHING_ROLES:
        return EVERYTHING
    reps = principal.reps if principal.role in _REP_ROLES else ()
    return TileScope.of(reps, max(current_scope().min_cell_count, 1))


def _caching(layer: str) -> dict[str, str]:
    """HTTP caching of a layer's answers: private unless its tiles are the same for all."""
    shared = catalog().layer(layer).shared
    return {"Cache-Control": "no-cache" if shared else "private, no-cache", "Vary": VARY}


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


#: Glyphs change only with an upgrade (`geocrm fonts build`): browsers keep them 30 days.
GLYPH_CACHING = "private, max-age=2592000"


@router.get(
    "/fonts/{fontstack}/{glyph_range}.pbf",
    summary="SDF glyphs of a fontstack's range of 256 code points (the style's `glyphs` URL)",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}}
            },
            "description": "the glyph range (Mapbox glyph PBF); no glyphs in a range the font "
            "does not cover",
        },
    },
)
def get_glyphs(fontstack: Fontstack, glyph_range: GlyphRange) -> Response:
    """``fontstack``: one name or several, comma-separated, of which the first known one
    is served ("Noto Sans Regular", "Noto Sans Bold"); ``glyph_range``: ``N-(N+255)``."""
    data = glyph_range_pbf(pick_fontstack(fontstack), parse_range(glyph_range))
    return Response(
        data, media_type="application/x-protobuf", headers={"Cache-Control": GLYPH_CACHING}
    )


@router.get(
    "/{layer}.json",
    summary="TileJSON 3.0.0 of a layer; query parameters are carried into its tile URL",
    response_model=TileJson,
    response_model_exclude_unset=True,  # res_by_zoom only for the hex layers
)
def get_tilejson(
    request: Request, response: Response, tiles: TilesDep, user: CurrentUser, layer: Layer
) -> dict[str, Any]:
    answer = tiles.tilejson(
        layer, _base_url(request), dict(request.query_params), scope=tile_scope(user)
    )
    response.headers.update(_caching(layer))
    return answer


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
    user: CurrentUser,
    layer: Layer,
    z: Zoom,
    x: TileX,
    y: TileY,
) -> Response:
    if layer == "hotspots":  # its tiles read a kept result: computed on the first tile
        prepare_hotspot_tiles(tiles.engine, dict(request.query_params))
    tile, how = tiles.tile(
        layer,
        z,
        x,
        y,
        dict(request.query_params),
        if_none_match=request.headers.get("if-none-match"),
        scope=tile_scope(user),
    )
    headers = _caching(layer) | {"ETag": tile.etag, "X-Tile-Cache": how}
    if how == "unchanged":
        return Response(status_code=304, headers=headers)
    if not tile.data:
        return Response(status_code=204, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(tile.gzipped, media_type=MEDIA_TYPE, headers=headers)
    return Response(tile.data, media_type=MEDIA_TYPE, headers=headers)
