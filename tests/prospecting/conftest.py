"""Leads to score: until the lead build (wt-leads) is merged, a few crm.leads rows made from
the city's business POIs with SQL, with the columns the build fills (building, foot traffic
in front, trade areas, nearest store, H3 cell)."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

from geocrm.cube import build_cube
from geocrm.db import bulk_transaction, query
from geocrm.pipeline import enrich_city

#: Business POIs as leads, joined to what is around them as the lead build does.
LEADS_FROM_POIS = """
INSERT INTO crm.leads (lead_id, dataset_id, osm_type, osm_id, origin, name, category,
    subcategory, building_id, building_class, floor_area_m2, footfall_index, trade_area_ids,
    nearest_store_id, nearest_store_minutes, nearest_store_mode, h3_11, geom)
SELECT left(p.osm_type, 1) || p.osm_id, p.dataset_id, p.osm_type, p.osm_id, 'poi', p.name,
       p.category, p.subcategory, b.building_id, b.building_class,
       b.area_m2 * coalesce(b.levels, 4), ff.footfall_index, coalesce(ta.ids, '{}'),
       st.store_id, st.travel_minutes, st.mode, p.h3_11, p.geom
FROM ref.pois p
LEFT JOIN LATERAL (SELECT building_id, building_class, area_m2, levels FROM ref.buildings b
                   WHERE ST_Contains(b.footprint, p.geom) LIMIT 1) b ON true
LEFT JOIN LATERAL (SELECT f.footfall_index FROM ref.streets s
                   JOIN ref.street_footfall f USING (street_id)
                   WHERE s.network = 'walk' AND ST_DWithin(s.geom, p.geom, 0.0015)
                     AND ST_DWithin(s.geom::geography, p.geom::geography, 60)
                   ORDER BY s.geom <-> p.geom LIMIT 1) ff ON true
LEFT JOIN LATERAL (SELECT array_agg(DISTINCT t.trade_area_id) AS ids FROM crm.trade_area_parts t
                   WHERE ST_Intersects(t.geom, p.geom)) ta ON true
LEFT JOIN LATERAL (SELECT h.store_id, h.travel_minutes, h.mode FROM crm.huff_cells h
                   WHERE h.h3 = ref.h3_cell_to_parent(p.h3_11, 10)
                   ORDER BY CASE WHEN h.mode = 'walk' AND h.travel_minutes <= 15 THEN 0
                                 WHEN h.mode = 'drive' THEN 1 ELSE 2 END, h.travel_minutes
                   LIMIT 1) st ON true
WHERE p.category IN ('shop', 'amenity') AND p.h3_11 IS NOT NULL
ON CONFLICT DO NOTHING
"""


@pytest.fixture(scope="package")
def leads(engine, demo) -> int:
    """The demo city enriched (cell context included) and its shops and amenities as leads;
    returns how many."""
    enrich_city(engine, progress=False)
    with engine.connect() as conn:
        context = conn.execute(text("SELECT count(*) FROM cube.cell_context")).scalar_one()
    if not context:  # the cube (its cell context) as `make demo` builds it
        build_cube(engine)
    with bulk_transaction(engine) as conn:
        conn.execute(text(LEADS_FROM_POIS))
        return conn.execute(text("SELECT count(*) FROM crm.leads")).scalar_one()


@pytest.fixture(scope="package")
def pool(engine, city):
    """The loaded city's address pool, which the demo generator draws from."""
    with engine.connect() as conn:
        dataset_id = conn.execute(text("SELECT min(dataset_id) FROM ref.datasets")).scalar_one()
        return pd.read_sql(query("demo/address_pool"), conn, params={"dataset_id": dataset_id})
