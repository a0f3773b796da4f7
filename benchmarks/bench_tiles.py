"""Vector tile benchmark: GeoCRM's tiles against their own SQL and against TiPg, in one run.

Measures, on a database of its own (``geocrm_bench_tiles``: Helsinki, the demo CRM's stores
and 2,000 demo customers, N synthetic customers, enriched, cube built), for the ``hexes``
and ``customers`` layers at zooms 10-16:

* latency (p50 / p95 per zoom) of the same tile addresses, requested one at a time:
  ``direct SQL`` (``SELECT tiles.<layer>(z, x, y, '{"limit": 50000}')`` over one psycopg
  connection), GeoCRM over HTTP (``geocrm serve``) with a cold tile cache (a fresh server
  process, each tile once) and warm (the same tiles again: cache hits, checked with the
  ``X-Tile-Cache`` header), and TiPg (Development Seed's OGC tile server, run with uvicorn)
  serving the same ``crm.customers`` table: its first and second request of each tile
  (it has no tile cache), with its default feature cap (10,000) and like-for-like (the cap
  of GeoCRM, 50,000, and the 7 attributes GeoCRM puts in a point);
* the overhead of serving (GeoCRM cold p50 / direct SQL p50);
* throughput (tiles/s) of the whole tile set requested by 8 threads at once;
* mean tile size (MVT bytes, and gzip bytes on the wire) and features per tile.

Below zoom 15 GeoCRM's customers layer draws one point per H3 cell with counts (from the
cube), while TiPg draws raw customers up to its cap: the feature table shows what each
returns. Every round starts fresh server processes; round 0 (unmeasured) warms
PostgreSQL's caches, so "cold" means an empty tile cache, not a cold database. Both
servers listen on 127.0.0.1 and are asked for gzip. TiPg runs from a virtualenv of its own,
``benchmarks/.venv-tipg`` (created here with ``pip install tipg uvicorn`` when missing), so
that its pinned FastAPI / Starlette / pydantic never meet GeoCRM's.

    python -m benchmarks.bench_tiles [--customers 1000000] [--tiles 30] [--rounds 3] [--reuse]

``--reuse`` keeps the database of an earlier run when it holds the same customers
(preparing 1,000,000 takes a few minutes); ``--customers 100000 --tiles 10 --rounds 1`` is
a quick run. ``--no-tipg`` leaves TiPg out: GeoCRM's own figures only (e.g. to compare two
commits with ``benchmarks/compare_commits.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import psycopg
from mapbox_vector_tile.Mapbox import vector_tile_pb2
from psycopg import sql
from sqlalchemy import Engine, text

from benchmarks.common import bench_engine
from benchmarks.synthetic_customers import write_synthetic_customers
from geocrm.cube import build_cube
from geocrm.db import make_engine
from geocrm.db.embedded import EmbeddedCluster
from geocrm.demo import generate_demo_data
from geocrm.enrich import enrich
from geocrm.ingest import import_customers
from geocrm.pipeline import migrate
from geocrm.settings import PROJECT_ROOT, DatabaseSettings
from geocrm.tiles import tiles_covering

DB_NAME = "geocrm_bench_tiles"
ZOOMS = tuple(range(10, 17))
LAYERS = ("hexes", "customers")
CAP = 50_000  # GeoCRM's default feature cap (GEOCRM_TILE_MAX_FEATURES)
DIRECT_QUERY = json.dumps({"limit": CAP})
TIPG_VENV = PROJECT_ROOT / "benchmarks" / ".venv-tipg"
TIPG_DEFAULT_CAP = 10_000  # TIPG_MAX_FEATURES_PER_TILE's default
#: The attributes of a GeoCRM customer point, as crm.customers columns.
POINT_COLUMNS = (
    "customer_id",
    "name",
    "stage",
    "segment",
    "kind",
    "annual_revenue",
    "assigned_rep_id",
)
OUTPUT = PROJECT_ROOT / "benchmarks" / "output"
HEADERS = {"Accept-Encoding": "gzip"}

Tile = tuple[int, int, int]


# --------------------------------------------------------------------------- the database


def _database_exists(cluster: EmbeddedCluster, name: str) -> bool:
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return row is not None


def _holds(engine: Engine, customers: int) -> str | None:
    """Why the database cannot be reused for ``customers`` synthetic customers, or None."""
    with engine.connect() as conn:
        synthetic = conn.execute(
            text("SELECT count(*) FROM crm.customers WHERE external_id LIKE 'SYN-%'")
        ).scalar()
        enriched = conn.execute(text("SELECT count(*) FROM crm.customer_enrichment")).scalar()
        cube_rows = conn.execute(text("SELECT count(*) FROM cube.rollup")).scalar()
    if synthetic != customers:
        return f"it holds {synthetic:,} synthetic customers, not {customers:,}"
    if not enriched or not cube_rows:
        return "it is not enriched or has no cube"
    return None


def prepare_database(customers: int, *, reuse: bool) -> tuple[Engine, str]:
    """The benchmark's database (engine and URL), prepared unless ``reuse`` finds it ready:
    Helsinki, the demo CRM (stores, reps, 2,000 customers), ``customers`` synthetic
    customers imported, enriched, the cube built, then VACUUM ANALYZE."""
    cluster = EmbeddedCluster(DatabaseSettings(database_url=None))
    cluster.start()
    url = cluster.url(DB_NAME)
    if reuse and _database_exists(cluster, DB_NAME):
        engine = make_engine(url)
        migrate(engine)  # the tile functions as they are in tiles/*.sql now
        why = _holds(engine, customers)
        if why is None:
            print(f"reusing database {DB_NAME} ({customers:,} synthetic customers)")
            return engine, url
        print(f"cannot reuse {DB_NAME}: {why}; preparing it again")
        engine.dispose()

    path = OUTPUT / f"synthetic_{customers}.csv"
    if not path.exists():
        write_synthetic_customers(path, customers)
    started = time.perf_counter()
    engine = bench_engine(DB_NAME)
    generate_demo_data(engine, customers=2000, seed=1, progress=False)
    report = import_customers(engine, path, progress=False)
    imported = time.perf_counter()
    result = enrich(engine, progress=False)
    enriched = time.perf_counter()
    summary = build_cube(engine)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(
        f"prepared {DB_NAME} in {time.perf_counter() - started:.0f} s: imported "
        f"{report.inserted:,} synthetic customers ({imported - started:.0f} s with the city "
        f"and demo CRM), enriched {result.customers_enriched:,} ({enriched - imported:.0f} s), "
        f"cube of {summary['fact_rows']:,} fact rows ({summary['seconds']['total']:.0f} s)"
    )
    return engine, url


# --------------------------------------------------------------------------- the tile set


def tile_set(url: str, per_zoom: int, seed: int) -> dict[int, list[Tile]]:
    """Per zoom, up to ``per_zoom`` tiles holding customers, drawn with ``seed`` from the
    tiles covering the customers' extent (fewer where fewer tiles hold customers)."""
    rng = random.Random(seed)
    chosen: dict[int, list[Tile]] = {}
    with psycopg.connect(url) as conn:
        west, south, east, north = conn.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            "FROM (SELECT ST_Extent(geom) AS e FROM crm.customers) s"
        ).fetchone()
        for z in ZOOMS:
            candidates = [
                tile
                for tile in tiles_covering((west, south, east, north), z)
                if conn.execute(
                    "SELECT EXISTS (SELECT 1 FROM crm.customers WHERE geom && "
                    "ST_Transform(ST_TileEnvelope(%s, %s, %s), 4326))",
                    tile,
                ).fetchone()[0]
            ]
            chosen[z] = sorted(rng.sample(candidates, min(per_zoom, len(candidates))))
    return chosen


