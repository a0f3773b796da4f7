"""The demo CRM into the database: the files a user would bring, then the real import.

``generate_demo_data`` writes the customer file as people type it (``data/generated/``) with
a truth file beside it (the real address and point of each row, for the geocoder's tests and
benchmarks), upserts the demo reps and stores, sends the customers through the real import
and the geocoder like a user's file, and loads their contact history.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine
from tqdm import tqdm

from geocrm.db import bulk_transaction, loaded_city, query, sql_file
from geocrm.demo.generator import build_demo_frames, top_share
from geocrm.errors import InvalidInput
from geocrm.ingest import ImportReport, import_customers, interrupt_job
from geocrm.settings import PROJECT_ROOT

GENERATED_DIR = PROJECT_ROOT / "data" / "generated"


@dataclass
class DemoReport:
    """What ``generate_demo_data`` produced."""

    dataset: str
    seed: int
    reps: int
    stores: int
    customers: int
    interactions: int
    import_file: Path
    truth_file: Path
    top20_revenue_share: float
    geocoded: int = 0
    not_placed: int = 0
    unchanged: bool = False
    seconds: float = 0.0
    #: the import of the demo customers (None when unchanged); with ``finish_import=False``
    #: its job is left running, for ``geocrm.pipeline`` to finish after the enrichment
    imported: ImportReport | None = field(default=None, repr=False, compare=False)


def write_import_files(customers: pd.DataFrame, reps: pd.DataFrame, out: Path) -> Path:
    """Write the user-style import file ``out`` and its truth file beside it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    rep_ext = reps["external_id"].to_numpy()[customers["rep_index"].to_numpy()]
    user_file = pd.DataFrame(
        {
            "external_id": customers["external_id"],
            "name": customers["name"],
            "kind": customers["kind"],
            "address": customers["typed_address"],
            "segment": customers["segment"],
            "stage": customers["stage"],
            "annual_revenue": customers["annual_revenue"].map("{:.2f}".format),
            "lifetime_value": customers["lifetime_value"].map("{:.2f}".format),
            "satisfaction": customers["satisfaction"],
            "churn_risk": customers["churn_risk"],
            "rep": rep_ext,
            "relationship_start": customers["relationship_start"],
        }
    )
    user_file.to_csv(out, index=False, quoting=csv.QUOTE_MINIMAL)
    truth = customers[
        ["external_id", "typed_address", "noise", "address", "street", "housenumber", "lon", "lat"]
    ]
    truth_file = out.with_name(out.stem + "_truth.csv")
    truth.to_csv(truth_file, index=False, float_format="%.7f")
    return truth_file


def _copy_frame(conn: Connection, table: str, frame: pd.DataFrame, chunk: int = 100_000) -> None:
    """COPY a frame into ``table`` as CSV, in chunks (empty fields become NULL)."""
    cols = ", ".join(frame.columns)
    with (
        conn.connection.driver_connection.cursor() as cur,
        cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy,
    ):
        for start in range(0, len(frame), chunk):
            copy.write(frame.iloc[start : start + chunk].to_csv(header=False, index=False))


def _point(lon: pd.Series, lat: pd.Series) -> list[str]:
    return [f"SRID=4326;POINT({x:.7f} {y:.7f})" for x, y in zip(lon, lat, strict=True)]


