"""Offline reports: every CDN script and stylesheet inlined from the project's npm packages.

folium pages load Leaflet and its friends from CDNs; ``inline_assets`` replaces each with
the matching file of the npm packages, which the web app's build copies into
``frontend/dist/report-assets`` (package data: an installed GeoCRM has them too), and
``external_references`` checks that nothing is left to fetch from the internet.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import posixpath
import re
from importlib.resources import files
from importlib.resources.abc import Traversable

from geocrm.errors import SetupError

#: The report assets the web app's build copies from the npm packages (package data):
#: ``report-assets.json`` maps every CDN asset folium and its plugins reference to the file
#: that replaces it offline (``null``: dropped, the reports use no such icons).
ASSETS_DIR: Traversable = files("geocrm").joinpath("assets", "webapp", "report-assets")
MANIFEST = "report-assets.json"


def cdn_assets(root: Traversable = ASSETS_DIR) -> tuple[dict[str, str | None], frozenset[str]]:
    """The CDN URL -> local file map, and the icon stylesheets (inlined only when a page
    draws icons); ``SetupError`` when the web app (which carries them) is not built."""
    manifest = root.joinpath(MANIFEST)
    if not manifest.is_file():
        raise SetupError(
            f"offline reports inline Leaflet and its plugins from the built web app, and {root} "
            "has no report assets: build it with scripts/build-frontend.sh (make install does)"
        )
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return data["assets"], frozenset(data["icons"])


def inline_assets(page: str, root: Traversable = ASSETS_DIR) -> str:
    """The page with every CDN ``<script src>`` and stylesheet ``<link>`` replaced by the
    content of the matching file of the project's npm packages (``cdn_assets``).

    Images and fonts their CSS refers to become ``data:`` URIs; the icon stylesheets
    (awesome-markers, Font Awesome) are dropped when the page draws no icons, and so are
    glyphicons and folium's rotated-icon CSS, which have no npm package. Source map comments
    go. An external asset not in ``cdn_assets`` is an error.
    """
    assets, icon_assets = cdn_assets(root)
    uses_icons = bool(re.search(r"AwesomeMarkers\.icon\(|class=[\"'][^\"']*\bfa-", page))

    def asset(url: str) -> tuple[str, Traversable] | None:
        if url not in assets:
            raise SetupError(
                f"the report references {url}, which has no local copy among the project's "
                "npm packages (frontend/report-assets.json)"
            )
        relative = assets[url]
        if relative is None or (relative in icon_assets and not uses_icons):
            return None
        return relative, root.joinpath(*relative.split("/"))

    def script(match: re.Match[str]) -> str:
        found = asset(match.group(1))
        if found is None:
            return ""
        relative, path = found
        code = _strip_source_map(path.read_text(encoding="utf-8"))
        code = re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)
        return f"<script>/* {relative} */\n{code}\n</script>"

    def stylesheet(match: re.Match[str]) -> str:
        found = asset(match.group(1))
        if found is None:
            return ""
        relative, path = found
        css = _strip_source_map(path.read_text(encoding="utf-8"))
        css = _inline_css_urls(css, root, posixpath.dirname(relative))
        return f"<style>/* {relative} */\n{css}\n</style>"

    page = re.sub(r'<script src="(https?://[^"]+)"></script>', script, page)
    return re.sub(r'<link rel="stylesheet" href="(https?://[^"]+)"\s*/?>', stylesheet, page)


#: How a page would fetch something from the internet: a script, stylesheet, image, font,
#: frame or media source, a CSS url() or @import, or a tile URL template.
_EXTERNAL = (
    re.compile(
        r"<(?!a\s)[a-z][a-z0-9-]*\s[^<>]*?\b(?:src|href|srcset|poster|data)\s*=\s*[\"']?\s*"
        r"(?:https?:)?//",
        re.IGNORECASE,
    ),
    re.compile(r"url\(\s*[\"']?\s*(?:https?:)?//", re.IGNORECASE),
    re.compile(r"@import\s+(?:url\(\s*)?[\"']?\s*(?:https?:)?//", re.IGNORECASE),
    re.compile(r"https?://[^\s\"'<>]*\{z\}", re.IGNORECASE),
)


def external_references(page: str) -> list[str]:
    """Every place the page would load a script, stylesheet, image, font or tile from the
    internet (links in text, ``<a href>``, are not loads)."""
    found = []
    for pattern in _EXTERNAL:
        for match in pattern.finditer(page):
            found.append(page[match.start() : match.end() + 60])
    return found


def _strip_source_map(text: str) -> str:
    return re.sub(r"(?://[#@]|/\*[#@])\s*sourceMappingURL=[^\s*]+(?:\s*\*/)?", "", text)


def _inline_css_urls(css: str, root: Traversable, folder: str) -> str:
    """Relative ``url(...)`` of a stylesheet (in ``folder`` below ``root``) as ``data:``
    URIs of the files they name."""

    def replace(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if target.startswith(("data:", "#")) or re.match(r"^[a-z]+:", target):
            return match.group(0)
        relative = posixpath.normpath(posixpath.join(folder, target.split("?")[0].split("#")[0]))
        path = root.joinpath(*relative.split("/"))
        if not path.is_file():
            raise SetupError(f"{folder}: the stylesheet needs {target}, which is missing")
        suffix = posixpath.splitext(path.name)[1]
        mime = mimetypes.guess_type(path.name)[0] or _FONT_TYPES.get(suffix, "")
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'url("data:{mime};base64,{encoded}")'

    return re.sub(r"url\(\s*([\"']?)([^\"')]+)\1\s*\)", replace, css)


_FONT_TYPES = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf"}