def customers_per_tile(url: str, tiles: dict[int, list[Tile]]) -> dict[int, float]:
    """Mean number of customers inside each tile of a zoom (no buffer)."""
    with psycopg.connect(url) as conn:
        return {
            z: float(
                np.mean(
                    [
                        conn.execute(
                            "SELECT count(*) FROM crm.customers WHERE geom && "
                            "ST_Transform(ST_TileEnvelope(%s, %s, %s), 4326)",
                            tile,
                        ).fetchone()[0]
                        for tile in zoom_tiles
                    ]
                )
            )
            for z, zoom_tiles in tiles.items()
        }


def features(mvt: bytes) -> int:
    """How many features an MVT tile holds (all its layers)."""
    tile = vector_tile_pb2.tile()
    tile.ParseFromString(mvt)
    return sum(len(layer.features) for layer in tile.layers)


# --------------------------------------------------------------------------- servers


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tipg_python() -> Path:
    """The python of TiPg's own virtualenv, created (``pip install tipg uvicorn``) if missing."""
    python = TIPG_VENV / "bin" / "python"
    check = [str(python), "-c", "import tipg, uvicorn; print(tipg.__version__)"]
    if not python.exists() or subprocess.run(check, capture_output=True).returncode != 0:
        print(f"creating {TIPG_VENV.relative_to(PROJECT_ROOT)} and installing tipg, uvicorn")
        subprocess.run([sys.executable, "-m", "venv", str(TIPG_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "tipg", "uvicorn"], check=True
        )
    version = subprocess.run(check, capture_output=True, text=True, check=True).stdout.strip()
    print(f"TiPg {version} from {TIPG_VENV.relative_to(PROJECT_ROOT)}")
    return python


@dataclass
class Server:
    """A server subprocess on 127.0.0.1 and its base URL."""

    name: str
    base: str
    process: subprocess.Popen


@contextmanager
def serve(
    name: str, cmd: Sequence[str], env: dict[str, str], port: int, ready_path: str, cwd: Path
) -> Iterator[Server]:
    """Run a server subprocess (a session of its own) until it answers ``ready_path`` with
    200; stop it on exit, errors included."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    log_path = OUTPUT / f"bench_tiles_{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            list(cmd),
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 180
            while True:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with {process.returncode}: {log_path.read_text()[-2000:]}"
                    )
                try:
                    if httpx.get(base + ready_path, timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} is not ready after 180 s; see {log_path}")
                time.sleep(0.3)
            yield Server(name, base, process)
        finally:
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def geocrm_server(url: str) -> Iterator[Server]:
    """``geocrm serve`` on the bench database (a fresh process: an empty tile cache)."""
    port = _free_port()
    cmd = [str(Path(sys.executable).parent / "geocrm"), "serve", "--port", str(port)]
    env = dict(os.environ, DATABASE_URL=url)
    return serve("geocrm", cmd, env, port, "/tiles", PROJECT_ROOT)


def tipg_server(python: Path, url: str) -> Iterator[Server]:
    """TiPg (uvicorn, one worker like ``geocrm serve``) exposing crm.customers only; its
    cap raised to GeoCRM's so that a request may ask ``limit=50000`` (the default-cap
    requests ask ``limit=10000``, TiPg's default); no catalogue refresh during the run."""
    port = _free_port()
    cmd = [str(python), "-m", "uvicorn", "tipg.main:app", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--log-level", "warning"]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TIPG_", "POSTGRES_", "GEOCRM_", "VIRTUAL_ENV"))
    }
    env |= {
        "DATABASE_URL": url,
        "TIPG_DB_SCHEMAS": '["crm"]',
        "TIPG_DB_TABLES": '["crm.customers"]',
        "TIPG_MAX_FEATURES_PER_TILE": str(CAP),
        "TIPG_CATALOG_TTL": "0",
        "TIPG_DB_DATETIME_EXTENT": "false",
    }
    return serve("tipg", cmd, env, port, "/collections/crm.customers", TIPG_VENV)


