-- Target zones: areas a marketer draws (polygon, rectangle, circle) or picks (an isochrone
-- around a point), named and saved, whose audience (the customers inside, under the zone's
-- filters) is counted and exported.
CREATE TABLE crm.target_zones (
    zone_id    serial PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    kind       text NOT NULL CHECK (kind IN ('polygon', 'rectangle', 'circle', 'isochrone')),
    geom       geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    filters    jsonb NOT NULL DEFAULT '{}'::jsonb,
    source     jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX target_zones_geom_gist ON crm.target_zones USING gist (geom);
COMMENT ON TABLE crm.target_zones IS 'Saved target zones of marketers: a named area and the filters of its audience.';
COMMENT ON COLUMN crm.target_zones.filters IS 'Audience filters, as the cube takes them: {"stage": ["client"], "segment": [...], "rep_id": [3], ...}.';
COMMENT ON COLUMN crm.target_zones.source IS 'How the zone was drawn: circle {"center": [lon, lat], "radius_m": r}; isochrone {"center": [lon, lat], "mode": "walk", "minutes": 10}; else {}.';

INSERT INTO tiles.data_versions (source) VALUES ('zones');
CREATE TRIGGER tiles_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON crm.target_zones FOR EACH STATEMENT EXECUTE FUNCTION tiles.data_changed('zones');
