"""What row-level security costs: tiles and zone counts with it against the same queries
without it, in one run, and whether the spatial index is still used.

Runs in a database of its own (``geocrm_bench_access`` in the embedded cluster, re-created)
with the demo CRM of N customers (default 100,000), enriched and with the hex cube built.
Each measured call is one transaction, as the web app makes them (the user's identity set
with SET LOCAL at its start), and the modes are interleaved call by call:

* ``owner``: the owner role (a superuser: row-level security does not apply), the baseline;
* ``admin``: the app's role (``<database>_web``) as an admin: the policies run, every row passes;
* ``rep``: the app's role as the rep with the most customers: the policies filter;
* ``owner+rep_id``: the owner with the rep's rows asked for by a filter (``rep_id``): the
  same points as ``rep``'s customers tile, without row-level security.

Figures: p50 / p95 per mode of the ``customers`` tile (zooms 15-17, points), the ``hexes``
tile (zoom 14; the cube, no customer rows), ``POST /api/zones/count``'s SQL over ~1 km²
boxes and account search (trigram index), each call the median of 3 runs. The target, for
the pairs that answer the same: at most 10% or 5 ms added at p95 (whichever is larger); the
rep's hexagons, zone counts and search are the k-rule's or their own answers, printed for
the record. Then ``EXPLAIN`` of the tile's, the zone count's and the search's
customer scans as the rep, with the operators LEAKPROOF (as ``geocrm db migrate`` marks
them) and, in a transaction rolled back, without: the plan the planner falls back to.

    python -m benchmarks.bench_access [--customers 100000] [--tiles 150] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, text

from benchmarks.bench_zones import _box, _customers, _generate
from benchmarks.common import bench_engine
from geocrm.auth.users import add_user, list_users
from geocrm.cube import build_cube
from geocrm.customers import search_customers
from geocrm.db import app_url, make_engine, sql_file
from geocrm.db.embedded import app_login
from geocrm.db.scope import SYSTEM, Scope, acting_as
from geocrm.pipeline import enrich_city
from geocrm.tiles import tile_xy
from geocrm.zones import count_audience

CENTRE = (24.9440, 60.1680)
MODES = ("owner", "admin", "rep", "owner+rep_id")


def _user(engine: Engine, email: str, role: str, reps: tuple[int, ...] = ()) -> int:
    known = {u["email"]: u["user_id"] for u in list_users(engine)}
    if email in known:
        return known[email]
    return add_user(engine, email, role, reps=reps, password="benchmark-password")[0]


def _pct(values: list[float]) -> tuple[float, float]:
    arr = np.asarray(values) * 1000
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 95))


def _measure(
    calls: dict[str, list[Callable[[], object]]], repeat: int = 3
) -> dict[str, list[float]]:
    """Run the i-th call of every mode in turn (the order rotating), ``repeat`` times; each
    call's time is the median of its runs (a tile's own cost, not the machine's hiccups)."""
    runs: dict[str, list[list[float]]] = {m: [] for m in calls}
    modes = list(calls)
    for i in range(len(next(iter(calls.values())))):
        for m in modes:
            runs[m].append([])
        for r in range(repeat):
            shift = (i + r) % len(modes)
            for m in modes[shift:] + modes[:shift]:
                t0 = time.perf_counter()
                calls[m][i]()
                runs[m][i].append(time.perf_counter() - t0)
    return {m: [float(np.median(t)) for t in runs[m]] for m in modes}


def _report(
    name: str,
    times: dict[str, list[float]],
    pairs: tuple[tuple[str, str, bool], ...] = (
        ("admin", "owner", True),
        ("rep", "owner+rep_id", True),
    ),
) -> None:
    """p50/p95 per mode, then each pair's p95 difference: against the target (at most 10%
    or 5 ms added, whichever is larger) when the pair answers the same, else for the record."""
    print(f"{name} ({len(times['owner'])} calls per mode, median of 3 runs each, ms):")
    for mode, values in times.items():
        p50, p95 = _pct(values)
        print(f"  {mode:13s} p50 {p50:7.2f}  p95 {p95:7.2f}")
    for mode, against, same_answer in pairs:
        _, a95 = _pct(times[mode])
        _, b95 = _pct(times[against])
        if not same_answer:
            print(f"  {mode} vs {against}: p95 {a95 - b95:+.2f} ms (different answers)")
            continue
        allowed = max(0.10 * b95, 5.0)
        verdict = "ok" if a95 - b95 <= allowed else "OVER"
        print(
            f"  {mode} vs {against}: p95 {a95 - b95:+.2f} ms (allowed +{allowed:.2f} ms): {verdict}"
        )