# --------------------------------------------------------------------------- measuring


@dataclass
class Sample:
    """One tile fetched: seconds, MVT bytes, bytes on the wire, the X-Tile-Cache header."""

    seconds: float
    raw: int
    wire: int
    cache: str | None = None


@dataclass
class Results:
    """Samples per (layer, contender, zoom); tiles/s per (layer, contender); features and
    sizes per (layer, contender, zoom)."""

    latency: dict[tuple[str, str, int], list[Sample]] = field(
        default_factory=lambda: defaultdict(list)
    )
    throughput: dict[tuple[str, str], list[float]] = field(
        default_factory=lambda: defaultdict(list)
    )
    features: dict[tuple[str, str, int], list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: GeoCRM responses per expected X-Tile-Cache value: [as expected, all].
    cache: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))


#: A contender: (layer, z, x, y) -> the sample and the tile's bytes.
Fetch = Callable[[str, int, int, int], tuple[Sample, bytes]]


def http_fetch(client: httpx.Client, url_of: Callable[[str, int, int, int], str]) -> Fetch:
    def fetch(layer: str, z: int, x: int, y: int) -> tuple[Sample, bytes]:
        url = url_of(layer, z, x, y)
        started = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - started
        if response.status_code not in (200, 204):
            raise RuntimeError(f"GET {url}: HTTP {response.status_code} {response.text[:300]}")
        sample = Sample(
            seconds,
            len(response.content),
            response.num_bytes_downloaded,
            response.headers.get("x-tile-cache"),
        )
        return sample, response.content

    return fetch


