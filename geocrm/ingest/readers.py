"""Streaming readers of customer files, one per format.

Each reader yields ``(line, parse_problem, fields-by-position)`` rows, never the whole file:
CSV (dialect sniffed, UTF-8 checked; decimal commas and Finnish dates are read by the
validation pass in SQL), GeoPackage and GeoJSON (pyogrio), GeoParquet (pyarrow). Point
geometries become ``lon``/``lat`` text, reprojected to WGS84 when needed.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

import numpy as np
import shapely

from geocrm.errors import InvalidInput, NotFound
from geocrm.ingest.columns import resolve_columns

#: File extensions GeoCRM imports, and the format (reader) of each.
FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".gpkg": "gpkg",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".geojson": "geojson",
    ".json": "geojson",
}
#: Rows read (and staged, and reported) per batch.
BATCH_ROWS = 50_000

#: A row read: (line, parse problem, fields by position).
Row = tuple[int, str | None, list[str | None]]

#: A byte that is not UTF-8, as decoded with ``surrogateescape``.
_BAD_BYTE = re.compile("[\udc80-\udcff]")
#: A character beyond ASCII that decoded as UTF-8.
_VALID_NON_ASCII = re.compile("[\u0080-\udc7f\udd00-\U0010ffff]")


#: The longest physical line of a CSV file read (characters; Python's ``csv`` field limit):
#: a longer line rejects its row (its first part is kept for the rejects report).
MAX_LINE_CHARS = csv.field_size_limit()
#: The longest header line: a longer one is not a customer file's header.
MAX_HEADER_CHARS = 64 * 1024
#: What the CSV dialect is sniffed from (characters).
_SAMPLE_CHARS = 256 * 1024
_SNIFF_CHARS = 64 * 1024


class _Lines:
    """The physical lines of a text file for ``csv.reader``, each cut at ``MAX_LINE_CHARS``
    (memory stays bounded whatever the file); ``cut`` lists the lines that were."""

    def __init__(self, fh: TextIO):
        self.fh = fh
        self.number = 0
        self.cut: list[int] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.fh.readline(MAX_LINE_CHARS)
        if not line:
            raise StopIteration
        self.number += 1
        if len(line) == MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            self.cut.append(self.number)
            while (rest := self.fh.readline(MAX_LINE_CHARS)) and not rest.endswith(("\n", "\r")):
                pass  # the rest of an over-long line is skipped, never held
            line += "\n"
        return line


def _check_text(name: str, sample: str, raw_start: bytes) -> None:
    """Refuse a file whose text is not UTF-8 as a whole (one line in another encoding in an
    otherwise UTF-8 file only rejects its row)."""
    if raw_start.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInput(
            f"{name} is UTF-16 text; save it as UTF-8 (CSV UTF-8 in Excel) and import again."
        )
    bad = _BAD_BYTE.search(sample)
    if bad is None:
        return
    if not _VALID_NON_ASCII.search(sample):  # no UTF-8 beyond ASCII at all: another encoding
        line = sample.count("\n", 0, bad.start()) + 1
        byte = ord(bad.group()) - 0xDC00
        raise InvalidInput(
            f"{name} is not UTF-8 text (byte 0x{byte:02x} on line {line}). "
            "Save it as UTF-8 (CSV UTF-8 in Excel) and import again."
        )


def _check_header(name: str, header_line: str, complete: bool) -> None:
    """Refuse what cannot be a customer file's header line."""
    if len(header_line) > MAX_HEADER_CHARS or not complete:
        raise InvalidInput(
            f"{name}: the header line is longer than {MAX_HEADER_CHARS:,} characters; "
            "is it a CSV file with a header row?"
        )
    if "\x00" in header_line or _BAD_BYTE.search(header_line):
        raise InvalidInput(
            f"{name} does not look like text (its header line holds binary bytes); "
            "import a CSV file saved as UTF-8, or a GeoPackage, GeoParquet or GeoJSON file."
        )


