"""Offline reports: every CDN script and stylesheet inlined from the project's npm packages.

folium pages load Leaflet and its friends from CDNs; ``inline_assets`` replaces each with
the matching file of ``frontend/node_modules`` (installed with ``npm ci --prefix frontend``,
which is run when they are missing), and ``external_references`` checks that nothing is
left to fetch from the internet.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import re
import shutil
import subprocess
from pathlib import Path

from geocrm.errors import SetupError
from geocrm.settings import PROJECT_ROOT

logger = logging.getLogger("geocrm.reports")

FRONTEND_DIR = PROJECT_ROOT / "frontend"
NODE_MODULES = FRONTEND_DIR / "node_modules"

#: Every CDN asset folium and its plugins reference -> the file of the project's npm
#: packages that replaces it offline (``None``: dropped, the reports use no such icons).
CDN_ASSETS: dict[str, str | None] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet/dist/leaflet.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": (
        "bootstrap/dist/js/bootstrap.bundle.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/"
    "leaflet.awesome-markers.js": "leaflet.awesome-markers/dist/leaflet.awesome-markers.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet/dist/leaflet.css",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": (
        "bootstrap/dist/css/bootstrap.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/"
    "leaflet.markercluster.js": "leaflet.markercluster/dist/leaflet.markercluster.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css": (
        "leaflet.markercluster/dist/MarkerCluster.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/"
    "MarkerCluster.Default.css": "leaflet.markercluster/dist/MarkerCluster.Default.css",
    # icons: inlined (sprites and webfonts as data: URIs, ~700 kB) only when a page draws
    # awesome-markers or Font Awesome icons; the reports draw circle markers
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/"
    "leaflet.awesome-markers.css": "leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": (
        "@fortawesome/fontawesome-free/css/all.min.css"
    ),
    # Bootstrap 3 glyphicons and folium's rotated-marker CSS: no npm package, never used
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": None,
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/"
    "leaflet.awesome.rotate.min.css": None,
}
_ICON_ASSETS = frozenset(
    {
        "leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
        "@fortawesome/fontawesome-free/css/all.min.css",
    }
)


def inline_assets(page: str, node_modules: Path = NODE_MODULES) -> str:
    """The page with every CDN ``<script src>`` and stylesheet ``<link>`` replaced by the
    content of the matching file of the project's npm packages (``CDN_ASSETS``).

    Images and fonts their CSS refers to become ``data:`` URIs; the icon stylesheets
    (awesome-markers, Font Awesome) are dropped when the page draws no icons, and so are
    glyphicons and folium's rotated-icon CSS, which have no npm package. Source map comments
    go. An external asset not in ``CDN_ASSETS`` is an error.
    """
    _ensure_frontend_packages(node_modules)
    uses_icons = bool(re.search(r"AwesomeMarkers\.icon\(|class=[\"'][^\"']*\bfa-", page))

    def asset(url: str) -> Path | None:
        if url not in CDN_ASSETS:
            raise SetupError(
                f"the report references {url}, which has no local copy among the project's "
                "npm packages (geocrm.reports.CDN_ASSETS)"
            )
        relative = CDN_ASSETS[url]
        if relative is None or (relative in _ICON_ASSETS and not uses_icons):
            return None
        return node_modules / relative

    def script(match: re.Match[str]) -> str:
        path = asset(match.group(1))
        if path is None:
            return ""
        code = _strip_source_map(path.read_text(encoding="utf-8"))
        code = re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)
        return f"<script>/* {path.relative_to(node_modules)} */\n{code}\n</script>"

    def stylesheet(match: re.Match[str]) -> str:
        path = asset(match.group(1))
        if path is None:
            return ""
        css = _inline_css_urls(_strip_source_map(path.read_text(encoding="utf-8")), path.parent)
        return f"<style>/* {path.relative_to(node_modules)} */\n{css}\n</style>"

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


def _inline_css_urls(css: str, base: Path) -> str:
    """Relative ``url(...)`` of a stylesheet as ``data:`` URIs of the files they name."""

    def replace(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if target.startswith(("data:", "#")) or re.match(r"^[a-z]+:", target):
            return match.group(0)
        path = (base / target.split("?")[0].split("#")[0]).resolve()
        if not path.is_file():
            raise SetupError(f"{base}: the stylesheet needs {target}, which is missing")
        mime = mimetypes.guess_type(path.name)[0] or _FONT_TYPES.get(path.suffix, "")
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'url("data:{mime};base64,{encoded}")'

    return re.sub(r"url\(\s*([\"']?)([^\"')]+)\1\s*\)", replace, css)


_FONT_TYPES = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf"}


def _ensure_frontend_packages(node_modules: Path) -> None:
    """The npm packages the offline reports inline; ``npm ci`` them when missing."""
    needed = [node_modules / p for p in CDN_ASSETS.values() if p is not None]
    if all(p.is_file() for p in needed):
        return
    frontend = node_modules.parent
    npm = shutil.which("npm")
    if npm is not None and (frontend / "package-lock.json").is_file():
        logger.warning("installing the frontend's npm packages (npm ci --prefix %s)", frontend)
        try:
            done = subprocess.run(
                [npm, "ci", "--prefix", str(frontend), "--no-audit", "--no-fund"],
                capture_output=True,
                text=True,
                check=False,
                timeout=600,  # an unreachable registry must not hang the report
            )
        except subprocess.TimeoutExpired:
            done = None
        if done is not None and done.returncode == 0 and all(p.is_file() for p in needed):
            return
    missing = ", ".join(str(p.relative_to(node_modules)) for p in needed if not p.is_file())
    raise SetupError(
        f"offline reports inline the frontend's npm packages, and {missing} is missing from "
        f"{node_modules}: run the frontend install, `npm ci --prefix {frontend}`"
    )
