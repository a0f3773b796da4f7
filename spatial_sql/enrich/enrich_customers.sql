-- Put the chunk's joins together (hash joins on customer_id) with the nearest store by
-- network time from the Huff table: walking when within 15 minutes, else driving.
INSERT INTO crm.customer_enrichment (
    customer_id, h3_11, building_id, building_class, building_distance_m, nearest_store_id,
    nearest_store_minutes, nearest_store_mode, huff_probability, trade_area_ids,
    footfall_street_id, footfall_index)
SELECT p.customer_id, p.h3_11, b.building_id, b.building_class, b.distance_m, s.store_id,
       s.travel_minutes, s.mode, s.probability, coalesce(t.ids, '{}'), f.street_id,
       f.footfall_index
FROM todo_points p
LEFT JOIN todo_buildings b ON b.customer_id = p.customer_id
LEFT JOIN todo_trade_areas t ON t.customer_id = p.customer_id
LEFT JOIN todo_footfall f ON f.customer_id = p.customer_id
LEFT JOIN LATERAL (
    SELECT h.store_id, h.travel_minutes, h.mode, h.probability
    FROM crm.huff_cells h
    WHERE h.h3 = ref.h3_cell_to_parent(p.h3_11, :huff_res)
    ORDER BY CASE WHEN h.mode = 'walk' AND h.travel_minutes <= 15 THEN 0
                  WHEN h.mode = 'drive' THEN 1 ELSE 2 END, h.travel_minutes
    LIMIT 1
) s ON true
-- a concurrent run may have enriched the same customer meanwhile: keep its row
ON CONFLICT (customer_id) DO NOTHING
