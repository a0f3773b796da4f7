"""Load benchmark: many concurrent map users against one ``geocrm serve``, for a fixed time.

On the database of ``bench_tiles`` (``geocrm_bench_tiles``: Helsinki, the demo CRM's stores
and 2,000 demo customers, N synthetic customers, enriched, cube built), ``--clients``
threads (default 32), each with its own kept-alive HTTP connection and signed in with an
API token, send requests for ``--seconds`` (default 60) to a fresh ``geocrm serve`` on
127.0.0.1, then stop by themselves. The mix (seeded, the same for every server):

* ``hexes`` and ``customers`` tiles at zooms 12-16 over the customers' extent, half of them
  with filters (``stage``, ``kind``, a measure), each kind's 400 distinct requests drawn by
  popularity (Zipf: many users look at the same views, a long tail at others);
* ``/api/cube`` at resolution 8 or 9, with or without a filter;
* zone counts: a saved zone's ``/api/zones/{id}/count`` and the live ``POST
  /api/zones/count`` of a drawn polygon, with or without a filter.

Each server runs with the tile cache on (``GEOCRM_TILE_CACHE_MB`` default) and off (``0``).
Printed per run: throughput, p50/p95/p99/max latency, status counts, the share of 503s
(and any without ``Retry-After``), other 5xx, answers slower than the tile timeout + 1 s,
and hung requests (no answer within ``--hung-after`` seconds: the client's timeout); then
the same per kind of request.

``--before PATH`` also runs the server of another checkout (e.g. a worktree of main made
with ``git worktree add --detach ../wt-base main``) on the same database and settings, each
cache setting run before/after in turn, for a before-and-after in one run. The server's
code is then that checkout's (``PYTHONPATH``), the benchmark and the database are this one.

    python -m benchmarks.bench_load [--customers 1000000] [--clients 32] [--seconds 60]
        [--cache on,off] [--reuse] [--before PATH]

The goal (issue 14): no 5xx but 503 (with ``Retry-After``), 503s <= 1% with the tile cache
on, no answer slower than the tile timeout + 1 s, no hung request.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import Engine

from benchmarks.bench_tiles import _free_port, prepare_database, serve
from benchmarks.common import api_token
from benchmarks.synthetic_customers import HELSINKI_BBOX
from geocrm.settings import PROJECT_ROOT, DatabaseSettings, api_settings
from geocrm.tiles import tiles_covering

ZOOMS = tuple(range(12, 17))
#: Kinds of request and their share of the mix.
MIX = {
    "hexes": 0.2,
    "hexes filtered": 0.2,
    "customers": 0.15,
    "customers filtered": 0.15,
    "cube": 0.15,
    "zone count": 0.15,
}
#: Distinct requests of each kind, and the exponent of their popularity (Zipf).
DISTINCT = 400
ZIPF = 1.0
TILE_FILTERS = ("stage=client", "stage=prospect,customer&kind=business", "kind=person")
HEX_MEASURES = ("", "measure=revenue&", "measure=mean_churn_risk&")
#: A polygon over the centre of the customers' extent (lon, lat).
WEST, SOUTH, EAST, NORTH = HELSINKI_BBOX
ZONE = {
    "type": "Polygon",
    "coordinates": [
        [
            [WEST + 0.01, SOUTH + 0.006],
            [EAST - 0.01, SOUTH + 0.006],
            [EAST - 0.01, NORTH - 0.006],
            [WEST + 0.01, NORTH - 0.006],
            [WEST + 0.01, SOUTH + 0.006],
        ]
    ],
}


@dataclass(frozen=True)
class Call:
    """One request of the mix."""

    kind: str
    method: str
    path: str
    body: dict | None = None


@dataclass(frozen=True)
class Sample:
    """One answer (``status`` 0: none within the client's timeout, a hung request)."""

    kind: str
    status: int
    seconds: float
    retry_after: bool


def _one_call(kind: str, zone_ids: Sequence[int], rng: random.Random, tiles) -> Call:
    """A request of ``kind`` drawn with ``rng``."""
    if kind.startswith(("hexes", "customers")):
        layer = kind.split()[0]
        z, x, y = rng.choice(tiles[rng.choice(ZOOMS)])
        query = rng.choice(TILE_FILTERS) if kind.endswith("filtered") else ""
        if layer == "hexes":
            query = (rng.choice(HEX_MEASURES) + query).rstrip("&")
        return Call(kind, "GET", f"/tiles/{layer}/{z}/{x}/{y}.mvt?{query}".rstrip("?"))
    if kind == "cube":
        stage = rng.choice(("", "&stage=client"))
        return Call(kind, "GET", f"/api/cube?res={rng.choice((8, 9))}{stage}")
    if rng.random() < 0.5:
        stage = rng.choice(("", "?stage=client"))
        return Call(kind, "GET", f"/api/zones/{rng.choice(zone_ids)}/count{stage}")
    filters = rng.choice(({}, {"stage": ["client"]}, {"kind": "business"}))
    return Call(kind, "POST", "/api/zones/count", {"geometry": ZONE, "filters": filters})


def make_calls(zone_ids: Sequence[int], count: int, seed: int) -> list[Call]:
    """``count`` requests drawn with ``seed``: each of a kind drawn by ``MIX``, then one of
    that kind's ``DISTINCT`` requests by popularity (Zipf, exponent ``ZIPF``: many users
    look at the same views, a long tail at others)."""
    rng = random.Random(seed)
    tiles = {z: tiles_covering(HELSINKI_BBOX, z) for z in ZOOMS}
    kinds, weights = zip(*MIX.items(), strict=True)
    choices: dict[str, tuple[list[Call], list[float]]] = {}
    for kind in kinds:
        drawn = (_one_call(kind, zone_ids, rng, tiles) for _ in range(4 * DISTINCT))
        distinct = {repr(call): call for call in drawn}
        ranked = rng.sample(sorted(distinct.values(), key=repr), min(DISTINCT, len(distinct)))
        choices[kind] = ranked, [1 / (rank + 1) ** ZIPF for rank in range(len(ranked))]
    return [rng.choices(*choices[kind])[0] for kind in rng.choices(kinds, weights, k=count)]


def saved_zones(base: str, headers: dict[str, str]) -> list[int]:
    """The ids of the benchmark's two saved zones (created on the first run)."""
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        listed = client.get("/api/zones").raise_for_status().json()["features"]
        found = {f["properties"]["name"]: f["properties"]["zone_id"] for f in listed}
        for name, filters in (("bench-load all", {}), ("bench-load clients", {"stage": "client"})):
            if name not in found:
                made = client.post(
                    "/api/zones",
                    json={"name": name, "kind": "polygon", "geometry": ZONE, "filters": filters},
                )
                found[name] = made.raise_for_status().json()["properties"]["zone_id"]
        return [found["bench-load all"], found["bench-load clients"]]


def run_clients(
    base: str,
    headers: dict[str, str],
    calls: Sequence[Call],
    *,
    clients: int,
    seconds: float,
    hung_after: float,
) -> tuple[list[Sample], float]:
    """``clients`` threads, each on its own kept-alive connection, walking ``calls`` (each
    from its own offset) until ``seconds`` have passed; the samples and the elapsed time."""
    samples: list[Sample] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    ends: list[float] = []

    def client(offset: int) -> None:
        mine: list[Sample] = []
        with httpx.Client(base_url=base, headers=headers, timeout=hung_after) as http:
            start.wait()
            stop = ends[0]
            i = offset
            while time.monotonic() < stop:
                call = calls[i % len(calls)]
                i += 1
                began = time.perf_counter()
                try:
                    res = http.request(call.method, call.path, json=call.body)
                    status, retry = res.status_code, "retry-after" in res.headers
                except httpx.TimeoutException:
                    status, retry = 0, False
                mine.append(Sample(call.kind, status, time.perf_counter() - began, retry))
        with lock:
            samples.extend(mine)

    threads = [
        threading.Thread(target=client, args=(n * len(calls) // clients,)) for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    ends.append(began + seconds)
    start.wait()
    for thread in threads:
        thread.join()
    return samples, time.monotonic() - began


@dataclass
class Run:
    """The samples of one server with one cache setting."""

    server: str
    cache: str
    samples: list[Sample]
    elapsed: float


def _ms(values: np.ndarray, q: float) -> str:
    return f"{np.quantile(values, q) * 1000:,.0f}" if len(values) else "-"


def summary_rows(runs: Sequence[Run], limit_s: float) -> list[list[str]]:
    """One row per run: the figures the goal is judged by."""
    rows = []
    for run in runs:
        answered = np.array([s.seconds for s in run.samples if s.status])
        statuses = Counter(s.status for s in run.samples)
        n = len(run.samples)
        busy = statuses.get(503, 0)
        other_5xx = sum(c for st, c in statuses.items() if st >= 500 and st != 503)
        no_retry = sum(1 for s in run.samples if s.status == 503 and not s.retry_after)
        rows.append(
            [
                run.server,
                run.cache,
                f"{n:,}",
                f"{n / run.elapsed:,.1f}",
                _ms(answered, 0.5),
                _ms(answered, 0.95),
                _ms(answered, 0.99),
                f"{answered.max() * 1000:,.0f}" if len(answered) else "-",
                ", ".join(f"{st or 'hung'}: {c:,}" for st, c in sorted(statuses.items())),
                f"{100 * busy / n:.2f} %" if n else "-",
                f"{no_retry:,}",
                f"{other_5xx:,}",
                f"{int((answered > limit_s).sum()):,}",
                f"{statuses.get(0, 0):,}",
            ]
        )
    return rows


def kind_rows(runs: Sequence[Run]) -> list[list[str]]:
    """Per run and kind of request: count, p50/p95/max, 503 share."""
    rows = []
    for run in runs:
        for kind in MIX:
            mine = [s for s in run.samples if s.kind == kind]
            answered = np.array([s.seconds for s in mine if s.status])
            busy = sum(1 for s in mine if s.status == 503)
            rows.append(
                [
                    run.server,
                    run.cache,
                    kind,
                    f"{len(mine):,}",
                    _ms(answered, 0.5),
                    _ms(answered, 0.95),
                    f"{answered.max() * 1000:,.0f}" if len(answered) else "-",
                    f"{100 * busy / len(mine):.2f} %" if mine else "-",
                ]
            )
    return rows


def markdown(header: Sequence[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def server_env(url: str, checkout: Path, cache: str) -> dict[str, str]:
    """The environment of ``geocrm serve`` from ``checkout`` on the benchmark's database:
    this checkout's ``GEOCRM_HOME`` (the app role's password), the cache on or off."""
    env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(checkout))
    env.setdefault("GEOCRM_HOME", str(DatabaseSettings().home))
    if cache == "off":
        env["GEOCRM_TILE_CACHE_MB"] = "0"
    else:
        env.pop("GEOCRM_TILE_CACHE_MB", None)
    return env


def token_headers(engine: Engine) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(engine)}", "Accept-Encoding": "gzip"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--cache", default="on,off", help="on, off or on,off")
    parser.add_argument("--hung-after", type=float, default=60, help="the client's timeout, s")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--reuse", action="store_true", help="keep a prepared database")
    parser.add_argument("--before", type=Path, help="checkout whose server is 'before'")
    args = parser.parse_args()

    engine, url = prepare_database(args.customers, reuse=args.reuse)
    headers = token_headers(engine)
    limit_s = api_settings().tile_timeout_ms / 1000 + 1
    servers = [("after", PROJECT_ROOT)]
    if args.before is not None:
        servers.insert(0, ("before", args.before.resolve()))
    runs: list[Run] = []
    calls: list[Call] | None = None
    caches = [c.strip() for c in args.cache.split(",") if c.strip()]
    for turn, cache in enumerate(caches):
        # before, after with the first setting; after, before with the next (ABBA: a
        # machine getting busier or quieter weighs on both alike)
        for label, checkout in servers if turn % 2 == 0 else servers[::-1]:
            port = _free_port()
            cmd = [sys.executable, "-m", "geocrm.cli", "serve", "--port", str(port)]
            env = server_env(url, checkout, cache)
            with serve(f"load_{label}_{cache}", cmd, env, port, "/docs", checkout) as server:
                if calls is None:
                    calls = make_calls(saved_zones(server.base, headers), 20_000, args.seed)
                samples, elapsed = run_clients(
                    server.base,
                    headers,
                    calls,
                    clients=args.clients,
                    seconds=args.seconds,
                    hung_after=args.hung_after,
                )
            runs.append(Run(label, cache, samples, elapsed))
            row = summary_rows([runs[-1]], limit_s)[0]
            print(
                f"{label}, cache {cache}: {row[2]} requests, {row[3]}/s, p95 {row[5]} ms, "
                f"max {row[7]} ms, {row[8]}",
                flush=True,
            )

    print(
        f"\n### {args.customers:,} customers, {args.clients} clients for {args.seconds:.0f} s "
        f"(tile timeout + 1 s = {limit_s:.1f} s; hung: no answer in {args.hung_after:.0f} s)\n"
    )
    print(
        markdown(
            [
                "server",
                "tile cache",
                "requests",
                "req/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
                "statuses",
                "503 share",
                "503 without Retry-After",
                "other 5xx",
                f"slower than {limit_s:.0f} s",
                "hung",
            ],
            summary_rows(runs, limit_s),
        )
    )
    print()
    print(
        markdown(
            ["server", "tile cache", "kind", "requests", "p50 ms", "p95 ms", "max ms", "503s"],
            kind_rows(runs),
        )
    )


if __name__ == "__main__":
    main()