def _tile_calls(
    engines: dict[str, Engine], scopes: dict[str, Scope], layer: str, tiles, query: dict
) -> dict[str, list[Callable[[], object]]]:
    sql = text(f"SELECT length(tiles.{layer}(:z, :x, :y, CAST(:q AS json)))")

    def call(mode: str, z: int, x: int, y: int, q: dict) -> Callable[[], object]:
        def run() -> object:
            with acting_as(scopes[mode]), engines[mode].connect() as conn:
                return conn.execute(sql, {"z": z, "x": x, "y": y, "q": json.dumps(q)}).scalar()

        return run

    calls: dict[str, list[Callable[[], object]]] = {m: [] for m in MODES}
    for z, x, y in tiles:
        for mode in MODES:
            q = dict(query, rep_id=str(scopes["rep_id"])) if mode == "owner+rep_id" else query
            calls[mode].append(call(mode, z, x, y, q))
    return calls


def _search_calls(
    engines: dict[str, Engine], scopes: dict[str, Scope], words: list[str]
) -> dict[str, list[Callable[[], object]]]:
    def call(mode: str, q: str) -> Callable[[], object]:
        def run() -> object:
            with acting_as(scopes[mode]):
                return search_customers(engines[mode], q, limit=10)

        return run

    # the owner has no rep filter in search: owner+rep_id is the owner's search
    return {mode: [call(mode, q) for q in words] for mode in MODES}


def _zone_calls(
    engines: dict[str, Engine], scopes: dict[str, Scope], boxes: list[dict]
) -> dict[str, list[Callable[[], object]]]:
    def call(mode: str, box: dict, filters) -> Callable[[], object]:
        def run() -> object:
            with acting_as(scopes[mode]):
                return count_audience(engines[mode], box, filters)

        return run

    rep_filter = {"rep_id": str(scopes["rep_id"])}
    return {
        mode: [call(mode, b, rep_filter if mode == "owner+rep_id" else None) for b in boxes]
        for mode in MODES
    }


#: what spatial_sql/access.sql marks LEAKPROOF (and the scans above need)
_LEAKPROOF = (
    "geometry_overlaps(geometry, geometry)",
    "textlike(text, text)",
    "word_similarity_op(text, text)",
    "word_similarity_commutator_op(text, text)",
)
_EXPLAINED = {
    "account search ('bulevardi')": sql_file("queries/customers/search")
    .replace(":q", "'bulevardi'")
    .replace(":candidates", "1000")
    .replace(":limit", "10"),
    "customers tile (z16)": (
        "SELECT c.customer_id FROM crm.customers c WHERE c.geom && tiles.bbox(16, :x, :y)"
    ),
    "zone count (~1 km² box)": (
        "SELECT count(*) FROM crm.customers_in("
        "ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326), '{}'::jsonb) c"
    ),
}


