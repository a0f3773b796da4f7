-- The lookalike model's features (geocrm/prospecting/lookalike.py), computed alike for the
-- company's customers (:subjects = 'customers': enriched, placed inside the loaded cities)
-- and for the leads (:subjects = 'leads'), so that the model scores a lead on exactly what
-- it learnt from the customers:
--   the building (class; floor area = footprint x levels, 4 levels where OSM does not say,
--   as spatial_sql/enrich/building_estimates.sql), the foot traffic in front, the nearest
--   store's travel time and the Huff probability of the subject's res-10 cell for it, the
--   number of trade areas it falls in, the context of its res-11 cell and its neighbours
--   (the seven res-11 children of its res-10 parent, from cube.cell_context), and the
--   points of interest by category within 150 m (a lead's own POI left out).
WITH subjects AS (
    SELECT c.customer_id::text AS subject_id, c.kind, c.stage,
           c.annual_revenue::float8 AS annual_revenue, e.h3_11, e.building_class,
           (b.area_m2 * coalesce(b.levels, 4))::float8 AS floor_area_m2,
           e.footfall_index::float8 AS footfall_index, e.nearest_store_id,
           e.nearest_store_minutes::float8 AS nearest_store_minutes, e.nearest_store_mode,
           cardinality(e.trade_area_ids) AS trade_areas,
           NULL::text AS osm_type, NULL::bigint AS osm_id, c.geom
    FROM crm.customers c
    JOIN crm.customer_enrichment e USING (customer_id)
    LEFT JOIN ref.buildings b ON b.building_id = e.building_id
    WHERE :subjects = 'customers' AND c.geom IS NOT NULL AND NOT c.outside_city
    UNION ALL
    SELECT l.lead_id, 'business', NULL, NULL, l.h3_11, l.building_class,
           l.floor_area_m2::float8, l.footfall_index::float8, l.nearest_store_id,
           l.nearest_store_minutes::float8, l.nearest_store_mode,
           cardinality(l.trade_area_ids), l.osm_type, l.osm_id, l.geom
    FROM crm.leads l
    WHERE :subjects = 'leads'
)
SELECT s.subject_id, s.kind, s.stage, s.annual_revenue,
       coalesce(s.building_class, 'none') AS building_class,
       s.floor_area_m2, s.footfall_index, s.nearest_store_minutes, s.nearest_store_mode,
       s.trade_areas, h.probability::float8 AS huff_probability,
       ctx.footfall_around, ctx.households_around, ctx.buildings_around,
       poi.shops, poi.amenities, poi.tourism, poi.transit
FROM subjects s
LEFT JOIN crm.huff_cells h
       ON h.h3 = ref.h3_cell_to_parent(s.h3_11, 10)
      AND h.store_id = s.nearest_store_id AND h.mode = s.nearest_store_mode
LEFT JOIN LATERAL (
    -- the res-11 children of the res-10 parent are one range of ids: a primary-key scan
    SELECT (sum(x.footfall_sum) / nullif(sum(x.footfall_n), 0))::float8 AS footfall_around,
           coalesce(sum(x.households), 0)::float8 AS households_around,
           coalesce(sum(x.addressable_buildings), 0)::float8 AS buildings_around
    FROM cube.cell_context x
    WHERE x.h3_11 BETWEEN ref.h3_first_descendant(ref.h3_cell_to_parent(s.h3_11, 10), 11)
                      AND ref.h3_last_descendant(ref.h3_cell_to_parent(s.h3_11, 10), 11)
) ctx ON true
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE p.category = 'shop')::float8 AS shops,
           count(*) FILTER (WHERE p.category = 'amenity')::float8 AS amenities,
           count(*) FILTER (WHERE p.category = 'tourism')::float8 AS tourism,
           count(*) FILTER (WHERE p.category = 'transit')::float8 AS transit
    FROM ref.pois p
    -- a degrees prefilter on the GiST index (150 m east-west at the subject's latitude, the
    -- wider way), then metres on the sphere (cheaper than geography, exact enough at 150 m)
    WHERE ST_DWithin(p.geom, s.geom, 150 / (111320 * cos(radians(ST_Y(s.geom)))))
      AND ST_DistanceSphere(p.geom, s.geom) <= 150
      AND (s.osm_type IS NULL OR p.osm_type <> s.osm_type OR p.osm_id <> s.osm_id)
) poi ON true
ORDER BY s.subject_id