def direct_fetch(conn: psycopg.Connection) -> Fetch:
    def fetch(layer: str, z: int, x: int, y: int) -> tuple[Sample, bytes]:
        statement = sql.SQL("SELECT tiles.{}(%s, %s, %s, %s::json)").format(sql.Identifier(layer))
        started = time.perf_counter()
        data = bytes(conn.execute(statement, (z, x, y, DIRECT_QUERY)).fetchone()[0])
        seconds = time.perf_counter() - started
        return Sample(seconds, len(data), len(data)), data

    return fetch


def geocrm_url(base: str) -> Callable[[str, int, int, int], str]:
    return lambda layer, z, x, y: f"{base}/tiles/{layer}/{z}/{x}/{y}.mvt"


def tipg_url(base: str, *, like_for_like: bool) -> Callable[[str, int, int, int], str]:
    query = (
        f"limit={CAP}&properties={','.join(POINT_COLUMNS)}"
        if like_for_like
        else f"limit={TIPG_DEFAULT_CAP}"
    )
    return lambda _layer, z, x, y: (
        f"{base}/collections/crm.customers/tiles/WebMercatorQuad/{z}/{x}/{y}?{query}"
    )


def sequential(
    results: Results | None,
    layer: str,
    contender: str,
    fetch: Fetch,
    tiles: dict[int, list[Tile]],
    *,
    count_features: bool = False,
) -> list[Sample]:
    """Each tile once, one after the other; recorded unless ``results`` is None."""
    samples = []
    for z, zoom_tiles in tiles.items():
        for tile in zoom_tiles:
            sample, data = fetch(layer, *tile)
            samples.append(sample)
            if results is not None:
                results.latency[layer, contender, z].append(sample)
                if count_features:
                    results.features[layer, contender, z].append(features(data))
    return samples


#: Makes a contender's fetch for one thread, its client or connection closed by the stack.
MakeFetch = Callable[[ExitStack], Fetch]


def concurrent(
    make: MakeFetch, layer: str, tiles: list[Tile], threads: int
) -> tuple[float, list[Sample]]:
    """Tiles/s of the whole set requested by ``threads`` threads pulling from one queue
    (each with its own client or connection, opened before the clock starts), and the
    samples."""
    pending = deque(tiles)
    samples: list[Sample] = []

    def work(fetch: Fetch) -> None:
        while True:
            try:
                tile = pending.popleft()
            except IndexError:
                return
            samples.append(fetch(layer, *tile)[0])

    with ExitStack() as stack, ThreadPoolExecutor(threads) as pool:
        fetchers = [make(stack) for _ in range(threads)]
        started = time.perf_counter()
        for future in [pool.submit(work, fetch) for fetch in fetchers]:
            future.result()
        seconds = time.perf_counter() - started
    return len(tiles) / seconds, samples


def http_maker(url_of: Callable[[str, int, int, int], str]) -> MakeFetch:
    return lambda stack: http_fetch(
        stack.enter_context(httpx.Client(headers=HEADERS, timeout=300)), url_of
    )


def direct_maker(url: str) -> MakeFetch:
    return lambda stack: direct_fetch(stack.enter_context(psycopg.connect(url, autocommit=True)))


def check_cache(results: Results | None, samples: list[Sample], expected: str, what: str) -> None:
    """Count (and report) GeoCRM responses whose X-Tile-Cache header is not ``expected``."""
    wrong = sum(1 for s in samples if s.cache != expected)
    if results is not None:
        results.cache[expected][0] += len(samples) - wrong
        results.cache[expected][1] += len(samples)
    if wrong:
        print(f"  ! {what}: {wrong} of {len(samples)} responses are not X-Tile-Cache: {expected}")


TIPG_CONTENDERS = (("TiPg cold", False), ("TiPg warm", False), ("TiPg like-for-like", True))
HEXES_CONTENDERS = ("direct SQL", "GeoCRM cold", "GeoCRM warm")
CUSTOMERS_CONTENDERS = (*HEXES_CONTENDERS, *(name for name, _ in TIPG_CONTENDERS))