def generate_demo_data(
    engine: Engine,
    *,
    customers: int = 2000,
    seed: int = 42,
    dataset: str | None = None,
    out: Path | None = None,
    force: bool = False,
    progress: bool = True,
    finish_import: bool = True,
) -> DemoReport:
    """Generate the demo CRM for a loaded city, write its import file and load it.

    Re-running with the same city, seed and size does nothing (unless ``force``); otherwise
    the demo customers (``source = 'demo'``) are replaced and the demo reps and stores
    upserted. The steps (reps and stores, the import, the interactions) each run in a
    transaction of their own, and the run is recorded only at the end: an interrupted run
    leaves a partial demo that the next run replaces. Customers of other sources are never
    touched. ``finish_import=False`` leaves the import's job running (``report.imported``)
    for the caller to finish once the new customers are enriched (``geocrm.pipeline``).
    """
    if customers < 1:
        raise InvalidInput("--customers must be at least 1")
    started = time.monotonic()
    with engine.connect() as conn:
        city = loaded_city(conn, dataset)
        dataset_id, name = city.dataset_id, city.name
        last = conn.execute(query("demo/last_run")).first()
    out = out or GENERATED_DIR / f"{name}_customers_seed{seed}_n{customers}.csv"
    if (
        not force
        and last
        and (last[0], last[1]) == (customers, seed)
        and last[3] == customers
        and Path(last[2]).exists()
    ):
        return DemoReport(
            name,
            seed,
            0,
            0,
            customers,
            0,
            Path(last[2]),
            Path(last[2]).with_name(Path(last[2]).stem + "_truth.csv"),
            0.0,
            unchanged=True,
        )

    bar = tqdm(total=5, desc="demo-data", unit=" step", disable=not progress)
    bar.set_postfix_str("address pool")
    with engine.connect() as conn:
        pool = pd.read_sql(query("demo/address_pool"), conn, params={"dataset_id": dataset_id})
    bar.update(1)
    bar.set_postfix_str("generating")
    frames = build_demo_frames(pool, customers, seed, region=name)
    bar.update(1)
    bar.set_postfix_str("writing files")
    truth_file = write_import_files(frames["customers"], frames["reps"], out)
    bar.update(1)
    bar.set_postfix_str("reps and stores")
    _load_reps_and_stores(engine, frames)
    bar.update(1)
    # customers arrive the way a user's file does: validated, upserted and geocoded
    bar.set_postfix_str("importing customers")
    imported = import_customers(engine, out, source="demo", progress=False, finish=finish_import)
    try:
        interactions = _load_interactions(
            engine, frames["interactions"], frames["customers"], frames["reps"]
        )
        with engine.begin() as conn:
            conn.execute(
                query("demo/record_run"),
                {
                    "dataset_id": dataset_id,
                    "customers": customers,
                    "seed": seed,
                    "import_file": str(out),
                },
            )
    except BaseException:
        interrupt_job(engine, imported)  # the customers are kept: the recovery finishes it
        raise
    bar.update(1)
    bar.close()
    return DemoReport(
        name,
        seed,
        len(frames["reps"]),
        len(frames["stores"]),
        customers,
        interactions,
        out,
        truth_file,
        top_share(frames["customers"]["annual_revenue"].to_numpy()),
        geocoded=imported.geocoded,
        not_placed=imported.not_geocoded,
        seconds=time.monotonic() - started,
        imported=imported,
    )


def _load_reps_and_stores(engine: Engine, frames: dict[str, pd.DataFrame]) -> None:
    """Remove the previous demo customers and upsert the demo reps and stores (one
    transaction; reps and stores keep their ids, so nobody else's rep is unassigned)."""
    reps, stores = frames["reps"], frames["stores"]
    rep_columns = ("external_id", "name", "email", "region", "home_address")
    store_columns = (
        "external_id",
        "name",
        "region",
        "size_m2",
        "attractiveness",
        "opened_on",
        "address",
    )
    with bulk_transaction(engine) as conn:
        conn.execute(query("demo/replace_demo_rows"))
        conn.connection.driver_connection.execute(sql_file("queries/demo/stage_reps_stores.sql"))
        _copy_frame(
            conn,
            "stage_reps",
            pd.DataFrame(
                {
                    **{c: reps[c] for c in rep_columns},
                    "home_base": _point(reps["lon"], reps["lat"]),
                    "source": "demo",
                }
            ),
        )
        _copy_frame(
            conn,
            "stage_stores",
            pd.DataFrame(
                {
                    **{c: stores[c] for c in store_columns},
                    "geom": _point(stores["lon"], stores["lat"]),
                    "source": "demo",
                }
            ),
        )
        conn.execute(query("demo/upsert_reps"))
        conn.execute(query("demo/upsert_stores"))


def _load_interactions(
    engine: Engine, interactions: pd.DataFrame, customers: pd.DataFrame, reps: pd.DataFrame
) -> int:
    """Load the contact history, keyed by the customers' and reps' external ids."""
    rep_index = interactions["rep_index"].to_numpy()
    rep_ext = np.where(
        rep_index >= 0, reps["external_id"].to_numpy()[np.maximum(rep_index, 0)], None
    )
    with bulk_transaction(engine) as conn:
        conn.connection.driver_connection.execute(sql_file("queries/demo/stage_interactions.sql"))
        _copy_frame(
            conn,
            "stage_interactions",
            pd.DataFrame(
                {
                    "customer_external_id": customers["external_id"].to_numpy()[
                        interactions["customer_index"].to_numpy()
                    ],
                    "type": interactions["type"],
                    "channel": interactions["channel"],
                    "occurred_at": interactions["occurred_at"],
                    "amount": interactions["amount"],
                    "rep_external_id": rep_ext,
                    "score": interactions["score"],
                }
            ),
        )
        return conn.execute(query("demo/insert_interactions")).rowcount
