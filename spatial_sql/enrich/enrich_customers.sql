-- Join each staged customer (enrich_todo: customer_id, h3_11) to what is around it, in one
-- set-based statement; every lookup is an index probe (GiST KNN, subdivided trade areas,
-- the Huff table's primary key).
INSERT INTO crm.customer_enrichment (
    customer_id, h3_11, building_id, building_class, building_distance_m, nearest_store_id,
    nearest_store_minutes, nearest_store_mode, huff_probability, trade_area_ids,
    footfall_street_id, footfall_index)
SELECT t.customer_id, t.h3_11, b.building_id, b.building_class, b.distance_m, s.store_id,
       s.travel_minutes, s.mode, s.probability, coalesce(ta.ids, '{}'), f.street_id,
       f.footfall_index
FROM enrich_todo t
JOIN crm.customers c ON c.customer_id = t.customer_id
-- the building containing the point, else the nearest within 30 m
LEFT JOIN LATERAL (
    SELECT n.building_id, n.building_class,
           CASE WHEN ST_Intersects(n.footprint, c.geom) THEN 0
                ELSE ST_Distance(n.footprint::geography, c.geom::geography) END AS distance_m
    FROM (SELECT building_id, building_class, footprint FROM ref.buildings
          ORDER BY footprint <-> c.geom LIMIT 1) n
) b ON b.distance_m <= 30
-- the nearest store by network time: walking when within 15 minutes, else driving
LEFT JOIN LATERAL (
    SELECT h.store_id, h.travel_minutes, h.mode, h.probability
    FROM crm.huff_cells h
    WHERE h.h3 = ref.h3_cell_to_parent(t.h3_11, :huff_res)
    ORDER BY CASE WHEN h.mode = 'walk' AND h.travel_minutes <= 15 THEN 0
                  WHEN h.mode = 'drive' THEN 1 ELSE 2 END, h.travel_minutes
    LIMIT 1
) s ON true
LEFT JOIN LATERAL (
    SELECT array_agg(DISTINCT p.trade_area_id ORDER BY p.trade_area_id) AS ids
    FROM crm.trade_area_parts p
    WHERE ST_Intersects(p.geom, c.geom)
) ta ON true
-- the walkable street segment in front (nearest within 60 m) and its footfall
LEFT JOIN LATERAL (
    SELECT n.street_id, ff.footfall_index
    FROM (SELECT street_id, geom FROM ref.streets WHERE network = 'walk'
          ORDER BY geom <-> c.geom LIMIT 1) n
    LEFT JOIN ref.street_footfall ff USING (street_id)
    WHERE ST_DWithin(n.geom::geography, c.geom::geography, 60)
) f ON true
