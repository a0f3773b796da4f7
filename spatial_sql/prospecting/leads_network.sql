-- What the stores' network layers say of each lead point (lead_points): the trade areas
-- it falls in (joined piece-first), the nearest store by network time from the Huff table
-- (walking when within 15 minutes, else driving: as spatial_sql/enrich/enrich_customers.sql)
-- and the footfall of the walkway in front (nearest within the reach, 60 m). Used by a
-- build and, after `geocrm enrich` recomputed the store layers, by a refresh.
CREATE TEMP TABLE lead_scaled_walkways ON COMMIT DROP AS
SELECT w.street_id, ST_Scale(w.geom, s.kx, 1) AS geom_s
FROM ref.streets w CROSS JOIN lead_build s
WHERE w.dataset_id = s.dataset_id AND w.network = 'walk';
CREATE INDEX ON lead_scaled_walkways USING gist (geom_s);
ANALYZE lead_scaled_walkways;

CREATE TEMP TABLE lead_footfall ON COMMIT DROP AS
SELECT DISTINCT ON (p.lead_id) p.lead_id, ff.footfall_index
FROM lead_scaled_walkways w
CROSS JOIN lead_build s
JOIN lead_points p ON ST_DWithin(w.geom_s, p.geom_s, s.footfall_reach)
LEFT JOIN ref.street_footfall ff ON ff.street_id = w.street_id
ORDER BY p.lead_id, ST_Distance(w.geom_s, p.geom_s), w.street_id;

CREATE TEMP TABLE lead_trade_areas ON COMMIT DROP AS
SELECT p.lead_id, array_agg(DISTINCT a.trade_area_id ORDER BY a.trade_area_id) AS ids
FROM crm.trade_area_parts a
JOIN lead_points p ON ST_Intersects(a.geom, p.geom)
GROUP BY p.lead_id;

CREATE TEMP TABLE lead_network ON COMMIT DROP AS
SELECT p.lead_id, coalesce(t.ids, '{}') AS trade_area_ids, h.store_id AS nearest_store_id,
       h.travel_minutes AS nearest_store_minutes, h.mode AS nearest_store_mode,
       f.footfall_index
FROM lead_points p
CROSS JOIN lead_build s
LEFT JOIN lead_trade_areas t ON t.lead_id = p.lead_id
LEFT JOIN lead_footfall f ON f.lead_id = p.lead_id
LEFT JOIN LATERAL (
    SELECT c.store_id, c.travel_minutes, c.mode
    FROM crm.huff_cells c
    WHERE c.h3 = ref.h3_cell_to_parent(p.h3_11, s.huff_res)
    ORDER BY CASE WHEN c.mode = 'walk' AND c.travel_minutes <= 15 THEN 0
                  WHEN c.mode = 'drive' THEN 1 ELSE 2 END, c.travel_minutes
    LIMIT 1
) h ON true;
CREATE UNIQUE INDEX ON lead_network (lead_id);
ANALYZE lead_network;
