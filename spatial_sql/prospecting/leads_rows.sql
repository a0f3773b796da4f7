-- The leads of the build, every column (lead_rows): the candidates joined to their place
-- and network, less the buildings with no address (a building is a lead only where one
-- can be sent: addressable); contact details from the OSM tags.
CREATE TEMP TABLE lead_rows ON COMMIT DROP AS
SELECT c.lead_id, s.dataset_id, c.osm_type, c.osm_id, c.origin, c.name, c.category,
       c.subcategory, a.address, w.building_id, b.building_class,
       (b.area_m2 * coalesce(b.levels, s.default_levels))::real AS floor_area_m2,
       n.footfall_index, n.trade_area_ids, n.nearest_store_id, n.nearest_store_minutes,
       n.nearest_store_mode, p.h3_11,
       nullif(btrim(coalesce(c.tags ->> 'phone', c.tags ->> 'contact:phone')), '') AS phone,
       nullif(btrim(coalesce(c.tags ->> 'email', c.tags ->> 'contact:email')), '') AS email,
       nullif(btrim(coalesce(c.tags ->> 'website', c.tags ->> 'contact:website')), '')
           AS website,
       c.geom
FROM lead_candidates c
CROSS JOIN lead_build s
JOIN lead_points p ON p.lead_id = c.lead_id
JOIN lead_network n ON n.lead_id = c.lead_id
LEFT JOIN lead_addresses a ON a.lead_id = c.lead_id
LEFT JOIN lead_buildings w ON w.lead_id = c.lead_id
LEFT JOIN ref.buildings b ON b.building_id = w.building_id
WHERE c.origin = 'poi' OR a.address IS NOT NULL;
CREATE UNIQUE INDEX ON lead_rows (lead_id);
ANALYZE lead_rows (lead_id, geom);
