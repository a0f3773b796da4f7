"""Map label glyphs: signed-distance-field (SDF) glyph ranges of the fonts the map style
names, as MapLibre asks for them at the style's ``glyphs`` URL
(``/tiles/fonts/{fontstack}/{range}.pbf``).

The glyphs are rendered offline, at install time (``geocrm fonts build``, run by ``make
install``), from Debian's ``fonts-noto-core`` TrueType files with FreeType
(``freetype-py``), the way Mapbox's sdf-glyph-foundry / node-fontnik draw them: 24 px
glyphs, a 3 px border, each pixel the distance to the glyph's outline (within 8 px) mapped
to 0..255 with the outline at 191 (cutoff 0.25), larger inside. Each range of 256 code
points is one protobuf message of the Mapbox glyph format (``glyphs { stacks { name,
range, glyphs { id, bitmap, width, height, left, top, advance } } }``), written here by
hand (a varint writer; no protoc). The files land in the web app's ``fonts/`` folder
(``frontend/dist/fonts/{fontstack}/{start}-{end}.pbf``), which the wheel carries.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np

from geocrm.errors import InvalidInput, NotFound, SetupError

#: The fontstacks the map style may name, and their TrueType file (Debian fonts-noto-core).
FONTSTACKS: dict[str, str] = {
    "Noto Sans Regular": "NotoSans-Regular.ttf",
    "Noto Sans Bold": "NotoSans-Bold.ttf",
}
#: Where Debian's fonts-noto-core puts them.
FONT_DIR = Path("/usr/share/fonts/truetype/noto")
#: The built glyph ranges, one folder per fontstack, inside the web app's files.
GLYPHS_ROOT = Path(str(files("geocrm").joinpath("assets", "webapp", "fonts")))

SIZE = 24  # px: the em size MapLibre expects of server glyphs
BUFFER = 3  # px of border round each glyph's bitmap
RADIUS = 8  # px: distances beyond it are clamped
CUTOFF = 0.25  # share of the 0..255 scale given to the inside: the outline is at 191
RANGE_SIZE = 256
LAST_RANGE_START = 65280  # ranges cover the Basic Multilingual Plane
#: Bumped when the rendering changes: part of the build stamp, so `fonts build` redraws.
RENDER_VERSION = "1"
_RANGE = re.compile(r"^([0-9]{1,5})-([0-9]{1,5})$")
_STAMP = ".built"


# --------------------------------------------------------------------------- requests


def pick_fontstack(requested: str) -> str:
    """The fontstack to serve for MapLibre's ``{fontstack}``: a comma-separated list of
    names, of which the first known one is taken; ``NotFound`` when none is known."""
    for name in requested.split(","):
        if name.strip() in FONTSTACKS:
            return name.strip()
    raise NotFound(f"unknown fontstack {requested[:80]!r}; fontstacks: {', '.join(FONTSTACKS)}")


def parse_range(text: str) -> int:
    """The first code point of a glyph range ``N-(N+255)``, N a multiple of 256 up to
    65280; ``InvalidInput`` otherwise."""
    match = _RANGE.match(text)
    start, end = (int(match.group(1)), int(match.group(2))) if match else (-1, -1)
    if start < 0 or start % RANGE_SIZE or start > LAST_RANGE_START or end != start + 255:
        raise InvalidInput(
            f"not a glyph range: {text[:40]!r}; a range is N-(N+255) with N a multiple of "
            f"256 from 0 to {LAST_RANGE_START}, e.g. 0-255"
        )
    return start


def range_name(start: int) -> str:
    """``start-end`` of the range beginning at ``start``."""
    return f"{start}-{start + RANGE_SIZE - 1}"


def glyph_range_pbf(fontstack: str, start: int, root: Path | None = None) -> bytes:
    """The glyph PBF of a known fontstack's range: the built file, else (a range the font
    does not cover) a valid PBF of the range with no glyphs."""
    path = (root or GLYPHS_ROOT) / fontstack / f"{range_name(start)}.pbf"
    if path.is_file():
        return path.read_bytes()
    return encode_range(fontstack, start, [])


# --------------------------------------------------------------------------- protobuf


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field_varint(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _field_sint(number: int, value: int) -> bytes:
    return _field_varint(number, (value << 1) if value >= 0 else ((-value) << 1) - 1)


def _field_bytes(number: int, value: bytes) -> bytes:
    return _varint((number << 3) | 2) + _varint(len(value)) + value


@dataclass(frozen=True)
class Glyph:
    """One SDF glyph: its code point, the (width + 6) x (height + 6) bitmap (row by row,
    top first; empty for a glyph without an outline, e.g. a space) and its metrics in px
    (``top`` from the font's ascender, as node-fontnik writes it)."""

    id: int
    bitmap: bytes
    width: int
    height: int
    left: int
    top: int
    advance: int

    def encode(self) -> bytes:
        """The ``glyph`` message."""
        return b"".join(
            [
                _field_varint(1, self.id),
                _field_bytes(2, self.bitmap) if self.bitmap else b"",
                _field_varint(3, self.width),
                _field_varint(4, self.height),
                _field_sint(5, self.left),
                _field_sint(6, self.top),
                _field_varint(7, self.advance),
            ]
        )


def encode_range(fontstack: str, start: int, glyphs: Iterable[Glyph]) -> bytes:
    """The ``glyphs`` message of one fontstack's range."""
    stack = b"".join(
        [
            _field_bytes(1, fontstack.encode()),
            _field_bytes(2, range_name(start).encode()),
            *(_field_bytes(3, g.encode()) for g in glyphs),
        ]
    )
    return _field_bytes(1, stack)


# --------------------------------------------------------------------------- rendering


def _face(path: Path):  # -> freetype.Face
    try:
        import freetype  # only the build needs FreeType
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise SetupError("building glyphs needs freetype-py (pip install freetype-py)") from exc
    if not path.is_file():
        raise SetupError(
            f"font file {path} is missing: install Debian's fonts-noto-core "
            "(scripts/install-system-deps.sh)"
        )
    face = freetype.Face(str(path))
    face.set_char_size(SIZE * 64)  # 24 pt at 72 dpi: 24 px
    return face


def _segments(face) -> np.ndarray:
    """The loaded glyph's outline as line segments (S x 4: x0, y0, x1, y1 in px, y up),
    its quadratic and cubic curves flattened."""
    segments: list[tuple[float, float, float, float]] = []
    pen = [0.0, 0.0]
    first = [0.0, 0.0]

    def point(v) -> tuple[float, float]:
        return v.x / 64.0, v.y / 64.0

    def line(x: float, y: float) -> None:
        segments.append((pen[0], pen[1], x, y))
        pen[:] = [x, y]

    def close() -> None:
        if pen != first:
            line(*first)

    def move_to(a, _ctx) -> int:
        if segments:
            close()
        pen[:] = first[:] = list(point(a))
        return 0

    def line_to(a, _ctx) -> int:
        line(*point(a))
        return 0

    def curve(points: list[tuple[float, float]]) -> None:
        p0 = (pen[0], pen[1])
        ctrl = [p0, *points]
        length = sum(math.dist(ctrl[i], ctrl[i + 1]) for i in range(len(ctrl) - 1))
        steps = max(2, min(16, math.ceil(length / 1.5)))
        for i in range(1, steps + 1):
            t = i / steps
            if len(points) == 2:  # quadratic
                (x1, y1), (x2, y2) = points
                x = (1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * x1 + t * t * x2
                y = (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * y1 + t * t * y2
            else:  # cubic
                (x1, y1), (x2, y2), (x3, y3) = points
                a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t**3
                x = a * p0[0] + b * x1 + c * x2 + d * x3
                y = a * p0[1] + b * y1 + c * y2 + d * y3
            line(x, y)

    def conic_to(a, b, _ctx) -> int:
        curve([point(a), point(b)])
        return 0

    def cubic_to(a, b, c, _ctx) -> int:
        curve([point(a), point(b), point(c)])
        return 0

    face.glyph.outline.decompose(
        None, move_to=move_to, line_to=line_to, conic_to=conic_to, cubic_to=cubic_to
    )
    if segments:
        close()
    return np.array(segments, dtype=np.float64).reshape(-1, 4)


def _sdf(segments: np.ndarray, left: int, top: int, width: int, height: int) -> bytes:
    """The SDF bitmap of an outline: for each pixel centre of the buffered box, the distance
    to the nearest segment, negative inside (non-zero winding), as sdf-glyph-foundry maps
    it to a byte."""
    cols, rows = width + 2 * BUFFER, height + 2 * BUFFER
    xs = left - BUFFER + np.arange(cols) + 0.5
    ys = top + BUFFER - np.arange(rows) - 0.5  # row 0 is the top
    px = np.repeat(xs[None, :], rows, axis=0).reshape(-1, 1)
    py = np.repeat(ys[:, None], cols, axis=1).reshape(-1, 1)
    x0, y0, x1, y1 = (segments[:, i][None, :] for i in range(4))
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    t = np.clip(((px - x0) * dx + (py - y0) * dy) / np.where(length2 > 0, length2, 1), 0, 1)
    dist = np.sqrt(((px - x0 - t * dx) ** 2 + (py - y0 - t * dy) ** 2).min(axis=1))
    # winding number of each pixel centre: a ray to the right, edges crossing it upwards
    # count +1 when the point is left of them, downwards -1
    side = dx * (py - y0) - dy * (px - x0)
    up = (y0 <= py) & (y1 > py) & (side > 0)
    down = (y0 > py) & (y1 <= py) & (side < 0)
    inside = (up.sum(axis=1) - down.sum(axis=1)) != 0
    d = np.minimum(dist, RADIUS) * (256 / RADIUS)
    d = np.where(inside, -d, d) + CUTOFF * 256
    return (255 - np.clip(d, 0, 255).astype(np.uint8)).astype(np.uint8).tobytes()


def render(face, code_point: int) -> Glyph | None:
    """The SDF glyph of a code point, or None when the font has none."""
    import freetype  # only the glyph build needs FreeType; the server never loads it

    if not face.get_char_index(code_point):
        return None
    face.load_char(code_point, freetype.FT_LOAD_NO_HINTING | freetype.FT_LOAD_NO_BITMAP)
    advance = round(face.glyph.metrics.horiAdvance / 64)
    ascender = face.size.ascender // 64
    segments = _segments(face)
    if not len(segments):
        return Glyph(code_point, b"", 0, 0, 0, 0, advance)
    xs, ys = segments[:, [0, 2]], segments[:, [1, 3]]
    left, right = round(xs.min()), round(xs.max())
    bottom, top = round(ys.min()), round(ys.max())
    width, height = right - left, top - bottom
    if width <= 0 or height <= 0:
        return Glyph(code_point, b"", 0, 0, 0, 0, advance)
    bitmap = _sdf(segments, left, top, width, height)
    return Glyph(code_point, bitmap, width, height, left, top - ascender, advance)


def render_range(face, start: int) -> list[Glyph]:
    """Every glyph the font has in the range beginning at ``start``."""
    glyphs = (render(face, cp) for cp in range(start, start + RANGE_SIZE))
    return [g for g in glyphs if g is not None]


def covered_ranges(face) -> list[int]:
    """The starts of the ranges in which the font has at least one glyph (BMP only)."""
    return sorted(
        {cp - cp % RANGE_SIZE for cp, _ in face.get_chars() if cp <= LAST_RANGE_START + 255}
    )


# --------------------------------------------------------------------------- building


def _stamp(font: Path) -> str:
    return (
        f"{RENDER_VERSION} {SIZE} {BUFFER} {CUTOFF} "
        + hashlib.sha256(font.read_bytes()).hexdigest()
    )


def build(
    out: Path | None = None,
    *,
    font_dir: Path = FONT_DIR,
    fontstacks: Iterable[str] = tuple(FONTSTACKS),
    force: bool = False,
) -> Iterator[tuple[str, int]]:
    """Write every covered range of each fontstack to ``out/{fontstack}/{start}-{end}.pbf``
    (default: the web app's fonts folder); yields (fontstack, ranges written). A fontstack
    whose files were built from the same font file by the same code is skipped (0)."""
    out = out or GLYPHS_ROOT
    for name in fontstacks:
        font = font_dir / FONTSTACKS[name]
        face = _face(font)
        folder = out / name
        stamp = _stamp(font)
        if not force and (folder / _STAMP).is_file() and (folder / _STAMP).read_text() == stamp:
            yield name, 0
            continue
        folder.mkdir(parents=True, exist_ok=True)
        (folder / _STAMP).unlink(missing_ok=True)
        starts = covered_ranges(face)
        for start in starts:
            data = encode_range(name, start, render_range(face, start))
            (folder / f"{range_name(start)}.pbf").write_bytes(data)
        (folder / _STAMP).write_text(stamp)
        yield name, len(starts)
