"""Colour scales readable on the base map: every class of the hex palette, and every stop of
the foot-traffic lines, stands out from the base map's land colours it is drawn over (WCAG
contrast of relative luminance, after the layer's opacity), and neighbouring hex classes
stand apart from each other. The colours are read from the catalogue, as the app paints."""

import itertools

from geocrm.tiles import TileServer, catalog

#: Least contrast of a class, blended at its opacity over a land colour, against that land.
LAND_FLOOR = 1.5
#: Least contrast between two neighbouring classes (over the same land).
NEIGHBOUR_FLOOR = 1.3


def _rgb(colour: str) -> tuple[float, ...]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))


def _luminance(rgb) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0-255 channels)."""

    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = map(linear, rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def blend(colour: str, land: str, opacity: float) -> tuple[float, ...]:
    """A colour drawn at ``opacity`` over ``land`` (as the browser composites it)."""
    return tuple(
        opacity * c + (1 - opacity) * g for c, g in zip(_rgb(colour), _rgb(land), strict=True)
    )


def _style(layer: str, style_id: str) -> dict:
    return next(s for s in catalog().layers[layer].style if s["id"] == style_id)


def _land() -> list[str]:
    """The style's background (under everything) and every land-use colour."""
    style = TileServer.style(None, "", ["base"])  # the style needs no database
    background = style["layers"][0]["paint"]["background-color"]
    match = _style("base", "base-landuse")["paint"]["fill-color"]
    # ["match", ["get", "class"], value, colour, ..., fallback]
    return [background, *match[3:-1:2], match[-1]]


def test_the_contrast_helper_matches_wcag():
    assert round(contrast(_rgb("#000000"), _rgb("#ffffff")), 1) == 21.0
    assert round(contrast(_rgb("#777777"), _rgb("#ffffff")), 2) == 4.48
    assert contrast(_rgb("#efeae6"), _rgb("#efeae6")) == 1.0


def test_every_hex_class_stands_out_from_the_land_and_from_its_neighbours():
    style = _style("hexes", "hexes-fill")
    fill, legend = style["paint"], style["metadata"]["legend"]
    opacity = fill["fill-opacity"]
    palette = list(legend["palette"])
    assert len(palette) == 5
    # the catalogue's default paint uses the palette (QGIS and Maputnik see the same colours)
    assert fill["fill-color"][4::2] == palette
    for land in _land():
        over = [blend(c, land, opacity) for c in [*palette, legend["no_data"]]]
        for colour, drawn in zip([*palette, "no data"], over, strict=True):
            ratio = contrast(drawn, _rgb(land))
            assert ratio >= LAND_FLOOR, f"{colour} over {land}: {ratio:.2f}:1"
        for (a, b), (x, y) in zip(
            itertools.pairwise(palette), itertools.pairwise(over[:-1]), strict=True
        ):
            ratio = contrast(x, y)
            assert ratio >= NEIGHBOUR_FLOOR, f"{a} next to {b} over {land}: {ratio:.2f}:1"
        # and the palette runs from light to dark: the order reads as "more"
        lum = [_luminance(c) for c in over[:-1]]
        assert lum == sorted(lum, reverse=True)


def test_the_old_palette_failed_the_floor():
    """The test bites: the first class of the palette before issue 15 was 1.1:1."""
    ratio = contrast(blend("#ffffcc", "#efeae6", 0.65), _rgb("#efeae6"))
    assert ratio < LAND_FLOOR


def test_foot_traffic_lines_stand_out_from_the_land_and_the_roads():
    paint = _style("streets", "streets-footfall")["paint"]
    ramp = paint["line-color"]  # ["interpolate", ["linear"], input, stop, colour, ...]
    colours = ramp[4::2]
    roads = _style("base", "base-roads")["paint"]["line-color"]
    grounds = [*_land(), *(c for c in roads if isinstance(c, str) and c.startswith("#"))]
    for colour in colours:
        for ground in grounds:
            ratio = contrast(_rgb(colour), _rgb(ground))
            assert ratio >= LAND_FLOOR, f"{colour} over {ground}: {ratio:.2f}:1"
