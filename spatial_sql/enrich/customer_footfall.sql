-- The walkable street segment in front of each point (nearest within 60 m, in the scaled
-- plane, street-first) and its footfall.
CREATE TEMP TABLE todo_footfall ON COMMIT DROP AS
SELECT DISTINCT ON (p.customer_id)
       p.customer_id, w.street_id, ff.footfall_index,
       ST_Distance(w.geom_s, p.geom_s) * 111320 AS distance_m
FROM scaled_walkways w
JOIN todo_points p ON ST_DWithin(w.geom_s, p.geom_s, 60.0 / 111320)
LEFT JOIN ref.street_footfall ff ON ff.street_id = w.street_id
ORDER BY p.customer_id, distance_m, w.street_id;