def run_round(
    results: Results | None,
    url: str,
    tipg: Path | None,
    tiles: dict[int, list[Tile]],
    threads: int,
) -> None:
    """One round with fresh servers: direct SQL, GeoCRM cold then warm, TiPg twice and like
    for like (unless ``tipg`` is None), one request at a time; then (measured rounds only)
    the same contenders with ``threads`` threads, GeoCRM again from a fresh process."""
    first = results is not None and not results.features
    tipg_contenders = TIPG_CONTENDERS if tipg is not None else ()
    with (
        psycopg.connect(url, autocommit=True) as conn,
        tipg_server(tipg, url) if tipg is not None else nullcontext() as tipg_srv,
    ):
        direct = direct_fetch(conn)
        for layer in LAYERS:
            sequential(results, layer, "direct SQL", direct, tiles, count_features=first)
        with geocrm_server(url) as geo, httpx.Client(headers=HEADERS, timeout=120) as client:
            fetch = http_fetch(client, geocrm_url(geo.base))
            for phase, expected in (("GeoCRM cold", "miss"), ("GeoCRM warm", "hit")):
                for layer in LAYERS:
                    samples = sequential(results, layer, phase, fetch, tiles)
                    check_cache(results, samples, expected, f"{phase} {layer}")
        with httpx.Client(headers=HEADERS, timeout=300) as client:
            for contender, like in tipg_contenders:
                fetch = http_fetch(client, tipg_url(tipg_srv.base, like_for_like=like))
                count = first and contender != "TiPg warm"
                sequential(results, "customers", contender, fetch, tiles, count_features=count)
        if results is None:
            return

        flat = [tile for zoom_tiles in tiles.values() for tile in zoom_tiles]

        def throughput(layer: str, contender: str, make: MakeFetch) -> list[Sample]:
            rate, samples = concurrent(make, layer, flat, threads)
            results.throughput[layer, contender].append(rate)
            return samples

        for layer in LAYERS:
            throughput(layer, "direct SQL", direct_maker(url))
        with geocrm_server(url) as geo:
            for phase, expected in (("GeoCRM cold", "miss"), ("GeoCRM warm", "hit")):
                for layer in LAYERS:
                    samples = throughput(layer, phase, http_maker(geocrm_url(geo.base)))
                    check_cache(results, samples, expected, f"{phase} {layer}, {threads} threads")
        for contender, like in tipg_contenders:
            throughput(
                "customers", contender, http_maker(tipg_url(tipg_srv.base, like_for_like=like))
            )


# --------------------------------------------------------------------------- reporting


def _ms(samples: list[Sample], q: float) -> float:
    return float(np.percentile([s.seconds for s in samples], q)) * 1000


def _pp(samples: list[Sample]) -> str:
    if not samples:
        return "-"
    return f"{_ms(samples, 50):,.1f} / {_ms(samples, 95):,.1f}"


def _markdown(header: Sequence[str], rows: list[Sequence[str]]) -> str:
    align = ["---" if i == 0 else "---:" for i in range(len(header))]
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(str(cell) for cell in line) + " |" for line in lines)


def latency_table(
    results: Results, layer: str, tiles: dict[int, list[Tile]], contenders: Sequence[str]
) -> str:
    """p50 / p95 per zoom (and over all zooms) of each contender; contenders[:2] are direct
    SQL and GeoCRM cold, whose p50s give the serving overhead."""
    header = ["z", "tiles", *contenders[:2], "cold ÷ direct", *contenders[2:]]
    rows = []
    for z in (*ZOOMS, None):
        zooms = ZOOMS if z is None else (z,)
        picks = {c: [s for zz in zooms for s in results.latency[layer, c, zz]] for c in contenders}
        direct, cold = picks[contenders[0]], picks[contenders[1]]
        ratio = f"{_ms(cold, 50) / _ms(direct, 50):.2f}" if direct and cold else "-"
        rows.append(
            [
                "all" if z is None else str(z),
                str(sum(len(tiles[zz]) for zz in zooms)),
                *(_pp(picks[c]) for c in contenders[:2]),
                ratio,
                *(_pp(picks[c]) for c in contenders[2:]),
            ]
        )
    return _markdown(header, rows)


