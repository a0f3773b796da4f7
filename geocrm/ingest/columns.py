"""Which column of a customer file feeds which customer field: names, aliases and --map."""

from __future__ import annotations

from collections.abc import Sequence

from geocrm.errors import InvalidInput

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
    # contact details (optional; leads are matched on them, issue 16)
    "phone",
    "email",
    "website",
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
    "telephone": "phone",
    "phone_number": "phone",
    "e_mail": "email",
    "email_address": "email",
    "web": "website",
    "url": "website",
    "homepage": "website",
}


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
