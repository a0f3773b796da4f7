"""Offline reports inline every script and stylesheet from the project's npm packages,
which the web app's build carries (so an installed GeoCRM has them)."""

import folium
import pytest

from geocrm.errors import SetupError
from geocrm.reports import ASSETS_DIR, cdn_assets, external_references, inline_assets


def test_a_page_with_icons_gets_their_stylesheets_sprites_and_fonts_inlined():
    fmap = folium.Map(tiles=None)
    folium.Marker([60.17, 24.94], icon=folium.Icon(icon="star", prefix="fa")).add_to(fmap)
    page = fmap.get_root().render()
    assert external_references(page)
    offline = inline_assets(page)
    assert external_references(offline) == []
    assert "/* leaflet.awesome-markers/dist/leaflet.awesome-markers.css" in offline
    assert "/* @fortawesome/fontawesome-free/css/all.min.css" in offline
    assert "data:font/woff2;base64," in offline and "data:image/png;base64," in offline
    assert "glyphicons" not in offline and "awesome.rotate" not in offline


def test_without_the_built_report_assets_offline_says_how_to_build_them(tmp_path):
    page = folium.Map(tiles=None).get_root().render()
    with pytest.raises(SetupError, match=r"scripts/build-frontend.sh"):
        inline_assets(page, tmp_path / "frontend" / "dist" / "report-assets")


def test_the_web_app_build_carries_every_file_the_reports_inline():
    assets, icons = cdn_assets()
    assert icons <= set(assets.values())
    for relative in filter(None, assets.values()):
        assert ASSETS_DIR.joinpath(*relative.split("/")).is_file(), relative
