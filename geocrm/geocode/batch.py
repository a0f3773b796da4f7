"""Geocoding a CSV file of addresses into another CSV file."""

from __future__ import annotations

from collections import Counter
from dataclasses import astuple, fields
from pathlib import Path

import pandas as pd

from geocrm import csvsafe
from geocrm.errors import InvalidInput, NotFound
from geocrm.geocode.index import Geocoder
from geocrm.geocode.result import MATCH_LEVELS, GeocodeResult


def geocode_csv(
    source: Path,
    out: Path,
    geocoder: Geocoder,
    *,
    id_column: str = "id",
    address_column: str = "address",
    postcode_column: str | None = None,
    progress: bool = True,
) -> dict[str, int]:
    """Geocode the addresses of a CSV file into another CSV file.

    The delimiter (comma, semicolon, tab) is detected and every value is read as text (so
    postcodes keep their leading zeros). ``out`` gets the id, address (and postcode)
    columns followed by ``lat, lon, match_level, confidence, matched_address``.

    Parameters
    ----------
    source, out : the input and output CSV files.
    geocoder : e.g. ``Geocoder.from_database(engine)``.
    id_column, address_column : columns of ``source`` to carry over and to geocode.
    postcode_column : optional column with a postcode hint.
    progress : show a progress bar.

    Returns
    -------
    dict
        ``rows`` and the number of rows at each match level.

    Raises
    ------
    NotFound
        ``source`` does not exist.
    InvalidInput
        A named column is missing.
    """
    source, out = Path(source), Path(out)
    if not source.is_file():
        raise NotFound(f"No such file: {source}")
    frame = pd.read_csv(
        source,
        sep=None,
        engine="python",
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    wanted = [id_column, address_column] + ([postcode_column] if postcode_column else [])
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise InvalidInput(
            f"{source.name} has no column {missing} (its columns: {list(frame.columns)}); "
            "name them with --id-column / --address-column / --postcode-column"
        )
    results = geocoder.geocode_many(
        frame[address_column].tolist(),
        postcodes=frame[postcode_column].tolist() if postcode_column else None,
        progress=progress,
    )
    answer = pd.DataFrame(
        [astuple(r) for r in results], columns=[f.name for f in fields(GeocodeResult)]
    )
    result = pd.concat([frame[wanted].reset_index(drop=True), answer], axis=1)
    out.parent.mkdir(parents=True, exist_ok=True)
    csvsafe.write_frame(result, out, float_format="%.7f")
    levels = Counter(r.match_level for r in results)
    return {"rows": len(results), **{level: levels[level] for level in MATCH_LEVELS}}
