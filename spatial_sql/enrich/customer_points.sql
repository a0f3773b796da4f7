-- The chunk's customers with their points, indexed, so that joins can run polygon-first
-- (each footprint or trade-area piece tested against the points in its box: PostGIS then
-- reuses the prepared polygon instead of rebuilding it per point).
-- Nearest-neighbour work runs in a locally scaled plane (lon x cos(latitude of the city),
-- lat; 1 unit = 111,320 m): KNN there returns the metric nearest and distances are plain
-- planar arithmetic (error well under 1% across a city) instead of spheroid maths per row.
-- Only the buildings and walkways near the chunk's points are scaled (its box grown by
-- 100 m; the nearest lookups reach 30 and 60 m): a chunk of a few customers, as after a
-- small import or a manual pin, does not copy the whole city.
CREATE TEMP TABLE todo_points ON COMMIT DROP AS
WITH scale AS (SELECT cos(radians(avg(ST_Y(ST_Centroid(extent))))) AS kx FROM ref.datasets)
SELECT t.customer_id, t.h3_11, c.geom, ST_Scale(c.geom, scale.kx, 1) AS geom_s
FROM enrich_todo t
JOIN crm.customers c ON c.customer_id = t.customer_id
CROSS JOIN scale;
CREATE INDEX ON todo_points USING gist (geom);
CREATE INDEX ON todo_points USING gist (geom_s);
ANALYZE todo_points;

CREATE TEMP TABLE todo_reach ON COMMIT DROP AS
WITH scale AS (SELECT cos(radians(avg(ST_Y(ST_Centroid(extent))))) AS kx FROM ref.datasets)
SELECT scale.kx,
       ST_Expand(ST_SetSRID(ST_Extent(p.geom)::geometry, 4326),
                 100.0 / 111320 / scale.kx, 100.0 / 111320) AS box
FROM todo_points p CROSS JOIN scale
GROUP BY scale.kx;

CREATE TEMP TABLE scaled_buildings ON COMMIT DROP AS
SELECT b.building_id, b.building_class, ST_Scale(b.footprint, r.kx, 1) AS footprint_s
FROM ref.buildings b JOIN todo_reach r ON b.footprint && r.box;
CREATE INDEX ON scaled_buildings USING gist (footprint_s);

CREATE TEMP TABLE scaled_walkways ON COMMIT DROP AS
SELECT s.street_id, ST_Scale(s.geom, r.kx, 1) AS geom_s
FROM ref.streets s JOIN todo_reach r ON s.geom && r.box
WHERE s.network = 'walk';
CREATE INDEX ON scaled_walkways USING gist (geom_s);
ANALYZE scaled_buildings;
ANALYZE scaled_walkways;
