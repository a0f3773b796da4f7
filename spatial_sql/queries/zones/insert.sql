-- Save a new target zone; no row back when the name is taken.
INSERT INTO crm.target_zones (name, kind, geom, filters, source)
VALUES (:name, :kind, ST_Multi(ST_GeomFromWKB(:wkb, 4326)), CAST(:filters AS jsonb),
        CAST(:source AS jsonb))
ON CONFLICT (name) DO NOTHING
RETURNING zone_id