def _explain(owner: Engine, rep_user_id: int) -> None:
    """The customer scans as the rep, with the operator LEAKPROOF and (rolled back) not."""
    x, y = tile_xy(*CENTRE, 16)
    params = {"x": x, "y": y, "x0": 24.935, "y0": 60.164, "x1": 24.953, "y1": 60.173}
    for leakproof in (True, False):
        with owner.connect() as conn, conn.begin() as tx:
            if not leakproof:
                for function in _LEAKPROOF:
                    conn.execute(text(f"ALTER FUNCTION {function} NOT LEAKPROOF"))
            conn.execute(text(f"SET LOCAL ROLE {app_login(owner.url.database)}"))
            conn.execute(
                text("SELECT set_config('geocrm.user_id', :u, true)"), {"u": str(rep_user_id)}
            )
            for name, sql in _EXPLAINED.items():
                plan = [r[0] for r in conn.execute(text("EXPLAIN " + sql), params)]
                index = any(
                    "customers_geom_gist" in line or "customers_search_doc_trgm" in line
                    for line in plan
                )
                label = "LEAKPROOF" if leakproof else "not LEAKPROOF"
                print(
                    f"EXPLAIN {name} as the rep, operators {label}: index "
                    f"{'used' if index else 'NOT used'}"
                )
                for line in plan:
                    if "Scan" in line:
                        print("    " + line.strip()[:110])
            tx.rollback()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--tiles", type=int, default=150, help="tiles per layer and mode")
    parser.add_argument("--reuse", action="store_true", help="keep a database of that size")
    args = parser.parse_args()

    owner = bench_engine("geocrm_bench_access", fresh=not args.reuse)
    if not (args.reuse and _customers(owner) == args.customers):
        with tempfile.TemporaryDirectory() as tmp:
            _generate(owner, args.customers, Path(tmp) / "c.csv")
        with acting_as(SYSTEM):
            enrich_city(owner, progress=False)
            build_cube(owner)
    with owner.begin() as conn:
        conn.execute(text("ANALYZE crm.customers"))
        rep_id, owned = conn.execute(
            text(
                "SELECT assigned_rep_id, count(*) FROM crm.customers "
                "WHERE assigned_rep_id IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
            )
        ).one()
    rep_user = _user(owner, f"rep{rep_id}@bench.example", "rep", (rep_id,))
    admin_user = _user(owner, "admin@bench.example", "admin")
    app = make_engine(app_url(owner.url.render_as_string(hide_password=False)), scoped=True)
    engines = {"owner": owner, "admin": app, "rep": app, "owner+rep_id": owner}
    scopes = {
        "owner": SYSTEM,
        "admin": Scope(user_id=admin_user),
        "rep": Scope(user_id=rep_user),
        "owner+rep_id": SYSTEM,
        "rep_id": rep_id,
    }
    print(
        f"{_customers(owner):,} customers; the rep (crm.reps {rep_id}) owns {owned:,}; "
        f"{args.tiles} tiles per layer and mode"
    )

    rng = np.random.default_rng(0)
    tiles = []
    for i in range(args.tiles):
        z = 15 + i % 3
        lon, lat = rng.uniform(24.930, 24.958), rng.uniform(60.160, 60.176)
        tiles.append((z, *tile_xy(lon, lat, z)))
    hex_tiles = [
        (14, *tile_xy(rng.uniform(24.92, 24.96), rng.uniform(60.158, 60.178), 14))
        for _ in range(args.tiles)
    ]
    boxes = [
        _box(rng.uniform(24.930, 24.942), rng.uniform(60.163, 60.171)) for _ in range(args.tiles)
    ]

    for calls in (_tile_calls(engines, scopes, "customers", tiles[:10], {}),):  # warm up
        _measure(calls)
    _report(
        "customers tile, z15-17", _measure(_tile_calls(engines, scopes, "customers", tiles, {}))
    )
    # the cube has no row-level security: for the rep the k-rule runs (their own cells and
    # pools of the others' small ones), an answer no other mode gives
    _report(
        "hexes tile, z14",
        _measure(_tile_calls(engines, scopes, "hexes", hex_tiles, {})),
        (("admin", "owner", True), ("rep", "admin", False)),
    )
    # the rep's zone count adds the others' customers in whole cells of k or more (the
    # k-rule) to their own: more than the owner's rep_id filter answers
    _report(
        "zone count, ~1 km² box",
        _measure(_zone_calls(engines, scopes, boxes)),
        (("admin", "owner", True), ("rep", "owner+rep_id", False)),
    )
    words = ["bulevardi", "lonnrot", "Manerheimintei", "virtanen", "aleksanterinkatu 5"]
    # the owner's search has no rep filter: the rep's answer (their 1,000 best candidates)
    # is their own, gathered from deeper in the index
    _report(
        "account search",
        _measure(_search_calls(engines, scopes, words * max(1, args.tiles // len(words)))),
        (("admin", "owner", True), ("rep", "owner", False)),
    )
    _explain(owner, rep_user)
    app.dispose()


if __name__ == "__main__":
    main()