def _sniff(sample: str) -> type[csv.Dialect] | csv.Dialect:
    """The dialect of the complete, not over-long lines of the sample (else Excel's)."""
    lines = [line for line in sample.splitlines(keepends=True)[:-1] if len(line) <= 8192]
    text = "".join(lines)[:_SNIFF_CHARS] or sample[:_SNIFF_CHARS]
    try:
        return csv.Sniffer().sniff(text, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _read_csv(
    path: Path, column_map: dict[str, str], name: str
) -> tuple[dict[str, int], Iterator[Row]]:
    with path.open("rb") as raw:
        raw_start = raw.read(4)
    # undecodable bytes become lone surrogates: a line in another encoding rejects its row
    fh = path.open(newline="", encoding="utf-8-sig", errors="surrogateescape")
    try:
        sample = fh.read(_SAMPLE_CHARS)
        complete = len(sample) < _SAMPLE_CHARS
        _check_text(name, sample, raw_start)
        body = sample.lstrip("\r\n")
        if not body.strip():
            raise InvalidInput(f"{name} is empty: no header row")
        newline = body.find("\n")
        header_line = body if newline < 0 else body[:newline]
        _check_header(name, header_line, complete or newline >= 0)
        dialect = _sniff(body)
        fh.seek(0)
        lines = _Lines(fh)
        reader = csv.reader(lines, dialect)
        header = next(reader)
        while not header:  # blank lines above the header
            header = next(reader)
        columns = resolve_columns(header, column_map)
        _check_duplicate_columns(header, columns)
    except (InvalidInput, StopIteration, csv.Error) as exc:
        fh.close()
        if isinstance(exc, InvalidInput):
            raise
        raise InvalidInput(f"{name}: the header row cannot be read ({exc or 'no header'})") from exc
    except BaseException:
        fh.close()
        raise
    width = len(header)

    def rows() -> Iterator[Row]:
        with fh:
            try:
                for fields in reader:
                    if not fields:
                        continue  # blank line
                    problems = []
                    if lines.cut and lines.cut[-1] > reader.line_num - _span(fields):
                        problems.append(
                            f"line {lines.cut[-1]} is longer than {MAX_LINE_CHARS:,} characters "
                            "(the rest of it was not read)"
                        )
                    if len(fields) != width:
                        problems.append(f"expected {width} fields, found {len(fields)}")
                        fields = (fields + [None] * width)[:width]
                    elif fields == header:  # a file joined to another, header and all
                        problems.append("the header row again (files joined together?)")
                    yield reader.line_num, "; ".join(problems) or None, fields
            except csv.Error as exc:
                raise InvalidInput(
                    f"{name}, line {reader.line_num}: {exc} (a quote left open?); "
                    "nothing of the file was imported"
                ) from exc

    return columns, rows()


def _span(fields: list[str]) -> int:
    """How many physical lines a record took (its quoted fields may hold line breaks)."""
    return 1 + sum(f.count("\n") for f in fields)


def _check_duplicate_columns(header: list[str], columns: dict[str, int]) -> None:
    """Two columns of the same name, one of them feeding a field, are ambiguous."""
    used = {header[i].strip() for i in columns.values()}
    seen: set[str] = set()
    for column in (h.strip() for h in header):
        if column in seen and column in used:
            raise InvalidInput(
                f"the header names column {column!r} twice; rename one of them, or map the "
                "one to read with --map"
            )
        seen.add(column)


def _points_from_wkb(wkb: Sequence[bytes | None], crs: str | None) -> tuple[list, list, list]:
    """lon, lat and a problem per geometry (vectorised with shapely)."""
    geoms = shapely.from_wkb(np.asarray(wkb, dtype=object), on_invalid="ignore")
    if crs and crs.upper() not in ("EPSG:4326", "OGC:CRS84", "WGS84"):
        # deferred: pyproj is needed only for files in another CRS
        from pyproj import Transformer

        transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        geoms = shapely.transform(
            geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )
    kinds = shapely.get_type_id(geoms)
    multi_single = (kinds == 4) & (shapely.get_num_geometries(geoms) == 1)
    geoms = np.where(multi_single, shapely.get_geometry(geoms, 0), geoms)
    kinds = np.where(multi_single, 0, kinds)
    # a point read from [NaN, Infinity] is empty: coordinates only of non-empty points
    points = (kinds == 0) & ~shapely.is_empty(geoms)
    xs, ys = np.full(len(geoms), np.nan), np.full(len(geoms), np.nan)
    xs[points], ys[points] = shapely.get_x(geoms[points]), shapely.get_y(geoms[points])
    names = {
        1: "LineString",
        2: "LinearRing",
        3: "Polygon",
        4: "MultiPoint",
        5: "MultiLineString",
        6: "MultiPolygon",
        7: "GeometryCollection",
    }
    problems: list[str | None] = []
    for kind, geom, x, y in zip(kinds, geoms, xs, ys, strict=True):
        if geom is None:
            problems.append(None if kind == -1 else "geometry cannot be read")
        elif kind != 0:
            problems.append(f"geometry is a {names.get(int(kind), 'shape')}, not a Point")
        elif shapely.is_empty(geom):
            problems.append("geometry is empty or has non-finite coordinates (NaN, Infinity)")
        elif not (np.isfinite(x) and np.isfinite(y)):
            problems.append("geometry has non-finite coordinates (NaN, Infinity)")
        elif not (-180 <= x <= 180 and -90 <= y <= 90):
            problems.append(
                f"geometry point ({x:.6g}, {y:.6g}) is outside lon -180..180, lat -90..90"
            )
        else:
            problems.append(None)
    ok = [p is None and g is not None for p, g in zip(problems, geoms, strict=True)]
    lon = [f"{x:.8f}" if good else None for x, good in zip(xs, ok, strict=True)]
    lat = [f"{y:.8f}" if good else None for y, good in zip(ys, ok, strict=True)]
    return lon, lat, problems


def _field_text(value: object) -> str | None:
    """An Arrow value as the text a CSV would hold (ISO dates, plain decimals)."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):  # date / datetime: the date part is what we read
        return value.isoformat()[:10] if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, float):
        return np.format_float_positional(value, trim="-")
    return str(value)


def _read_arrow_batches(
    batches: Iterator,
    names: list[str],
    geometry: str | None,
    crs: str | None,
    column_map: dict[str, str],
) -> tuple[dict[str, int], Iterator[Row]]:
    attrs = [n for n in names if n != geometry]
    columns = resolve_columns(attrs, column_map)
    use_geometry = geometry is not None and "lat" not in columns
    if use_geometry:  # the geometry feeds lat/lon, appended after the attribute columns
        columns = {**columns, "lon": len(attrs), "lat": len(attrs) + 1}

    def rows() -> Iterator[Row]:
        line = 0
        for batch in batches:
            table = batch.to_pydict()
            count = batch.num_rows
            values = [[_field_text(v) for v in table[a]] for a in attrs]
            if use_geometry:
                lon, lat, problems = _points_from_wkb(table[geometry], crs)
                values += [lon, lat]
            else:
                problems = [None] * count
            for i in range(count):
                line += 1
                yield line, problems[i], [col[i] for col in values]

    return columns, rows()


def _read_ogr(
    path: Path, column_map: dict[str, str], name: str
) -> tuple[dict[str, int], Iterator[Row]]:
    # deferred: pyogrio (GDAL) is heavy and needed only for GeoPackage / GeoJSON files
    from pyogrio.raw import open_arrow

    def batches():
        with open_arrow(path, batch_size=BATCH_ROWS, use_pyarrow=True) as (_meta, reader):
            yield from _unreadable_is_invalid(reader, path, name)

    with open_arrow(path, batch_size=1, use_pyarrow=True) as (meta, reader):
        names = list(reader.schema.names)
        geometry = meta.get("geometry_name") or "wkb_geometry"
        crs = meta.get("crs")
    geometry = geometry if geometry in names else None
    return _read_arrow_batches(batches(), names, geometry, crs, column_map)


def _read_parquet(
    path: Path, column_map: dict[str, str], name: str
) -> tuple[dict[str, int], Iterator[Row]]:
    # deferred: pyarrow.parquet is heavy and needed only for GeoParquet files
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise InvalidInput(
            f"{name} is not a readable Parquet file: {_said(exc, path, name)}"
        ) from exc
    names = parquet.schema_arrow.names
    meta = json.loads((parquet.schema_arrow.metadata or {}).get(b"geo", b"{}") or b"{}")
    geometry = meta.get("primary_column") or ("geometry" if "geometry" in names else None)
    crs = None
    column_meta = meta.get("columns", {}).get(geometry, {}) if geometry else {}
    if isinstance(column_meta.get("crs"), dict):
        ident = column_meta["crs"].get("id", {})
        crs = f"{ident.get('authority')}:{ident.get('code')}" if ident else None
    batches = _unreadable_is_invalid(parquet.iter_batches(batch_size=BATCH_ROWS), path, name)
    return _read_arrow_batches(batches, names, geometry, crs, column_map)


def _said(exc: BaseException, path: Path, name: str) -> str:
    """A reader library's message, first line only, with the file's name for its path
    (an uploaded file's place on the server is nobody's business)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.replace(str(path), name).replace(path.name, name)[:500]


def _unreadable_is_invalid(batches: Iterator, path: Path, name: str) -> Iterator:
    """The batches of a reader; a file that turns out unreadable half-way is ``InvalidInput``."""
    try:
        yield from batches
    except Exception as exc:  # GDAL and Arrow raise several types for a damaged file
        raise InvalidInput(f"{name} cannot be read further: {_said(exc, path, name)}") from exc


def open_customer_file(
    path: Path,
    column_map: dict[str, str] | None = None,
    file_format: str | None = None,
    name: str | None = None,
) -> tuple[str, dict[str, int], Iterator[Row]]:
    """Detect the format and open a streaming reader: (format, field->index, rows).

    ``name`` is how messages call the file (default: its name; an upload's own name)."""
    path = Path(path)
    name = name or path.name
    if not path.is_file():
        raise NotFound(f"No such file: {path}")
    fmt = file_format or FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInput(
            f"{name}: unsupported file type {path.suffix!r}; GeoCRM imports "
            "CSV (.csv), GeoPackage (.gpkg), GeoParquet (.parquet) and GeoJSON "
            "(.geojson)"
        )
    column_map = column_map or {}
    if fmt == "csv":
        return fmt, *_read_csv(path, column_map, name)
    if fmt == "parquet":
        return fmt, *_read_parquet(path, column_map, name)
    try:
        return fmt, *_read_ogr(path, column_map, name)
    except InvalidInput:
        raise
    except Exception as exc:  # GDAL's errors for unreadable files
        raise InvalidInput(f"{name} cannot be read as {fmt}: {_said(exc, path, name)}") from exc
