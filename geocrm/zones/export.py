"""A saved zone's audience as CSV (streamed, or written to a file), and saved zones as a
plain-text table."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from geocrm import csvsafe, vocabulary
from geocrm.db import query
from geocrm.zones.audience import plan_each_count, zone_params
from geocrm.zones.saved import zone_row

#: Columns of the audience export, in order (the first six are the contract of the app).
AUDIENCE_COLUMNS = (
    "customer_id",
    "name",
    "address",
    "stage",
    "revenue",
    "rep",
    "external_id",
    "segment",
    "kind",
    "building_class",
    "store_id",
    "rep_id",
    "lon",
    "lat",
)


@dataclass
class Audience:
    """A zone's audience as CSV: the zone, a safe file name and the text in chunks."""

    zone_id: int
    name: str
    filename: str
    chunks: Iterator[str]


def safe_filename(name: str, *, fallback: str = "zone", suffix: str = "") -> str:
    """A file name from a zone name: ASCII letters, digits, ``-``, ``_`` and ``.`` only."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name).strip("-._")[:80] or fallback
    return slug + suffix


def _csv_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    return "" if value is None else value


def zone_audience(
    engine: Engine,
    zone: int | str,
    overrides: Mapping[str, Any] | None = None,
    *,
    chunk_rows: int = 2000,
) -> Audience:
    """A saved zone's audience as CSV (:data:`AUDIENCE_COLUMNS`, header first): one row per
    customer inside the zone under its filters (overridable as in :func:`zone_count`), by
    annual revenue, largest first. The zone and filters are checked now; the rows are
    streamed from the database as ``chunks`` is read."""
    with engine.connect() as conn:
        row = zone_row(conn, zone)
        params = zone_params(conn, row, overrides)
    values = {"wkb": bytes(row["wkb"]), "filter": vocabulary.filter_document(params)}

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csvsafe.writer(buffer)
        writer.writerow(AUDIENCE_COLUMNS)
        with engine.connect() as conn:
            plan_each_count(conn)
            result = conn.execution_options(stream_results=True, yield_per=chunk_rows).execute(
                query("zones/audience"), values
            )
            for part in result.partitions():
                writer.writerows(
                    [_csv_value(r._mapping[c]) for c in AUDIENCE_COLUMNS] for r in part
                )
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        if buffer.tell():  # the header of an empty audience
            yield buffer.getvalue()

    return Audience(
        zone_id=row["zone_id"],
        name=row["name"],
        filename=safe_filename(row["name"], fallback=f"zone-{row['zone_id']}", suffix=".csv"),
        chunks=chunks(),
    )


def export_audience(engine: Engine, zone: int | str, out: Path) -> int:
    """Write a saved zone's audience CSV to ``out``; returns the number of customers."""
    audience = zone_audience(engine, zone)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as f:
        for chunk in audience.chunks:
            f.write(chunk)
    with out.open(newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.reader(f)) - 1
