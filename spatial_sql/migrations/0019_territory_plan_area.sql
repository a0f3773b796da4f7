-- A territory plan may cover part of the city: a drawn boundary or a saved target zone.
-- The area is kept with the plan (a redesign of it reuses the area); NULL = the city.
ALTER TABLE crm.territory_plans
    ADD COLUMN area geometry(MultiPolygon, 4326),
    ADD COLUMN area_label text;
COMMENT ON COLUMN crm.territory_plans.area IS 'The boundary the plan was designed within (cells whose centre lies inside); NULL for the whole city.';
COMMENT ON COLUMN crm.territory_plans.area_label IS 'What the area is: "drawn boundary" or "target zone <name>"; NULL for the whole city.';
CREATE INDEX territory_plans_area_idx ON crm.territory_plans USING gist (area);
