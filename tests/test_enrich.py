"""A manager's question becomes a query: every customer is joined to what is around it."""

from __future__ import annotations

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
import shapely
from sqlalchemy import text

from geocrm.cube import is_built
from geocrm.hexgrid import cell_to_parent, latlng_to_cells
from geocrm.pipeline import enrich_city, pin_customer


@pytest.fixture(scope="module")
def enriched(engine, demo):
    """A full enrichment from scratch (other modules may have enriched before)."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM crm.enrichment_state"))
        conn.execute(text("TRUNCATE crm.customer_enrichment"))
    return enrich_city(engine, progress=False)


def test_sql_and_python_h3_parents_agree_with_the_h3_library(engine):
    rng = np.random.default_rng(3)
    lats, lons = rng.uniform(60.15, 60.18, 50), rng.uniform(24.92, 24.96, 50)
    cells = latlng_to_cells(lats, lons)
    with engine.connect() as conn:
        for res in range(5, 12):
            expected = [h3.str_to_int(h3.cell_to_parent(h3.int_to_str(int(c)), res)) for c in cells]
            in_sql = (
                conn.execute(
                    text(
                        "SELECT ref.h3_cell_to_parent(c, :r) "
                        "FROM unnest(CAST(:cells AS bigint[])) c"
                    ),
                    {"r": res, "cells": cells.tolist()},
                )
                .scalars()
                .all()
            )
            assert in_sql == expected == cell_to_parent(cells, res).tolist()


def test_every_placed_customer_is_enriched(engine, enriched):
    assert enriched.network_recomputed and enriched.customers_enriched > 0
    with engine.connect() as conn:
        placed, with_row = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE c.geom IS NOT NULL AND NOT c.outside_city), "
                "count(e.customer_id) "
                "FROM crm.customers c LEFT JOIN crm.customer_enrichment e USING (customer_id)"
            )
        ).one()
    assert placed == with_row > 0


def test_building_join_matches_a_geopandas_spatial_join(engine, enriched):
    with engine.connect() as conn:
        customers = gpd.read_postgis(
            text(
                "SELECT c.customer_id, c.geom, e.building_id, e.building_distance_m "
                "FROM crm.customers c JOIN crm.customer_enrichment e USING (customer_id)"
            ),
            conn,
            geom_col="geom",
        )
        buildings = gpd.read_postgis(
            text("SELECT building_id AS b_id, footprint FROM ref.buildings"),
            conn,
            geom_col="footprint",
        )
    inside = gpd.sjoin(customers, buildings, predicate="within", how="inner")
    assert len(inside) > 0.5 * len(customers)
    contained = inside.drop_duplicates("customer_id").set_index("customer_id")
    ours = customers.set_index("customer_id").loc[contained.index]
    assert (ours["building_distance_m"] == 0).all()
    # a point inside two overlapping footprints may take either; nearly all must agree
    assert (ours["building_id"] == contained["b_id"]).mean() > 0.98


def test_persons_live_in_residential_buildings_and_stores_are_minutes_away(engine, enriched):
    with engine.connect() as conn:
        df = pd.read_sql(
            text(
                "SELECT c.kind, e.building_class, e.nearest_store_minutes AS minutes, "
                "e.nearest_store_mode AS mode, e.huff_probability AS p, e.trade_area_ids, "
                "e.footfall_index FROM crm.customers c JOIN crm.customer_enrichment e "
                "USING (customer_id) WHERE c.source = 'demo'"
            ),
            conn,
        )
    persons = df[df["kind"] == "person"]
    assert (persons["building_class"] == "residential").mean() > 0.9
    assert df["minutes"].notna().mean() > 0.95
    assert df["minutes"].between(0, 60).all() or df["minutes"].isna().any()
    walk = df[df["mode"] == "walk"]
    assert len(walk) > 0 and (walk["minutes"] <= 15).all()
    assert df["p"].dropna().between(0, 1).all()
    assert df["trade_area_ids"].map(len).gt(0).mean() > 0.9  # central Helsinki is covered
    assert df["footfall_index"].notna().mean() > 0.9


def test_a_customer_inside_a_store_isochrone_lists_it(engine, enriched):
    with engine.connect() as conn:
        mismatches = conn.execute(
            text(
                "SELECT count(*) FROM crm.customer_enrichment e "
                "JOIN crm.customers c USING (customer_id) "
                "JOIN crm.trade_areas t ON ST_Intersects(t.geom, c.geom) "
                "WHERE NOT t.trade_area_id = ANY (e.trade_area_ids)"
            )
        ).scalar()
        listed = conn.execute(
            text(
                "SELECT count(*) FROM crm.customer_enrichment WHERE cardinality(trade_area_ids) > 0"
            )
        ).scalar()
    assert listed > 0 and mismatches == 0


def test_enrichment_is_incremental(engine, enriched, demo):
    again = enrich_city(engine, progress=False)
    assert not again.reference_recomputed and not again.network_recomputed
    assert again.customers_enriched == 0
    with engine.connect() as conn:
        external_id = conn.execute(
            text(
                "SELECT external_id FROM crm.customers WHERE geom IS NOT NULL "
                "ORDER BY customer_id LIMIT 1"
            )
        ).scalar()
    pin_customer(engine, external_id, lon=24.9500, lat=60.1690)  # moved by hand
    moved = enrich_city(engine, progress=False)
    assert not moved.network_recomputed
    # once the hex cube is built, the pin itself enriches the customer (geocrm.pipeline)
    assert moved.customers_enriched == (0 if is_built(engine) else 1)
    with engine.connect() as conn:
        cell = conn.execute(
            text(
                "SELECT e.h3_11 FROM crm.customer_enrichment e JOIN crm.customers c "
                "USING (customer_id) WHERE c.external_id = :id"
            ),
            {"id": external_id},
        ).scalar_one()
    assert cell == latlng_to_cells([60.1690], [24.9500])[0]


def test_hexagons_exist_for_cells_in_use_and_the_whole_city(engine, enriched):
    with engine.connect() as conn:
        missing = conn.execute(
            text(
                "SELECT count(*) FROM crm.customer_enrichment e, generate_series(5, 11) r "
                "WHERE NOT EXISTS (SELECT 1 FROM ref.h3_cells h "
                "WHERE h.h3 = ref.h3_cell_to_parent(e.h3_11, r))"
            )
        ).scalar()
        outside = conn.execute(
            text(
                "SELECT count(*) FROM crm.customer_enrichment e JOIN crm.customers c "
                "USING (customer_id) JOIN ref.h3_cells h ON h.h3 = e.h3_11 "
                "WHERE NOT ST_Intersects(h.geom, c.geom)"
            )
        ).scalar()
        empty_city_cells = conn.execute(
            text(
                "SELECT count(*) FROM ref.h3_cells h WHERE h.res = 10 AND h.in_city AND NOT EXISTS "
                "(SELECT 1 FROM crm.customer_enrichment e "
                "WHERE ref.h3_cell_to_parent(e.h3_11, 10) = h.h3)"
            )
        ).scalar()
        hexagon = conn.execute(
            text("SELECT ST_AsBinary(geom) FROM ref.h3_cells WHERE res = 9 LIMIT 1")
        ).scalar()
    assert missing == 0 and outside == 0
    assert empty_city_cells > 0  # prospecting needs the empty cells too
    assert len(shapely.from_wkb(bytes(hexagon)).exterior.coords) == 7  # a closed hexagon


def test_api_serves_enrichment_stores_and_trade_areas(client, engine, enriched):
    with engine.connect() as conn:
        customer_id = conn.execute(
            text(
                "SELECT customer_id FROM crm.customer_enrichment WHERE building_id IS NOT NULL "
                "LIMIT 1"
            )
        ).scalar()
    body = client.get(f"/api/customers/{customer_id}").json()
    enrichment = body["properties"]["enrichment"]
    assert enrichment["building_class"] and enrichment["nearest_store"]
    assert client.get("/api/customers/999999999").status_code == 404
    stores = client.get("/api/stores").json()
    assert len(stores["features"]) == 5
    walk = client.get(
        "/api/trade-areas",
        params={"store_id": stores["features"][0]["id"], "mode": "walk", "kind": "isochrone"},
    ).json()
    assert sorted(f["properties"]["minutes"] for f in walk["features"]) == [5, 10, 15]
    bad = client.get("/api/trade-areas", params={"mode": "bike"})
    assert bad.status_code == 422


def test_trade_area_settings_are_validated_and_canonical():
    from geocrm.enrich import network_settings_with_defaults
    from geocrm.errors import InvalidInput

    assert network_settings_with_defaults(
        {"walk_minutes": [15, 5, 10.0]}
    ) == network_settings_with_defaults(None)
    with pytest.raises(InvalidInput, match="positive"):
        network_settings_with_defaults({"drive_minutes": [0, 5]})
    with pytest.raises(InvalidInput, match="unknown"):
        network_settings_with_defaults({"bike_minutes": [5]})
