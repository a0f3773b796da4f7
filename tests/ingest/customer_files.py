"""Customer files written for the import tests, and what landed in the database."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import text

HEADER = ["external_id", "name", "kind", "stage", "annual_revenue", "churn_risk", "lat", "lon"]
# real points of central Helsinki (near the railway station and the Esplanadi)
STATION = (60.1710, 24.9415)
ESPLANADI = (60.1675, 24.9480)


def write_csv(path: Path, rows: list[list], header=HEADER, delimiter=",") -> Path:
    """A CSV customer file with this header and rows."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def customers_like(engine, prefix: str) -> dict[str, dict]:
    """The imported customers whose external id starts with ``prefix``, by id."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT external_id, name, stage, annual_revenue::float8 AS revenue, "
                "geocode_match_level AS level, geocoded_address, "
                "ST_Y(geom) AS lat, ST_X(geom) AS lon, "
                "updated_at FROM crm.customers WHERE external_id LIKE :p ORDER BY external_id"
            ),
            {"p": prefix + "%"},
        ).mappings()
        return {r["external_id"]: dict(r) for r in rows}
