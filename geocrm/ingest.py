"""Customer import: CSV, GeoPackage, GeoParquet and GeoJSON into ``crm.customers``.

The file is streamed (never loaded whole) into a staging table with COPY; one SQL pass
validates every row (``spatial_sql/queries/ingest/validate.sql``); rows with problems go
to the quarantine (``crm.import_rejects``) and a rejects report with their source line and
reason; the valid rows are upserted by ``external_id`` in one set-based merge. Rows with
only an address are geocoded; rows with coordinates keep them and get the nearest address
for display. All of it is one transaction: a crash or a kill leaves the previous state
intact, and re-running completes the import. Progress and the summary are kept in
``crm.import_jobs`` (updated from a second connection, so they are visible while it runs).
Once the import has committed, the new and moved customers are enriched and the hex cube
refreshed (``geocrm.freshness``; the job's phase reads ``updating the hex cube`` meanwhile,
and a failure there is logged, never a failed import).
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import Connection, Engine, text
from tqdm import tqdm

from geocrm.db import bulk_transaction, query, raw_connection, sql_file
from geocrm.errors import GeoCrmError, InvalidInput, NotFound
from geocrm.freshness import FreshnessReport, after_customer_change
from geocrm.geocode import cached_geocoder
from geocrm.settings import PROJECT_ROOT

#: The fields a customer file can carry, in staging order.
FIELDS = (
    "external_id",
    "name",
    "kind",
    "address",
    "postcode",
    "city",
    "segment",
    "stage",
    "annual_revenue",
    "lifetime_value",
    "satisfaction",
    "churn_risk",
    "rep",
    "relationship_start",
    "lat",
    "lon",
)
REQUIRED = ("external_id", "name")
#: Column names understood without --map (lower-cased, spaces and dashes as underscores).
ALIASES = {
    "id": "external_id",
    "customer_id": "external_id",
    "customer_number": "external_id",
    "customer_name": "name",
    "latitude": "lat",
    "longitude": "lon",
    "lng": "lon",
    "long": "lon",
    "street_address": "address",
    "zip": "postcode",
    "zip_code": "postcode",
    "postal_code": "postcode",
    "revenue": "annual_revenue",
    "ltv": "lifetime_value",
    "rep_id": "rep",
    "owner": "rep",
    "assigned_rep": "rep",
    "ladder_stage": "stage",
    "customer_since": "relationship_start",
}
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
IMPORT_DIR = PROJECT_ROOT / "data" / "generated" / "imports"
_BATCH = 50_000
#: The job phase after the import committed, while the enrichment and the cube catch up
#: (spatial_sql/queries/ingest/job_status.sql knows it: the import itself is kept).
CUBE_PHASE = "updating the hex cube"


@dataclass
class ImportReport:
    """The summary of one import."""

    import_id: int
    source: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    geocoded: int
    not_geocoded: int
    rejects_file: Path | None
    seconds: dict[str, float] = field(default_factory=dict)
    cube: FreshnessReport | None = None

    def render(self) -> str:
        lines = [
            f"import #{self.import_id} of {self.source}: {self.rows} rows read",
            f"  {self.inserted} imported, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.rejected} rejected",
            f"  geocoded from their address: {self.geocoded} "
            f"({self.not_geocoded} could not be placed: see `geocrm customers geocoding-issues`)",
        ]
        if self.rejects_file:
            lines.append(f"  rejects report (line and reason per row): {self.rejects_file}")
        if self.seconds:
            lines.append("  time: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items()))
        if self.cube is not None:
            lines.append("  " + self.cube.render())
        return "\n".join(lines)


# -- column mapping ------------------------------------------------------------------------
def parse_column_map(pairs: Sequence[str]) -> dict[str, str]:
    """``["Asiakasnumero=external_id", ...]`` -> ``{"Asiakasnumero": "external_id"}``."""
    mapping = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise InvalidInput(f"--map expects SOURCE=TARGET, got {pair!r}")
        mapping[source.strip()] = target.strip()
    return mapping


def resolve_columns(columns: Sequence[str], column_map: dict[str, str]) -> dict[str, int]:
    """Which source column index feeds each field; raises with a helpful message."""
    unknown = sorted(set(column_map.values()) - set(FIELDS))
    if unknown:
        raise InvalidInput(
            f"--map targets {unknown} are not customer fields; the fields are: {', '.join(FIELDS)}"
        )
    missing_sources = sorted(set(column_map) - set(columns))
    if missing_sources:
        raise InvalidInput(
            f"--map names columns the file does not have: {missing_sources}; "
            f"its columns are: {', '.join(columns)}"
        )
    chosen: dict[str, int] = {}
    for index, column in enumerate(columns):
        if column in column_map:
            field = column_map[column]
        else:
            key = column.strip().lower().replace(" ", "_").replace("-", "_")
            field = key if key in FIELDS else ALIASES.get(key)
        if field and field not in chosen:
            chosen[field] = index
    for field in REQUIRED:
        if field not in chosen:
            raise InvalidInput(
                f"the file has no column for {field} (its columns are: {', '.join(columns)}); "
                f"name one with --map COLUMN={field}"
            )
    return chosen


# -- readers: each yields (line, parse_problem, fields-by-position) in batches ---------------
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
    from pyogrio.raw import open_arrow

    def batches():
        with open_arrow(path, batch_size=_BATCH, use_pyarrow=True) as (_meta, reader):
            yield from reader

    with open_arrow(path, batch_size=1, use_pyarrow=True) as (meta, reader):
        names = list(reader.schema.names)
        geometry = meta.get("geometry_name") or "wkb_geometry"
        crs = meta.get("crs")
    geometry = geometry if geometry in names else None
    return _read_arrow_batches(batches(), names, geometry, crs, column_map)


def _read_parquet(path: Path, column_map: dict[str, str]) -> tuple[dict[str, int], Iterator[Row]]:
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
        parquet.iter_batches(batch_size=_BATCH), names, geometry, crs, column_map
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


# -- display addresses for given coordinates -------------------------------------------------
class NearestAddress:
    """Nearest known address of many points at once (vectorised shapely STRtree).

    Distances use an equirectangular projection around the city's mean latitude: exact
    enough at city scale, and it keeps the nearest address the metric nearest.
    """

    METRES_PER_DEGREE = 111_320.0

    def __init__(self, conn: Connection, max_distance_m: float = 200.0):
        rows = conn.execute(query("ingest/address_points")).all()
        self.labels = np.array([r.label for r in rows], dtype=object)
        lons = np.array([r.lon for r in rows], dtype=float)
        lats = np.array([r.lat for r in rows], dtype=float)
        self.scale = float(np.cos(np.radians(lats.mean()))) if rows else 1.0
        self.tree = shapely.STRtree(shapely.points(lons * self.scale, lats)) if rows else None
        self.max_distance = max_distance_m / self.METRES_PER_DEGREE

    def lookup(self, lons: Sequence[str | None], lats: Sequence[str | None]) -> list[str | None]:
        """Labels of the nearest addresses within the distance limit (None elsewhere)."""
        out: list[str | None] = [None] * len(lons)
        if self.tree is None:
            return out
        x = np.array([_to_float(v) for v in lons])
        y = np.array([_to_float(v) for v in lats])
        valid = np.flatnonzero(np.isfinite(x) & np.isfinite(y) & (np.abs(y) <= 90))
        if valid.size == 0:
            return out
        points = shapely.points(x[valid] * self.scale, y[valid])
        which, nearest = self.tree.query_nearest(
            points, max_distance=self.max_distance, all_matches=False
        )
        for i, j in zip(valid[which], nearest, strict=True):
            out[i] = self.labels[j]
        return out


def _to_float(value: str | None) -> float:
    try:
        return float(value.replace(",", ".")) if value else np.nan
    except ValueError:
        return np.nan


def _batched(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# -- jobs ---------------------------------------------------------------------------------------
def create_job(
    engine: Engine, source_name: str, file_format: str, column_map: dict[str, str]
) -> int:
    """Register an import (status 'queued') and return its id."""
    with engine.begin() as conn:
        return conn.execute(
            query("ingest/create_job"),
            {
                "source_name": source_name,
                "file_format": file_format,
                "column_map": json.dumps(column_map),
            },
        ).scalar_one()


def job_status(engine: Engine, import_id: int) -> dict:
    """An import's status and summary; a job whose database session died is reported
    as failed (its transaction was rolled back: nothing of it was kept)."""
    with engine.connect() as conn:
        row = conn.execute(query("ingest/job_status"), {"import_id": import_id}).mappings().first()
    if row is None:
        raise NotFound(f"No import #{import_id}")
    return dict(row)


def fail_job(engine: Engine, import_id: int, error: BaseException) -> None:
    """Record that an import failed (unless its own run already recorded why)."""
    with engine.begin() as conn:
        conn.execute(
            query("ingest/fail_job"),
            {"import_id": import_id, "error": str(error)[:2000] or type(error).__name__},
        )


class _Progress:
    """Job progress written from its own autocommit connection (visible while running)."""

    def __init__(self, engine: Engine, import_id: int):
        self.conn = raw_connection(engine)
        self.conn.autocommit = True
        self.import_id = import_id

    def update(self, **fields) -> None:
        sets = ", ".join(f"{k} = %({k})s" for k in fields)  # keys are ours, values bound
        self.conn.execute(
            f"UPDATE crm.import_jobs SET {sets} WHERE import_id = %(import_id)s",
            {**fields, "import_id": self.import_id},
        )

    def close(self) -> None:
        self.conn.close()


# -- the import ---------------------------------------------------------------------------------
def import_customers(
    engine: Engine,
    path: Path,
    *,
    column_map: dict[str, str] | None = None,
    import_id: int | None = None,
    source: str = "import",
    file_format: str | None = None,
    source_name: str | None = None,
    progress: bool = True,
    keep_cube_fresh: bool = True,
) -> ImportReport:
    """Import a customer file; see the module docstring for the guarantees.

    Parameters
    ----------
    engine : the database.
    path : CSV, GeoPackage, GeoParquet or GeoJSON file.
    column_map : source column -> customer field, for columns not named like the fields.
    import_id : an already created job (the API creates it to answer at once).
    source : label written on new customers (``import``; the demo uses ``demo``).
    file_format : force a format instead of the file extension.
    source_name : the name to show for the file (the upload's name for API imports).
    progress : show a progress bar.
    keep_cube_fresh : after the commit, enrich the new and moved customers and refresh the
        hex cube (when it was built); the demo turns it off to do it once at its end.
    """
    column_map = column_map or {}
    try:
        fmt, columns, rows = open_customer_file(path, column_map, file_format)
    except GeoCrmError as exc:
        if import_id is not None:  # a job the API already announced: record why it failed
            failed = _Progress(engine, import_id)
            failed.update(status="failed", error=str(exc), finished_at=_now())
            failed.close()
        raise
    source_name = source_name or Path(path).name
    if import_id is None:
        import_id = create_job(engine, source_name, fmt, column_map)
    tracker = _Progress(engine, import_id)
    try:
        report = _run_import(
            engine,
            import_id,
            source_name,
            columns,
            rows,
            source,
            tracker,
            progress,
        )
    except BaseException as exc:
        tracker.update(
            status="failed",
            phase=None,
            error=str(exc)[:2000] or type(exc).__name__,
            finished_at=_now(),
        )
        tracker.close()
        raise
    summary = {
        k: getattr(report, k)
        for k in ("inserted", "updated", "unchanged", "rejected", "geocoded", "not_geocoded")
    }
    rejects_file = str(report.rejects_file) if report.rejects_file else None
    if keep_cube_fresh:
        tracker.update(phase=CUBE_PHASE, **summary, rejects_file=rejects_file)
        report.cube = after_customer_change(engine)
    tracker.update(
        status="succeeded",
        phase=None,
        finished_at=_now(),
        **summary,
        rejects_file=rejects_file,
    )
    tracker.close()
    return report


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _run_import(
    engine, import_id, source_name, columns, rows, source, tracker, progress
) -> ImportReport:
    order = [columns.get(f) for f in FIELDS]
    seconds: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(phase: str) -> None:
        now = time.perf_counter()
        seconds[phase] = now - clock[0]
        clock[0] = now

    bar = tqdm(desc=f"importing {source_name}", unit=" rows", disable=not progress)
    with bulk_transaction(engine) as conn:
        driver = conn.connection.driver_connection
        # one import at a time: concurrent upserts of the same customers would deadlock
        conn.execute(query("customers/lock_for_bulk_update"))
        tracker.update(status="running", phase="reading", backend_pid=driver.info.backend_pid)
        driver.execute(sql_file("queries/ingest/staging.sql"))
        nearest = NearestAddress(conn)
        lon_at, lat_at = columns.get("lon"), columns.get("lat")
        count = 0
        with (
            driver.cursor() as cur,
            cur.copy(
                "COPY stage_import (line, parse_problem, "
                + ", ".join(FIELDS)
                + ", nearest_address) FROM STDIN"
            ) as copy,
        ):
            for batch in _batched(rows, _BATCH):
                if lon_at is not None and lat_at is not None:
                    labels = nearest.lookup(
                        [r[2][lon_at] for r in batch], [r[2][lat_at] for r in batch]
                    )
                else:
                    labels = [None] * len(batch)
                for (line, problem, fields), label in zip(batch, labels, strict=True):
                    copy.write_row(
                        [line, problem, *(None if i is None else fields[i] for i in order), label]
                    )
                count += len(batch)
                bar.update(len(batch))
                tracker.update(rows_read=count)
        bar.close()
        tracker.update(rows_read=count, phase="validating")
        lap("reading")
        driver.execute(sql_file("queries/ingest/validate.sql"))
        driver.execute("ANALYZE stage_checked")
        rejected = conn.execute(query("ingest/quarantine"), {"import_id": import_id}).rowcount
        lap("validating")
        tracker.update(phase="merging")
        has = {f"has_{f}": f in columns for f in FIELDS}
        has["has_coordinates"] = "lat" in columns and "lon" in columns
        conn.execute(query("ingest/resolve"), {**has, "region": _region(conn)})
        conn.execute(text("ANALYZE stage_final"))
        written = {"import_id": import_id, "source": source}
        updated = conn.execute(query("ingest/update_changed"), written).rowcount
        inserted = conn.execute(query("ingest/insert_new"), written).rowcount
        lap("merging")
        tracker.update(phase="geocoding")
        geocoded, not_geocoded = _geocode_new(conn, progress)
        lap("geocoding")
        rejects_file = _write_rejects(conn, import_id) if rejected else None
        tracker.update(phase="committing")
    lap("committing")
    valid = count - rejected
    return ImportReport(
        import_id,
        source_name,
        count,
        inserted,
        updated,
        valid - inserted - updated,
        rejected,
        geocoded,
        not_geocoded,
        rejects_file,
        seconds,
    )


def _region(conn: Connection) -> str:
    city = conn.execute(query("dataset_by_name"), {"name": None}).first()
    return city.name if city else "default"


def _geocode_new(conn: Connection, progress: bool) -> tuple[int, int]:
    """Geocode the customers that have only an address; (placed, not placed)."""
    todo = conn.execute(query("ingest/to_geocode")).all()
    if not todo:
        return 0, 0
    results = cached_geocoder(conn.engine).geocode_many(
        [r.address for r in todo], postcodes=[r.postcode for r in todo], progress=progress
    )
    write_geocodes(conn, [r.customer_id for r in todo], results)
    placed = sum(r.match_level != "none" for r in results)
    return placed, len(results) - placed


def write_geocodes(conn: Connection, customer_ids: Sequence[int], results: Sequence) -> None:
    """Write geocoder results onto customers (manual pins are never overwritten)."""
    driver = conn.connection.driver_connection
    driver.execute(
        "CREATE TEMP TABLE IF NOT EXISTS geocode_results (customer_id bigint, "
        "lat float8, lon float8, match_level text, confidence real, "
        "matched_address text) ON COMMIT DROP"
    )
    driver.execute("TRUNCATE geocode_results")
    with driver.cursor() as cur, cur.copy("COPY geocode_results FROM STDIN") as copy:
        for cid, res in zip(customer_ids, results, strict=True):
            copy.write_row(
                [cid, res.lat, res.lon, res.match_level, res.confidence, res.matched_address]
            )
    conn.execute(query("ingest/apply_geocodes"))


def _write_rejects(conn: Connection, import_id: int) -> Path:
    IMPORT_DIR.mkdir(parents=True, exist_ok=True)
    out = IMPORT_DIR / f"import-{import_id}-rejects.csv"
    driver = conn.connection.driver_connection
    with (
        out.open("wb") as fh,
        driver.cursor() as cur,
        cur.copy(sql_file("queries/ingest/rejects_report.sql"), {"import_id": import_id}) as copy,
    ):
        for chunk in copy:
            fh.write(chunk)
    return out


def rejects(engine: Engine, import_id: int, limit: int = 1000) -> list[dict]:
    """The quarantined rows of an import, by line."""
    job_status(engine, import_id)  # NotFound for an unknown import
    with engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                query("ingest/rejects"), {"import_id": import_id, "limit": limit}
            ).mappings()
        ]
