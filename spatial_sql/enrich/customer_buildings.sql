-- The building containing each point (the lowest id where footprints overlap), then for
-- the points in no footprint the nearest building within 30 m (in the scaled plane).
CREATE TEMP TABLE todo_buildings ON COMMIT DROP AS
SELECT DISTINCT ON (p.customer_id)
       p.customer_id, b.building_id, b.building_class, 0::real AS distance_m
FROM ref.buildings b
JOIN todo_points p ON ST_Intersects(b.footprint, p.geom)
ORDER BY p.customer_id, b.building_id;

INSERT INTO todo_buildings (customer_id, building_id, building_class, distance_m)
SELECT DISTINCT ON (p.customer_id)
       p.customer_id, b.building_id, b.building_class,
       ST_Distance(b.footprint_s, p.geom_s) * 111320 AS distance_m
FROM scaled_buildings b
JOIN todo_points p ON ST_DWithin(b.footprint_s, p.geom_s, 30.0 / 111320)
WHERE NOT EXISTS (SELECT 1 FROM todo_buildings w WHERE w.customer_id = p.customer_id)
ORDER BY p.customer_id, distance_m, b.building_id;
