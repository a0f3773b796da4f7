-- (after leads_replace.sql) The build's leads that are no customers, in lead_id order.
INSERT INTO crm.leads (
    lead_id, dataset_id, osm_type, osm_id, origin, name, category, subcategory, address,
    building_id, building_class, floor_area_m2, footfall_index, trade_area_ids,
    nearest_store_id, nearest_store_minutes, nearest_store_mode, h3_11, phone, email, website,
    score, reasons, geom)
SELECT r.lead_id, r.dataset_id, r.osm_type, r.osm_id, r.origin, r.name, r.category,
       r.subcategory, r.address, r.building_id, r.building_class, r.floor_area_m2,
       r.footfall_index, r.trade_area_ids, r.nearest_store_id, r.nearest_store_minutes,
       r.nearest_store_mode, r.h3_11, r.phone, r.email, r.website, p.score,
       coalesce(p.reasons, '{}'), r.geom
FROM lead_rows r
LEFT JOIN lead_previous p ON p.lead_id = r.lead_id
WHERE NOT EXISTS (SELECT 1 FROM lead_matches m WHERE m.lead_id = r.lead_id)
ORDER BY r.lead_id
ON CONFLICT DO NOTHING
