"""Many addresses at once: the demo customers' file and a CSV file of addresses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geocrm.errors import InvalidInput, NotFound
from geocrm.geocode import geocode_csv
from tests.geocode.measure import metres


# -- the demo customers' file ------------------------------------------------------------------
def test_the_demo_import_file_geocodes_to_the_truth(geocoder, demo):
    truth = pd.read_csv(demo.truth_file, dtype=str, keep_default_na=False)
    results = geocoder.geocode_many(truth["typed_address"].tolist())
    found = np.array([r.lat is not None for r in results])
    nonexistent = (truth["noise"] == "nonexistent").to_numpy()
    assert nonexistent.sum() > 0 and found[nonexistent].sum() == 0
    close = np.array(
        [
            r.lat is not None and metres(r.lon, r.lat, float(x), float(y)) < 50
            for r, x, y in zip(results, truth["lon"], truth["lat"], strict=True)
        ]
    )
    assert close[~nonexistent].mean() >= 0.97


# -- files and servers ----------------------------------------------------------------------------
def test_a_csv_file_of_addresses_is_geocoded_into_another(geocoder, unambiguous, tmp_path):
    row = unambiguous.iloc[0]
    source = tmp_path / "in.csv"
    source.write_text(
        f"id;address;postcode\nA-1;{row.street} {row.housenumber};00100\nA-2;Olematonkatu 1;\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    summary = geocode_csv(source, out, geocoder, postcode_column="postcode", progress=False)
    assert summary == {
        "rows": 2,
        "address": 1,
        "interpolated": 0,
        "street": 0,
        "poi": 0,
        "postcode": 0,
        "none": 1,
    }
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(written.columns) == [
        "id",
        "address",
        "postcode",
        "lat",
        "lon",
        "match_level",
        "confidence",
        "matched_address",
    ]
    assert written["postcode"].tolist() == ["00100", ""]  # leading zeros kept
    assert metres(float(written.at[0, "lon"]), float(written.at[0, "lat"]), row.lon, row.lat) < 50
    assert (written.at[1, "match_level"], written.at[1, "lat"]) == ("none", "")
    with pytest.raises(InvalidInput, match="street_address"):
        geocode_csv(source, out, geocoder, address_column="street_address", progress=False)
    with pytest.raises(NotFound):
        geocode_csv(tmp_path / "missing.csv", out, geocoder, progress=False)
