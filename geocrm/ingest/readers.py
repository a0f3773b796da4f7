"""Streaming readers of customer files, one per format.

Each reader yields ``(line, parse_problem, fields-by-position)`` rows, never the whole file:
CSV (dialect sniffed, UTF-8 checked; decimal commas and Finnish dates are read by the
validation pass in SQL), GeoPackage and GeoJSON (pyogrio), GeoParquet (pyarrow). Point
geometries become ``lon``/``lat`` text, reprojected to WGS84 when needed.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

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


def _read_csv(path: Path, column_map: dict[str, str]) -> tuple[dict[str, int], Iterator[Row]]:
    fh = path.open(newline="", encoding="utf-8-sig")
    try:
        sample = fh.read(64 * 1024)
    except UnicodeDecodeError as exc:
        fh.close()
        raise InvalidInput(
            f"{path.name} is not UTF-8 text ({exc.reason} at byte {exc.start}). "
            "Save it as UTF-8 (CSV UTF-8 in Excel) and import again."
        ) from exc
    fh.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(fh, dialect)
    try:
        header = next(reader)
    except StopIteration:
        fh.close()
        raise InvalidInput(f"{path.name} is empty: no header row") from None
    try:
        columns = resolve_columns(header, column_map)
    except InvalidInput:
        fh.close()
        raise
    width = len(header)

    def rows() -> Iterator[Row]:
        with fh:
            try:
                for fields in reader:
                    if not fields:
                        continue  # blank line
                    problem = None
                    if len(fields) != width:
                        problem = f"expected {width} fields, found {len(fields)}"
                        fields = (fields + [None] * width)[:width]
                    yield reader.line_num, problem, fields
            except UnicodeDecodeError as exc:
                raise InvalidInput(
                    f"{path.name} is not UTF-8 text after line {reader.line_num}: {exc.reason}. "
                    "Save it as UTF-8 (CSV UTF-8 in Excel) and import again."
                ) from exc
            except csv.Error as exc:
                raise InvalidInput(f"{path.name}, line {reader.line_num}: {exc}") from exc

    return columns, rows()


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
    xs, ys = shapely.get_x(geoms), shapely.get_y(geoms)
    names = {
        1: "LineString",
        2: "LinearRing",
        3: "Polygon",
        4: "MultiPoint",
        5: "MultiLineString",
        6: "MultiPolygon",
        7: "GeometryCollection",
    }
    problems = []
    for kind, geom, x, y in zip(kinds, geoms, xs, ys, strict=True):
        if geom is None:
            problems.append(None if kind == -1 else "geometry cannot be read")
        elif shapely.is_empty(geom):
            problems.append("geometry is empty")
        elif kind != 0:
            problems.append(f"geometry is a {names.get(int(kind), 'shape')}, not a Point")
        elif not (np.isfinite(x) and np.isfinite(y)):
            problems.append("geometry has non-finite coordinates")
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


def _read_ogr(path: Path, column_map: dict[str, str]) -> tuple[dict[str, int], Iterator[Row]]:
    # deferred: pyogrio (GDAL) is heavy and needed only for GeoPackage / GeoJSON files
    from pyogrio.raw import open_arrow

    def batches():
        with open_arrow(path, batch_size=BATCH_ROWS, use_pyarrow=True) as (_meta, reader):
            yield from reader

    with open_arrow(path, batch_size=1, use_pyarrow=True) as (meta, reader):
        names = list(reader.schema.names)
        geometry = meta.get("geometry_name") or "wkb_geometry"
        crs = meta.get("crs")
    geometry = geometry if geometry in names else None
    return _read_arrow_batches(batches(), names, geometry, crs, column_map)


def _read_parquet(path: Path, column_map: dict[str, str]) -> tuple[dict[str, int], Iterator[Row]]:
    # deferred: pyarrow.parquet is heavy and needed only for GeoParquet files
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise InvalidInput(f"{path.name} is not a readable Parquet file: {exc}") from exc
    names = parquet.schema_arrow.names
    meta = json.loads((parquet.schema_arrow.metadata or {}).get(b"geo", b"{}") or b"{}")
    geometry = meta.get("primary_column") or ("geometry" if "geometry" in names else None)
    crs = None
    column_meta = meta.get("columns", {}).get(geometry, {}) if geometry else {}
    if isinstance(column_meta.get("crs"), dict):
        ident = column_meta["crs"].get("id", {})
        crs = f"{ident.get('authority')}:{ident.get('code')}" if ident else None
    return _read_arrow_batches(
        parquet.iter_batches(batch_size=BATCH_ROWS), names, geometry, crs, column_map
    )


def open_customer_file(
    path: Path, column_map: dict[str, str] | None = None, file_format: str | None = None
) -> tuple[str, dict[str, int], Iterator[Row]]:
    """Detect the format and open a streaming reader: (format, field->index, rows)."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"No such file: {path}")
    fmt = file_format or FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInput(
            f"{path.name}: unsupported file type {path.suffix!r}; GeoCRM imports "
            "CSV (.csv), GeoPackage (.gpkg), GeoParquet (.parquet) and GeoJSON "
            "(.geojson)"
        )
    column_map = column_map or {}
    if fmt == "csv":
        return fmt, *_read_csv(path, column_map)
    if fmt == "parquet":
        return fmt, *_read_parquet(path, column_map)
    try:
        return fmt, *_read_ogr(path, column_map)
    except InvalidInput:
        raise
    except Exception as exc:  # GDAL's errors for unreadable files
        raise InvalidInput(f"{path.name} cannot be read as {fmt}: {exc}") from exc
