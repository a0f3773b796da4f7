-- The candidates of a city (lead_build): its business POIs (key=value, or key=* less the
-- excluded values, of leads.toml), then its buildings of the lead classes with no business
-- POI inside (a building with a shop inside is that shop's lead, not one of its own).
-- lead_id: n/w/r + the OSM id, stable across rebuilds. A building's point is a point on
-- its surface (the same as its H3 cell's in spatial_sql/enrich/reference_points.sql).
-- The one-row settings have statistics (else the planner, guessing hundreds of rows, costs
-- every join by the million and compiles each with JIT, slower than running it); the
-- steps are a few set-based statements each: no JIT.
SET LOCAL jit = off;
ANALYZE lead_build;
CREATE TEMP TABLE lead_candidates ON COMMIT DROP AS
SELECT left(p.osm_type, 1) || p.osm_id AS lead_id, p.osm_type, p.osm_id,
       'poi'::text AS origin, p.name, p.category, p.subcategory, p.tags, p.geom
FROM ref.pois p
CROSS JOIN lead_build s
WHERE p.dataset_id = s.dataset_id
  AND (p.category || '=' || coalesce(p.subcategory, '') = ANY (s.poi_kinds)
       OR (p.category || '=*' = ANY (s.poi_kinds)
           AND NOT p.category || '=' || coalesce(p.subcategory, '') = ANY (s.poi_excluded)));
CREATE INDEX ON lead_candidates USING gist (geom);
ANALYZE lead_candidates (lead_id, origin, osm_type, osm_id, geom);

INSERT INTO lead_candidates (lead_id, osm_type, osm_id, origin, name, category, subcategory,
                             tags, geom)
SELECT left(b.osm_type, 1) || b.osm_id, b.osm_type, b.osm_id, 'building', b.name,
       'building', b.building, b.tags, ST_PointOnSurface(b.footprint)
FROM ref.buildings b
CROSS JOIN lead_build s
WHERE b.dataset_id = s.dataset_id
  AND b.building_class = ANY (s.building_classes)
  AND NOT EXISTS (SELECT 1 FROM lead_candidates c
                  WHERE c.geom && b.footprint AND ST_Intersects(b.footprint, c.geom))
  -- a way both building and POI (a hotel drawn as its building) is already a lead
  AND NOT EXISTS (SELECT 1 FROM lead_candidates c
                  WHERE c.osm_type = b.osm_type AND c.osm_id = b.osm_id);
CREATE UNIQUE INDEX ON lead_candidates (lead_id);
ANALYZE lead_candidates (lead_id, origin, osm_type, osm_id, geom);