def size_table(results: Results, per_tile: dict[int, float]) -> str:
    def size(layer: str, contender: str, z: int) -> str:
        samples = results.latency[layer, contender, z]
        if not samples:
            return "-"
        raw = np.mean([s.raw for s in samples]) / 1024
        wire = np.mean([s.wire for s in samples]) / 1024
        return f"{raw:,.1f} / {wire:,.1f}"

    def count(layer: str, contender: str, z: int) -> str:
        values = results.features[layer, contender, z]
        return f"{np.mean(values):,.0f}" if values else "-"

    header = [
        "z",
        "customers in tile",
        "GeoCRM customers: features",
        "KB (MVT / gzip)",
        "TiPg: features",
        "KB",
        "TiPg like-for-like: features",
        "KB",
        "GeoCRM hexes: features",
        "KB",
    ]
    rows = [
        [
            str(z),
            f"{per_tile[z]:,.0f}",
            count("customers", "direct SQL", z),
            size("customers", "GeoCRM cold", z),
            count("customers", "TiPg cold", z),
            size("customers", "TiPg cold", z),
            count("customers", "TiPg like-for-like", z),
            size("customers", "TiPg like-for-like", z),
            count("hexes", "direct SQL", z),
            size("hexes", "GeoCRM cold", z),
        ]
        for z in ZOOMS
    ]
    return _markdown(header, rows)


def throughput_table(results: Results, threads: int) -> str:
    rows = []
    for layer in LAYERS:
        cells = []
        for contender in CUSTOMERS_CONTENDERS:
            rates = results.throughput.get((layer, contender))
            cells.append(f"{np.median(rates):,.0f}" if rates else "-")
        rows.append([layer, *cells])
    return _markdown([f"tiles/s, {threads} threads", *CUSTOMERS_CONTENDERS], rows)


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--tiles", type=int, default=30, help="tiles per zoom (at most)")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds")
    parser.add_argument("--threads", type=int, default=8, help="threads of the throughput runs")
    parser.add_argument("--seed", type=int, default=1, help="seed of the tile sample")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database if it holds the same customers"
    )
    parser.add_argument(
        "--no-tipg", action="store_true", help="GeoCRM only (no TiPg contenders, no TiPg venv)"
    )
    args = parser.parse_args()

    tipg = None if args.no_tipg else tipg_python()
    engine, url = prepare_database(args.customers, reuse=args.reuse)
    engine.dispose()
    tiles = tile_set(url, args.tiles, args.seed)
    per_tile = customers_per_tile(url, tiles)
    print("tiles per zoom: " + ", ".join(f"z{z} {len(t)}" for z, t in tiles.items()))

    results = Results()
    for round_no in range(args.rounds + 1):
        started = time.perf_counter()
        run_round(results if round_no else None, url, tipg, tiles, args.threads)
        label = f"round {round_no}" if round_no else "round 0 (warm-up, not measured)"
        print(f"{label}: {time.perf_counter() - started:.0f} s", flush=True)

    total = sum(len(t) for t in tiles.values())
    print(
        f"\n{args.customers:,} synthetic customers; {total} tiles per layer (z10-16, seed "
        f"{args.seed}); {args.rounds} rounds; latency p50 / p95 in ms, one request at a time"
    )
    print("\ncustomers layer\n")
    print(latency_table(results, "customers", tiles, CUSTOMERS_CONTENDERS))
    print("\nhexes layer\n")
    print(latency_table(results, "hexes", tiles, HEXES_CONTENDERS))
    print("\nwhat a tile holds (means per tile)\n")
    print(size_table(results, per_tile))
    print(
        f"\nGeoCRM's customers layer is one point per H3 cell with counts below zoom 15 and "
        f"customer points (cap {CAP:,}) from 15; TiPg returns raw customers up to its cap "
        f"({TIPG_DEFAULT_CAP:,} by default) at every zoom, with every column of "
        f"crm.customers; like-for-like = limit={CAP} and GeoCRM's {len(POINT_COLUMNS)} "
        f"point attributes.\n"
    )
    print(throughput_table(results, args.threads))
    print(
        "\nX-Tile-Cache: "
        + ", ".join(
            f"{k} on {ok} of {n} {'cold' if k == 'miss' else 'warm'} GeoCRM responses"
            for k, (ok, n) in results.cache.items()
        )
    )


if __name__ == "__main__":
    main()
